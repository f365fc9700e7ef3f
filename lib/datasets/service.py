"""Datasets: the use cases of the Datasets screen, and what other features may use of datasets.

Every use case takes the store, the ids it acts on and the acting person, checks the role
(:func:`lib.core.identity.require`), owns its transaction and returns a typed result. Screens
call these and nothing below them; other features reach datasets only through this module.

Roles: reading needs the viewer role; importing and renaming a dataset the trainer role (they
prepare what is trained on); deleting one, with its history and snapshots, the admin role.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lib.core.identity import Actor, Role, require, require_read
from lib.datasets.io import (
    Inspection,
    Reading,
    TextColumns,
    inspect_source,
    read_examples,
    read_text_columns,
)
from lib.datasets.io.mapping import unescape

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from lib.datasets.export import (
        EXPORT_FORMATS,
        ExportFile,
        ExportFormat,
        ExportOptions,
        ExportRow,
        ExportSource,
        Part,
        dataset_export,
        examples_export,
        export_bytes,
        export_to_path,
        formats_for,
    )
    from lib.datasets.io.importer import default_name

    # What a JSONL line must be, for readers outside this feature (the checks' file scan).
    from lib.datasets.io.records import MAX_DEPTH, json_depth_exceeds
    from lib.datasets.io.schema import detect_record
    from lib.datasets.names import name_taken, unique_name
    from lib.datasets.repo import (
        DatasetInfo,
        ImportSummary,
        classification_labels,
        find_dataset,
        get_dataset,
        get_guidelines,
        import_examples,
        set_guidelines,
    )
    from lib.datasets.samples import LoadedSample, load_samples_once

# Names other features use, loaded on first use: the store and the writers (SQLAlchemy,
# spreadsheets) cost most of a second to import, which reading a file on the command line
# (``python -m lib check``/``prepare``) should not pay.
_LAZY = {
    **dict.fromkeys(
        (
            "EXPORT_FORMATS",
            "ExportFile",
            "ExportFormat",
            "ExportOptions",
            "ExportRow",
            "ExportSource",
            "Part",
            "dataset_export",
            "examples_export",
            "export_bytes",
            "export_to_path",
            "first_rows",
            "formats_for",
        ),
        "lib.datasets.export",
    ),
    "default_name": "lib.datasets.io.importer",
    "name_taken": "lib.datasets.names",
    "unique_name": "lib.datasets.names",
    **dict.fromkeys(
        (
            "DatasetInfo",
            "ImportSummary",
            "classification_labels",
            "find_dataset",
            "get_dataset",
            "get_guidelines",
            "import_examples",
            "set_guidelines",
        ),
        "lib.datasets.repo",
    ),
    "load_samples_once": "lib.datasets.samples",
    "LoadedSample": "lib.datasets.samples",
    "MAX_DEPTH": "lib.datasets.io.records",
    "json_depth_exceeds": "lib.datasets.io.records",
    "detect_record": "lib.datasets.io.schema",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lib.datasets.service' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = [
    "EXPORT_FORMATS",
    "MAX_DEPTH",
    "detect_record",
    "json_depth_exceeds",
    "DatasetInfo",
    "DeletedDataset",
    "ExportFile",
    "ExportFormat",
    "ExportOptions",
    "ExportRow",
    "ExportSource",
    "ImportSummary",
    "Inspection",
    "LoadedSample",
    "Part",
    "Reading",
    "TextColumns",
    "dataset_export",
    "dataset_file",
    "dataset_info",
    "dataset_list",
    "classification_dataset_ids",
    "datasets_version",
    "default_name",
    "delete_dataset",
    "examples_export",
    "export_bytes",
    "export_to_path",
    "find_dataset",
    "formats_for",
    "classification_labels",
    "get_dataset",
    "get_guidelines",
    "import_examples",
    "import_upload",
    "inspect_upload",
    "label_counts",
    "load_samples_once",
    "name_taken",
    "read_examples",
    "read_text_columns",
    "rename_dataset",
    "set_guidelines",
    "suggest_name",
    "unescape",
    "unique_name",
]


@dataclass(frozen=True, slots=True)
class DeletedDataset:
    """What a deletion removed, for the sentence the screen shows."""

    id: int
    name: str
    n_examples: int


# --- reads ---------------------------------------------------------------------------------


def dataset_list(engine: Engine, *, actor: Actor | None) -> list[DatasetInfo]:
    """Every dataset with its live example count, newest first."""
    from lib.datasets import repo

    require_read(actor, action="see the datasets")
    with engine.connect() as conn:
        return repo.list_datasets(conn)


def datasets_version(engine: Engine, *, actor: Actor | None) -> tuple[int, int, str]:
    """A cheap value that changes whenever any dataset changes: the key screens cache under."""
    from lib.datasets import repo

    require_read(actor, action="see the datasets")
    with engine.connect() as conn:
        return repo.datasets_fingerprint(conn)


def classification_dataset_ids(engine: Engine, *, actor: Actor | None) -> frozenset[int]:
    """The datasets whose completions are labels (``core.examples.is_classification``):
    pickers on classification screens open on one of these."""
    from lib.datasets import repo

    require_read(actor, action="see the datasets")
    with engine.connect() as conn:
        return frozenset(
            info.id
            for info in repo.list_datasets(conn)
            if repo.classification_labels(conn, info.id) is not None
        )


def dataset_info(engine: Engine, dataset_id: int, *, actor: Actor | None) -> DatasetInfo:
    from lib.datasets import repo

    require_read(actor, action="see a dataset")
    with engine.connect() as conn:
        return repo.get_dataset(conn, dataset_id)


def first_rows(
    engine: Engine, dataset_id: int, *, limit: int = 5, actor: Actor | None
) -> list[dict[str, Any]]:
    """The dataset's first live examples as stored (their JSON), for a look at the raw rows."""
    from lib.core.example_store import list_examples

    require_read(actor, action="see a dataset")
    with engine.connect() as conn:
        return [row.data for row in list_examples(conn, dataset_id, limit=limit)]


def label_counts(engine: Engine, dataset_id: int, *, actor: Actor | None) -> dict[str, int]:
    """Examples per label, most common first."""
    from lib.datasets import repo

    require_read(actor, action="see a dataset's labels")
    with engine.connect() as conn:
        return repo.label_counts(conn, dataset_id)


def suggest_name(engine: Engine, file_name: str, *, actor: Actor | None) -> str:
    """A free dataset name made from an upload's file name (``reviews (2)`` when taken)."""
    from lib.datasets.io.importer import default_name
    from lib.datasets.names import unique_name

    require_read(actor, action="see the datasets")
    with engine.connect() as conn:
        return unique_name(conn, default_name(file_name))


def inspect_upload(
    data: bytes,
    *,
    file_name: str,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    preview_rows: int = 20,
    drop: Sequence[str] = (),
) -> Inspection:
    """What an upload holds (format, encoding, schema, preview); reads no store.

    ``drop``: columns to leave out of the examples (with a mapping)."""
    return inspect_source(
        data,
        file_name=file_name,
        sheet=sheet,
        mapping=mapping,
        preview_rows=preview_rows,
        drop=drop,
    )


def dataset_file(
    engine: Engine, dataset_id: int, format_key: str, *, actor: Actor | None
) -> ExportFile:
    """The whole dataset as it is now, in one export format (no snapshot, no splits)."""
    from lib.datasets.export import dataset_export, export_bytes

    require_read(actor, action="export a dataset")
    return export_bytes(dataset_export(engine, dataset_id), format_key)


# --- changes -------------------------------------------------------------------------------


def import_upload(
    engine: Engine,
    data: bytes,
    *,
    file_name: str,
    name: str | None,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    drop: Sequence[str] = (),
    actor: Actor | None,
) -> ImportSummary:
    """Read an upload and store it as a new dataset, in one transaction (all rows or nothing);
    ``drop`` names columns left out of the examples."""
    from lib.datasets.io.importer import import_file

    require(actor, Role.TRAINER, action="import a dataset")
    return import_file(
        engine, data, file_name=file_name, name=name, sheet=sheet, mapping=mapping, drop=drop
    )


def rename_dataset(
    engine: Engine, dataset_id: int, new_name: str, *, actor: Actor | None
) -> DatasetInfo:
    from lib.datasets import repo

    require(actor, Role.TRAINER, action="rename a dataset")
    repo.rename_dataset(engine, dataset_id, new_name)
    with engine.connect() as conn:
        return repo.get_dataset(conn, dataset_id)


def delete_dataset(engine: Engine, dataset_id: int, *, actor: Actor | None) -> DeletedDataset:
    """Delete a dataset with its examples, history and snapshots."""
    from lib.core.activity import log_activity  # the store: not loaded to read a file
    from lib.datasets import repo

    who = require(actor, Role.ADMIN, action="delete a dataset")
    with engine.connect() as conn:
        info = repo.get_dataset(conn, dataset_id)
    repo.delete_dataset(engine, dataset_id)
    with engine.begin() as conn:  # the dataset's own rows are gone: the log keeps who and when
        log_activity(
            conn,
            person=who.label,
            action="deleted dataset",
            dataset_id=info.id,
            dataset_name=info.name,
            detail=f"{info.n_examples:,} examples",
        )
    return DeletedDataset(id=info.id, name=info.name, n_examples=info.n_examples)
