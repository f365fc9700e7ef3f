"""The examples of a scanned file, read again from their lines only when asked for.

A view of a scanned file (``lib.checks.scan``) keeps no example in memory; ``FileDatas`` gives
the examples a finding or a fix needs by seeking to their lines, and ``LazyColumn`` a value
derived from each (an answer), so that code written for lists keeps working.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from lib.checks.scan import parse_line


class FileDatas(Sequence[dict[str, Any]]):
    """The examples of a scanned file, parsed again from their lines when asked for."""

    def __init__(self, path: Path, offsets: array[int]) -> None:
        self.path = path
        self.offsets = offsets

    def __len__(self) -> int:
        return len(self.offsets)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return self.many([index])[0]

    def raw(self, indexes: Sequence[int]) -> list[bytes]:
        """The lines of ``indexes`` as the reader keeps them (stripped)."""
        out = []
        with open(self.path, "rb") as handle:
            for index in indexes:
                handle.seek(self.offsets[index])
                raw = handle.readline().rstrip(b"\n")
                out.append(parse_line(raw)[1])
        return out

    def many(self, indexes: Sequence[int]) -> list[dict[str, Any]]:
        out = []
        with open(self.path, "rb") as handle:
            for index in indexes:
                handle.seek(self.offsets[index])
                value, _ = parse_line(handle.readline().rstrip(b"\n"))
                out.append(value)
        return out

    def __iter__(self) -> Iterator[dict[str, Any]]:
        step = 4096
        for first in range(0, len(self), step):
            yield from self.many(range(first, min(len(self), first + step)))


class LazyColumn(Sequence[Any]):
    """A per-example value computed from the file's examples when asked for."""

    def __init__(self, datas: FileDatas, compute: Any) -> None:
        self.datas = datas
        self.compute = compute

    def __len__(self) -> int:
        return len(self.datas)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.compute(d) for d in self.datas[index]]
        return self.compute(self.datas[index])

    def __iter__(self) -> Iterator[Any]:
        return (self.compute(d) for d in self.datas)
