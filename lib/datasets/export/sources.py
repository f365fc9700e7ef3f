"""Export sources: a snapshot's split(s), a whole dataset, or examples read from a file."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.example_store import iter_examples
from lib.core.examples import Example
from lib.datasets.export.base import ExportRow, ExportSource, Part
from lib.datasets.export.sink import WHOLE
from lib.datasets.repo import get_dataset, label_counts
from lib.snapshots.repo import SPLIT_CHOICES, get_snapshot, iter_split
from lib.snapshots.split import SPLITS


def snapshot_export(
    engine: Engine, snapshot_id: int, split: str = "all", *, skip_empty: bool = True
) -> ExportSource:
    """One split of a snapshot, or all three (``"all"``; empty splits left out)."""
    if split not in SPLIT_CHOICES:
        raise UserError(f"unknown split {split!r}; use one of {', '.join(SPLIT_CHOICES)}")
    with engine.connect() as conn:
        snapshot = get_snapshot(conn, snapshot_id)
    names = SPLITS if split == "all" else (split,)
    sizes = snapshot.sizes
    parts = []
    for name in names:
        if split == "all" and skip_empty and sizes[name] == 0:
            continue
        labels = snapshot.counts.get(name) if snapshot.settings.get("stratified") else None
        parts.append(
            Part(
                name=name,
                rows=_split_rows(engine, snapshot_id, name),
                size=sizes[name],
                labels=labels,
            )
        )
    base = snapshot.dataset_name or snapshot.name
    return ExportSource(
        name=f"{base}_snapshot{snapshot.id}",
        schema=snapshot.schema,
        parts=tuple(parts),
        description=f"Snapshot {snapshot.id} ({snapshot.name}) of dataset {base}.",
    )


def _split_rows(engine: Engine, snapshot_id: int, split: str) -> Callable[[], Iterator[ExportRow]]:
    def rows() -> Iterator[ExportRow]:
        for example in iter_split(engine, snapshot_id, split):
            yield ExportRow(data=example.data, row=example.position, source_row=example.source_row)

    return rows


def dataset_export(engine: Engine, dataset_id: int) -> ExportSource:
    """Every live example of a dataset, as one part."""
    with engine.connect() as conn:
        info = get_dataset(conn, dataset_id)
        labels = label_counts(conn, dataset_id)

    def rows() -> Iterator[ExportRow]:
        for n, example in enumerate(iter_examples(engine, dataset_id), 1):
            yield ExportRow(data=example.data, row=n, source_row=example.source_row)

    part = Part(name=WHOLE, rows=rows, size=info.n_examples, labels=labels or None)
    return ExportSource(
        name=info.name, schema=info.schema, parts=(part,), description=info.description
    )


def examples_export(
    name: str, schema: str, examples: Callable[[], Iterable[Example]]
) -> ExportSource:
    """Examples streamed from somewhere else (a file read by ``lib.datasets.io.read_examples``)."""

    def rows() -> Iterator[ExportRow]:
        for n, example in enumerate(examples(), 1):
            yield ExportRow(data=example.data, row=n, source_row=example.source_row)

    return ExportSource(name=name, schema=schema, parts=(Part(name=WHOLE, rows=rows),))
