"""Importing a file into the store: read, stream, one transaction (all rows or nothing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from lib.datasets.io.reader import Reading, read_examples
from lib.datasets.io.source import Source
from lib.datasets.repo import ImportSummary, import_examples, unique_name


def default_name(file_name: str) -> str:
    """A dataset name from the file name (``reviews.csv`` → ``reviews``)."""
    stem = Path(file_name).stem.strip()
    return stem or "dataset"


def reading_meta(reading: Reading) -> dict[str, Any]:
    """What the dataset remembers about where it came from (shown on the Datasets screen)."""
    return {
        "source": {
            "file": reading.file_name,
            "format": reading.format,
            "encoding": reading.encoding,
            "sheet": reading.sheet,
            "columns": list(reading.columns),
            "mapping": reading.mapping,
            "dropped": list(reading.dropped),
            "warnings": list(reading.warnings),
        }
    }


def import_reading(engine: Engine, reading: Reading, *, name: str | None = None) -> ImportSummary:
    """Store an opened file's examples as a new dataset, in one transaction.

    Without a name the file's stem is used (``reviews (2)`` when taken); a name the user gave
    that exists already is refused instead of silently changed.
    """
    if name is None:
        with engine.connect() as conn:
            name = unique_name(conn, default_name(reading.file_name))
    return import_examples(
        engine,
        name=name,
        schema=reading.schema,
        rows=reading.examples(),
        source_name=reading.file_name,
        source_format=reading.format,
        meta=reading_meta(reading),
    )


def import_file(
    engine: Engine,
    data: Source,
    *,
    file_name: str,
    name: str | None = None,
    sheet: str | None = None,
    mapping: Mapping[str, str] | None = None,
    drop: Sequence[str] = (),
) -> ImportSummary:
    """Read ``data`` (bytes of an upload, or a path streamed from disk) and import it.

    ``drop``: columns to leave out (with a mapping), e.g. a pandas index column.
    """
    reading = read_examples(data, file_name=file_name, sheet=sheet, mapping=mapping, drop=drop)
    return import_reading(engine, reading, name=name)
