"""Work done by forked children on the parent's data: integer maps over many texts
(``start_map_ints``/``map_ints``), the bytes of any function (``start_child``), and work that
waits for a number the parent learns later (``start_ahead``).

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

import contextlib
import itertools
import os
import signal
import struct
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


# --- a worker forked before the work is known -----------------------------------------------------

_REQUEST = struct.Struct("<QQB")  # bytes of the joined texts, number of texts, separator
_SEPARATORS = "\x00\x1e\x1f\x01"  # tried in turn: one that no text holds joins them


class Worker:
    """A child forked early, while this process is still small (so that the pages the
    parent later fills are its own, not copied on write), that prepares a function
    meanwhile (e.g. loads a tokenizer) and then maps it over texts sent to it.

    The texts travel as one UTF-8 blob, joined by a control character that none of them
    holds, in an anonymous memory file made before the fork (``os.memfd_create``): writing
    it never waits for the child, which may still be loading. A short request on a pipe says
    how long it is; the child answers with the function of each text (repeats are not looked
    for: the caller sends distinct texts when it expects many repeats) on another pipe and
    exits. Whatever
    goes wrong in the child (a crash, a short answer, a kill) makes ``result`` return None,
    and the caller counts those texts itself; ``close`` stops and reaps a child whose answer
    is not wanted (the parent never leaves one behind).
    """

    def __init__(self, pid: int, memfd: int, to_child: int, from_child: int) -> None:
        self.pid = pid
        self._memfd, self._to_child, self._from_child = memfd, to_child, from_child
        self._sent = 0  # texts sent (0: nothing asked yet)
        self._done = False

    def send(self, joined: Callable[[str], str], n: int) -> bool:
        """Hand the child ``n`` texts: ``joined(separator)`` is them joined by ``separator``
        (the caller joins, e.g. with a common suffix in the same pass). False when no
        separator fits or the hand-over failed: the caller keeps the texts."""
        if self._done or self._sent or n <= 0:
            return False
        for separator in _SEPARATORS:
            text = joined(separator)
            if text.count(separator) == n - 1:  # no text holds it: it splits them back exactly
                break
        else:
            return False
        try:
            blob = text.encode("utf-8", "surrogatepass")
            del text
            _write_all(self._memfd, blob)
            _write_all(self._to_child, _REQUEST.pack(len(blob), n, ord(separator)))
        except OSError:
            return False
        self._sent = n
        return True

    def result(self) -> array | None:
        """The child's numbers for the texts sent (waits for them); None when it failed or
        nothing was sent. Either way the child is gone afterwards."""
        if self._done or not self._sent:
            self.close()
            return None
        self._done = True
        os.close(self._to_child)
        os.close(self._memfd)
        return _collect(self.pid, self._from_child, self._sent)

    def close(self) -> None:
        """Stop and reap the child unless ``result`` already did (idempotent)."""
        if self._done:
            return
        self._done = True
        _stop(self.pid, self._to_child, self._from_child, self._memfd)

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _stop(pid: int, *fds: int) -> None:
    """Stop a child whose answer is not wanted, close its descriptors and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    for fd in fds:
        os.close(fd)
    os.waitpid(pid, 0)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _serve(
    setup: Callable[[], Callable[[str], int]], memfd: int, requests: int, answers: int
) -> None:
    """The worker's life (in the child; never returns): prepare, wait for the texts, answer."""
    status = 1
    try:
        fn = setup()
        header = _read_exactly(requests, _REQUEST.size)
        if len(header) == _REQUEST.size:  # else the parent wants nothing: just leave
            size, n, separator = _REQUEST.unpack(header)
            blob = os.pread(memfd, size, 0) if size else b""
            while len(blob) < size:  # a large pread may come back short
                more = os.pread(memfd, size - len(blob), len(blob))
                if not more:
                    break
                blob += more
            texts = blob.decode("utf-8", "surrogatepass").split(chr(separator))
            del blob
            if len(texts) == n:
                _write_all(answers, array("q", map(fn, texts)).tobytes())
        status = 0
    finally:
        os._exit(status)


def start_worker(setup: Callable[[], Callable[[str], int]]) -> Worker | None:
    """Fork a :class:`Worker` now that runs ``setup()`` at once and later maps its result over
    the texts sent; None when there is one CPU, forking is not safe here or failed (the caller
    then does the work itself)."""
    if usable_cpus() < 2 or not can_fork() or not hasattr(os, "memfd_create"):
        return None
    try:
        memfd = os.memfd_create("tunelab-worker-texts", os.MFD_CLOEXEC)
    except OSError:
        return None
    forked = _fork_two_way(also_close=(memfd,))
    if forked is None:
        return None
    pid, requests, answers = forked
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        _serve(setup, memfd, requests, answers)
    return Worker(pid, memfd, requests, answers)


def _fork_two_way(also_close: tuple[int, ...] = ()) -> tuple[int, int, int] | None:
    """Fork with a pipe for requests and one for answers: ``(pid, requests, answers)``. In the
    child ``pid`` is 0 and the descriptors are its ends (read requests, write answers); in the
    parent, the other ends. None when no process could be made (``also_close`` is closed
    then too)."""
    requests_r, requests_w = os.pipe()
    answers_r, answers_w = os.pipe()
    sys.stdout.flush()  # nothing buffered is copied into the child
    sys.stderr.flush()
    try:
        pid = os.fork()
    except OSError:
        for fd in (*also_close, requests_r, requests_w, answers_r, answers_w):
            os.close(fd)
        return None
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        os.close(requests_w)
        os.close(answers_r)
        return 0, requests_r, answers_w
    os.close(requests_r)
    os.close(answers_w)
    return pid, requests_w, answers_r


_NUMBER = struct.Struct("<q")


class Ahead:
    """A child forked early, while this process is small, that waits for one number and
    answers with ``work(number)``: work that depends only on a figure the parent learns part
    way (e.g. a row count), done on the other core while the parent goes on.

    The parent ``ask``s as soon as it expects the number, and takes the ``answer`` for the
    number it finally needs: another number, or a child that failed, gives None and the caller
    does the work itself. ``close`` stops and reaps a child whose answer is not wanted.
    """

    def __init__(self, pid: int, to_child: int, from_child: int) -> None:
        self.pid = pid
        self._to_child, self._from_child = to_child, from_child
        self._asked: int | None = None
        self._done = False

    def ask(self, number: int) -> None:
        """Start the work for ``number`` (the first ask counts; a failed hand-over is not an
        error, the answer is then None)."""
        if self._done or self._asked is not None:
            return
        try:
            _write_all(self._to_child, _NUMBER.pack(number))
        except OSError:
            return
        self._asked = number

    def answer(self, number: int) -> bytes | None:
        """``work(number)`` when that was asked (waits for it), else None; either way the
        child is gone afterwards."""
        if self._done or self._asked != number:
            self.close()
            return None
        self._done = True
        os.close(self._to_child)
        return _collect_bytes(self.pid, self._from_child)

    def close(self) -> None:
        """Stop and reap the child unless ``answer`` already did (idempotent)."""
        if self._done:
            return
        self._done = True
        _stop(self.pid, self._to_child, self._from_child)


def _wait_and_answer(work: Callable[[int], bytes], requests: int, answers: int) -> None:
    """The ``Ahead`` child's life (never returns): wait for the number, answer, exit."""
    status = 1
    try:
        asked = _read_exactly(requests, _NUMBER.size)
        if len(asked) == _NUMBER.size:  # else the parent wants nothing: just leave
            _write_all(answers, work(_NUMBER.unpack(asked)[0]))
        status = 0
    finally:
        os._exit(status)


def start_ahead(work: Callable[[int], bytes]) -> Ahead | None:
    """Fork an :class:`Ahead` child now; None when there is one CPU, forking is not safe here
    or failed (the caller then does the work itself)."""
    if usable_cpus() < 2 or not can_fork():
        return None
    forked = _fork_two_way()
    if forked is None:
        return None
    pid, requests, answers = forked
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        _wait_and_answer(work, requests, answers)
    return Ahead(pid, requests, answers)
