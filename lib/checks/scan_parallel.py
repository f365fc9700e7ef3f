"""A chat JSONL file scanned on every core: forked processes each scan a range of lines.

The file is cut into large ranges at line ends; forked worker processes scan all but the last
range while this process scans that one, and each sends back only its columns
(``lib.checks.scan.Columns``: arrays, no dicts, no texts) through a pipe. Forking only where it
is safe and worth it: one thread running (a fork copies a lock another thread holds as held
forever, so the app's server scans in-process) and a file of a few MiB. A child that fails is
replaced by this process scanning its range, so the result never depends on the children.
"""

from __future__ import annotations

import os
import pickle
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from lib.checks.scan import BLOCK_BYTES, Columns, EncoderSource, Refused, merge, scan_range

# Below this size a file is scanned in this process only (forking costs more than it saves).
PARALLEL_MIN_BYTES = 4 << 20
# This process scans the last range and then merges and runs the checks: a slightly smaller
# range lets it finish with its children.
OWN_RANGE_DISCOUNT = 0.1


def cut_points(path: Path, parts: int, *, skip: int = 0) -> list[int]:
    """Offsets that cut the file into ``parts`` ranges of similar size, each at a line start
    (the last one a little smaller)."""
    size = path.stat().st_size
    points = [skip]
    share = (parts - OWN_RANGE_DISCOUNT) if parts > 1 else 1
    with open(path, "rb") as handle:
        for k in range(1, parts):
            handle.seek(max(skip, int(size * k / share)))
            handle.readline()
            at = handle.tell()
            if points[-1] < at < size:
                points.append(at)
    points.append(size)
    return points


def _workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _may_fork() -> bool:
    """Forking copies only the calling thread: safe in a program that runs one thread (the
    command line), not inside the app's server, where the scan stays in-process."""
    return hasattr(os, "fork") and threading.active_count() == 1


@dataclass(frozen=True, slots=True)
class _Child:
    pid: int
    read_fd: int
    start: int
    end: int


def _run_child(
    path: Path, start: int, end: int, encoder: EncoderSource, label_limit: float
) -> _Child | None:
    """Fork a process scanning ``[start, end)`` (None when the fork fails)."""
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # pragma: no cover - the child: scan, send, leave without exit handlers
        status = 1
        try:
            os.close(read_fd)
            try:
                result: Any = scan_range(path, start, end, encoder=encoder, label_limit=label_limit)
            except Refused:
                result = None
            payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    return _Child(pid, read_fd, start, end)


_FAILED = object()


def _collect(child: _Child) -> Any:
    """The child's columns (None: it met a line the reader refuses), or _FAILED."""
    with os.fdopen(child.read_fd, "rb") as pipe:
        payload = pipe.read()
    _, status = os.waitpid(child.pid, 0)
    if status != 0 or not payload:
        return _FAILED
    return pickle.loads(payload)


def _scan_here(path: Path, start: int, end: int, encoder: EncoderSource, label_limit: float) -> Any:
    try:
        return scan_range(path, start, end, encoder=encoder, label_limit=label_limit)
    except Refused:
        return None


def scan_file(
    path: Path,
    *,
    encoder: EncoderSource,
    skip: int = 0,
    parallel: bool | None = None,
    parts: int | None = None,
) -> Columns | None:
    """The facts of every example of a chat JSONL file, or None if the reader must read it.

    ``skip``: bytes of byte-order mark. ``parallel``: None decides by size and environment;
    ``parts``: ranges to cut the file into when parallel (default: one per core).
    """
    size = path.stat().st_size
    with open(path, "rb") as handle:
        total_lines = handle.read().count(b"\n") + 1 if size < BLOCK_BYTES else _count_lines(handle)
    # Classification needs fewer distinct labels than a third of the examples, and there are
    # at most as many examples as lines: past that many labels no check needs the answers.
    label_limit = total_lines / 3
    if parallel is None:
        parallel = size >= PARALLEL_MIN_BYTES and _may_fork()
    parts = (parts or _workers()) if parallel else 1
    points = cut_points(path, max(1, parts), skip=skip)
    ranges = list(zip(points, points[1:], strict=False))
    children = [_run_child(path, a, b, encoder, label_limit) for a, b in ranges[:-1]]
    mine = _scan_here(path, *ranges[-1], encoder, label_limit)
    results: list[Columns | None] = []
    for child, (a, b) in zip(children, ranges[:-1], strict=True):
        got = _collect(child) if child is not None else _FAILED
        if got is _FAILED:  # killed, out of memory …: the result never depends on a child
            got = _scan_here(path, a, b, encoder, label_limit)
        results.append(cast("Columns | None", got))
    results.append(mine)
    complete = [r for r in results if r is not None]
    return merge(complete) if len(complete) == len(results) else None


def _count_lines(handle: Any) -> int:
    count = 0
    while block := handle.read(BLOCK_BYTES):
        count += block.count(b"\n")
    return count + 1
