"""Work done by forked children on the parent's data: integer maps over many texts
(``start_map_ints``/``map_ints``) and the bytes of any function (``start_child``).

Why: counting tokens of 200k texts is CPU-bound inside tiktoken, and tiktoken's own thread
pool (``encode_ordinary_batch``) costs 3-4× the CPU for no gain here. A forked child sees the
parent's texts and loaded tokenizer without pickling either, so each process just runs a
plain loop over its slice; the child sends back only its result through a pipe.

Only where it is safe and worth it: a POSIX ``fork`` on Linux, no other thread running in the
parent (a fork copies a lock held by another thread as held forever), and enough work to repay
the fork. Anything unexpected in a child (a crash, a short answer) makes the parent compute that
part itself, so the result never depends on the children.

A fork is not free in Python: parent and child share pages copy-on-write, and merely reading
an object changes its reference count, so each page of objects either process then touches is
copied. Fork early (while the parent holds little) or for work that dwarfs that cost, and
measure: two helpers that looked worthwhile were slower for it.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
import threading
from array import array
from collections.abc import Callable, Sequence

MIN_CHARS_PER_PROCESS = 1_000_000  # below this a fork (~10 ms) costs more than it saves


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    return (
        sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1
    )


def _slices(texts: Sequence[str], shares: Sequence[float]) -> list[tuple[int, int]]:
    """Contiguous slices holding about these shares of the characters (the work is per
    character), in order; a slice may be empty."""
    ends = list(itertools.accumulate(map(len, texts)))
    total = ends[-1] if ends else 0
    bounds = [0]
    running = 0.0
    for share in shares[:-1]:
        running += share
        target = total * running / sum(shares)
        # first index whose running total reaches the target, at or after the previous bound
        lo, hi = bounds[-1], len(ends)
        while lo < hi:
            mid = (lo + hi) // 2
            if ends[mid] < target:
                lo = mid + 1
            else:
                hi = mid
        bounds.append(lo)
    bounds.append(len(texts))
    return [(bounds[i], bounds[i + 1]) for i in range(len(shares))]


def _child(work: Callable[[], bytes], fd: int) -> None:
    """Runs in the forked child and never returns (``os._exit``)."""
    status = 1
    try:
        data = memoryview(work())
        while data:
            data = data[os.write(fd, data) :]
        status = 0
    finally:
        os._exit(status)


def _collect_bytes(pid: int, fd: int) -> bytes | None:
    """What the child wrote, or None when it failed."""
    chunks = []
    with os.fdopen(fd, "rb") as reader:
        while chunk := reader.read(1 << 20):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    return b"".join(chunks) if status == 0 else None


def _collect(pid: int, fd: int, n: int) -> array | None:
    """The child's numbers, or None when it failed."""
    data = _collect_bytes(pid, fd)
    if data is None or len(data) != 8 * n:
        return None
    return array("q", data)


def _fork(work: Callable[[], bytes]) -> tuple[int, int] | None:
    """(pid, read fd) of a child running ``work``; None when no process could be made."""
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(read_fd)
        _child(work, write_fd)
    os.close(write_fd)
    return pid, read_fd


class Child:
    """Bytes computed by a forked child; ``result()`` waits for them (None: it failed)."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid, self._fd = pid, fd

    def result(self) -> bytes | None:
        return _collect_bytes(self._pid, self._fd)

    def abandon(self) -> None:
        """Its result is not wanted (the caller failed or chose another way): stop it now and
        reap it, rather than leave it blocked on a pipe nobody reads."""
        os.kill(self._pid, signal.SIGKILL)
        os.close(self._fd)
        os.waitpid(self._pid, 0)


def start_child(work: Callable[[], bytes]) -> Child | None:
    """Run ``work`` in a forked child (it sees this process's memory as it is now); None when
    forking is not safe here or failed, so that the caller does the work itself."""
    if usable_cpus() < 2 or not can_fork():
        return None
    forked = _fork(work)
    return Child(*forked) if forked else None


def _numbers_of(
    fn: Callable[[str], int], texts: Sequence[str], start: int, end: int
) -> Callable[[], bytes]:
    return lambda: array("q", _slice_values(fn, texts[start:end])).tobytes()


def _slice_values(fn: Callable[[str], int], part: Sequence[str]) -> list[int]:
    """``fn`` of each text, computed once per distinct text of the slice (``fn`` is pure)."""
    distinct = dict.fromkeys(part)
    if len(distinct) == len(part):
        return list(map(fn, part))
    values = dict(zip(distinct, map(fn, distinct), strict=True))
    return list(map(values.__getitem__, part))


class Started:
    """Work handed to forked children; ``result()`` does the parent's share and collects."""

    def __init__(
        self,
        fn: Callable[[str], int],
        texts: Sequence[str],
        own: tuple[int, int],
        children: list[tuple[int, int, int, int]],
    ) -> None:
        self._fn, self._texts, self._own, self._children = fn, texts, own, children

    def result(self) -> list[int]:
        fn, texts = self._fn, self._texts
        start, end = self._own
        results = _slice_values(fn, texts[start:end])
        for pid, read_fd, start, end in self._children:
            got = _collect(pid, read_fd, end - start) if pid > 0 else None
            results.extend(got if got is not None else _slice_values(fn, texts[start:end]))
        self._children = []
        return results


def start_map_ints(
    fn: Callable[[str], int], texts: Sequence[str], *, processes: int, parent_share: float = 1.0
) -> Started:
    """Start ``[fn(t) for t in texts]`` over up to ``processes`` processes; the parent's slice
    is ``parent_share`` of a child's (0: the children do it all while the parent does other
    work until ``result()``). Without fork, or for little work, the parent does it all then."""
    total = sum(map(len, texts))
    parts = min(processes, usable_cpus(), max(1, total // MIN_CHARS_PER_PROCESS))
    if parts <= 1 or not can_fork():
        return Started(fn, texts, (0, len(texts)), [])
    slices = _slices(texts, [parent_share] + [1.0] * (parts if parent_share == 0 else parts - 1))
    children: list[tuple[int, int, int, int]] = []  # pid, read fd, start, end
    for start, end in slices[1:]:
        if start == end:
            continue
        forked = _fork(_numbers_of(fn, texts, start, end))
        pid, read_fd = forked if forked else (-1, -1)
        children.append((pid, read_fd, start, end))
    return Started(fn, texts, slices[0], children)


def map_ints(fn: Callable[[str], int], texts: Sequence[str], *, processes: int) -> list[int]:
    """``[fn(t) for t in texts]``, the texts split over up to ``processes`` processes."""
    return start_map_ints(fn, texts, processes=processes).result()
