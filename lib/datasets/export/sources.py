"""Export sources: a whole dataset, or examples read from a file.

A snapshot's splits are a source too: :mod:`lib.snapshots.export` builds it from the same parts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from sqlalchemy.engine import Engine

from lib.core.example_store import iter_examples
from lib.core.examples import Example
from lib.datasets.export.base import ExportRow, ExportSource, Part
from lib.datasets.export.sink import WHOLE
from lib.datasets.repo import get_dataset, label_counts


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
