"""A chat JSONL file scanned on every core: forked processes share out ranges of lines.

The file is cut at line ends into a few ranges per core; the range numbers are written into a
pipe, and this process and the forked ones each take the next number until none is left, so a
process slowed by other work on the machine simply takes fewer ranges. Each sends back only its
columns (``lib.checks.scan.Columns``: arrays, no dicts, no texts). Forking only where it is
safe and worth it: one thread running (a fork copies a lock another thread holds as held
forever, so the app's server scans in-process) and a file of a few MiB. Ranges a failed child
took are scanned here again, so the result never depends on the children.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from lib.checks.scan import (
    BLOCK_BYTES,
    Columns,
    EncoderSource,
    Labels,
    Refused,
    merge,
    scan_range,
)
from lib.core.forked import can_fork, start_child, usable_cpus

# Below this size a file is scanned in this process only (forking costs more than it saves).
PARALLEL_MIN_BYTES = 4 << 20
# Ranges per process: small enough to even out processes that run at different speeds, large
# enough that each costs little (a range is a few MiB of a large file).
RANGES_PER_PROCESS = 4


def cut_points(path: Path, parts: int, *, skip: int = 0) -> list[int]:
    """Offsets that cut the file into ``parts`` ranges of similar size, each at a line start."""
    size = path.stat().st_size
    points = [skip]
    with open(path, "rb") as handle:
        for k in range(1, parts):
            handle.seek(max(skip, size * k // parts))
            handle.readline()
            at = handle.tell()
            if points[-1] < at < size:
                points.append(at)
    points.append(size)
    return points


Results = dict[int, Columns | None]  # range number → its columns (None: a refused line)


def _take_ranges(
    queue: int, ranges: list[tuple[int, int]], path: Path, encoder: EncoderSource, limit: float
) -> Results:
    """Scan ranges whose numbers this process reads from the ``queue`` pipe until it is empty
    (a one-byte read from a pipe is atomic: each number goes to one process)."""
    done: Results = {}
    labels = Labels(limit)
    while number := os.read(queue, 1):
        index = number[0]
        start, end = ranges[index]
        try:
            done[index] = scan_range(path, start, end, encoder=encoder, labels=labels)
        except Refused:
            done[index] = None
            break  # the file goes to the reader anyway
        if labels.exceeded:  # not classification data: the answers of every range can go
            for columns in done.values():
                if columns is not None:
                    Labels.drop_answers(columns)
    return done


def _results(payload: bytes | None) -> Results:
    """A child's results; nothing when it failed (its ranges are then scanned again)."""
    if not payload:
        return {}
    results: Results = pickle.loads(payload)
    return results


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
    ``parts``: processes when parallel (default: one per core).
    """
    size = path.stat().st_size
    with open(path, "rb") as handle:
        total_lines = handle.read().count(b"\n") + 1 if size < BLOCK_BYTES else _count_lines(handle)
    # Classification needs fewer distinct labels than a third of the examples, and there are
    # at most as many examples as lines: past that many labels no check needs the answers.
    limit = total_lines / 3
    if parallel is None:
        parallel = size >= PARALLEL_MIN_BYTES and can_fork()
    processes = max(1, (parts or usable_cpus()) if parallel else 1)
    n_ranges = 1 if processes == 1 else min(255, processes * RANGES_PER_PROCESS)
    points = cut_points(path, n_ranges, skip=skip)
    ranges = list(zip(points, points[1:], strict=False))
    queue, feed = os.pipe()
    os.write(feed, bytes(range(len(ranges))))
    os.close(feed)  # before forking: a child holding it open would never see the end

    def work() -> bytes:
        taken = _take_ranges(queue, ranges, path, encoder, limit)
        return pickle.dumps(taken, protocol=pickle.HIGHEST_PROTOCOL)

    children = [child for _ in range(processes - 1) if (child := start_child(work))]
    try:
        results = _take_ranges(queue, ranges, path, encoder, limit)
        if any(columns is None for columns in results.values()):
            for child in children:
                child.abandon()  # the file goes to the reader: their ranges are not needed
            return None
        for child in children:
            results.update(_results(child.result()))
    finally:
        os.close(queue)
    complete: list[Columns] = []
    labels = Labels(limit)
    for index, (start, end) in enumerate(ranges):
        if index not in results:  # a child failed, or this process stopped early
            try:
                results[index] = scan_range(path, start, end, encoder=encoder, labels=labels)
            except Refused:
                return None
        columns = results[index]
        if columns is None:
            return None
        complete.append(columns)
    return merge(complete)


def _count_lines(handle: Any) -> int:
    count = 0
    while block := handle.read(BLOCK_BYTES):
        count += block.count(b"\n")
    return count + 1
