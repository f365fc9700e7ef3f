"""Where writers put their files: one plain file, or several inside a zip.

Writers ask a sink for a stream per file name. A format that writes one file for a one-part
export gets the caller's stream directly; anything that writes several files (all three splits,
a dataset card, LLaMA-Factory's ``dataset_info.json``) gets a zip, written member by member.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import BinaryIO, Protocol

from lib.datasets.export.base import WHOLE, ExportSource, Part, safe_file_part


class Sink(Protocol):
    def open(self, name: str) -> AbstractContextManager[BinaryIO]: ...


class SingleSink:
    """The caller's stream, for exactly one file; records the name the writer chose."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.name: str | None = None

    @contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        if self.name is not None:
            raise RuntimeError(f"a single-file export cannot also write {name}")
        self.name = name
        yield self.stream


class ZipSink:
    """Members of a zip archive written one after the other (deflated)."""

    def __init__(self, stream: BinaryIO) -> None:
        self.zip = zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED)
        self.names: list[str] = []

    @contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        self.names.append(name)
        with self.zip.open(name, "w", force_zip64=True) as member:
            yield member  # type: ignore[misc]

    def close(self) -> None:
        self.zip.close()


def base_name(export: ExportSource) -> str:
    return safe_file_part(export.name)


def part_file_name(export: ExportSource, part: Part, extension: str) -> str:
    """``<name>.<ext>`` for a whole dataset, ``<name>_<split>.<ext>`` for a split."""
    base = base_name(export)
    if part.name == WHOLE:
        return f"{base}.{extension}"
    return f"{base}_{safe_file_part(part.name)}.{extension}"
