"""A chat JSONL file scanned on every core: forked processes share out ranges of lines.

The file is cut at line ends into ranges that shrink towards its end (guided scheduling: each
range is a share of what is left); the range numbers are written into a pipe, and this process
and the forked ones each take the next number until none is left, so a process slowed by other
work on the machine simply takes fewer ranges, and the last ranges are small enough that the
processes finish within a few milliseconds of each other (with equal ranges one process sat idle
for up to a whole range, about a tenth of the run). Each sends back only its
columns (``lib.checks.scan.Columns``: arrays, no dicts, no texts). Forking only where it is
safe and worth it: one thread running (a fork copies a lock another thread holds as held
forever, so the app's server scans in-process) and a file of a few MiB. Ranges a failed child
took are scanned here again, so the result never depends on the children.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

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
from lib.core.tokens import Encoder

# Below this size a file is scanned in this process only (forking costs more than it saves).
PARALLEL_MIN_BYTES = 4 << 20
# Ranges: each takes 1/(GUIDED_SHARE × processes) of the bytes still left, down to
# MIN_RANGE_BYTES (below that a range's fixed costs — opening the file, its own small caches,
# one more part to merge — start to show), or for a small file to 1/(MIN_RANGES_PER_PROCESS ×
# processes) of it, so that any file is shared out in several ranges per process.
GUIDED_SHARE = 2
MIN_RANGE_BYTES = 256 << 10
MIN_RANGES_PER_PROCESS = 4
MAX_RANGES = 255  # a range number is one byte in the pipe


def guided_points(path: Path, processes: int, *, skip: int = 0) -> list[int]:
    """Offsets cutting the file at line starts into ranges of shrinking size: each range is
    ``1 / (GUIDED_SHARE * processes)`` of the bytes left, at least ``MIN_RANGE_BYTES`` (less in
    a small file), so the processes start on large ranges (little overhead) and end on small ones
    (little waiting)."""
    size = path.stat().st_size
    smallest = max(1, min(MIN_RANGE_BYTES, (size - skip) // (MIN_RANGES_PER_PROCESS * processes)))
    points = [skip]
    with open(path, "rb") as handle:
        while len(points) < MAX_RANGES:
            left = size - points[-1]
            step = max(smallest, left // (GUIDED_SHARE * processes))
            if step >= left:
                break
            handle.seek(points[-1] + step)
            handle.readline()
            at = handle.tell()
            if at >= size:
                break
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
    ``parts``: processes when parallel (default: one per core). An ``encoder`` given as a
    function that loads it is called here once, before the scanning processes are forked (they
    share it), while a forked child counts the file's lines on the otherwise idle core.
    """
    size = path.stat().st_size
    if parallel is None:
        parallel = size >= PARALLEL_MIN_BYTES and can_fork()
    processes = max(1, (parts or usable_cpus()) if parallel else 1)
    counting = start_child(lambda: b"%d" % _count_lines(path)) if processes > 1 else None
    if not isinstance(encoder, Encoder):
        try:
            encoder = encoder()
        except BaseException:
            if counting:
                counting.abandon()
            raise
    counted = counting.result() if counting else None
    total_lines = int(counted) if counted else _count_lines(path)
    # Classification needs fewer distinct labels than a third of the examples, and there are
    # at most as many examples as lines: past that many labels no check needs the answers.
    limit = total_lines / 3
    points = [skip, size] if processes == 1 else guided_points(path, processes, skip=skip)
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


def _count_lines(path: Path) -> int:
    """Lines of the file as the reader counts them (line ends + 1)."""
    count = 0
    with open(path, "rb") as handle:
        while block := handle.read(BLOCK_BYTES):
            count += block.count(b"\n")
    return count + 1
