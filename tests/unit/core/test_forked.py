"""Forked integer maps: the same numbers as one process, whatever the children do."""

from __future__ import annotations

import os
import random
import threading

import pytest

from lib.core import forked
from lib.core.tokens import count_completion_columns, count_examples, get_encoder


def _texts(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    words = ["alpha", "beta", "Ωmega", "naïve", "x" * 40, "\n", "###", "<|endoftext|>"]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(0, 30))) for _ in range(n)]


@pytest.fixture
def small_work(monkeypatch):
    """Fork for little work too, so that tests exercise the children."""
    monkeypatch.setattr(forked, "MIN_CHARS_PER_PROCESS", 1)
    monkeypatch.setattr(forked, "usable_cpus", lambda: 4)


def test_children_compute_slices_in_order(small_work):
    texts = _texts(5000)
    parent = os.getpid()

    def length_and_pid(text: str) -> int:
        return len(text) * 10_000_000 + os.getpid()

    got = forked.map_ints(length_and_pid, texts, processes=3)
    assert [g // 10_000_000 for g in got] == [len(t) for t in texts]
    pids = sorted({g % 10_000_000 for g in got})
    assert forked.can_fork(), f"no fork with other threads running: {threading.enumerate()}"
    assert len(pids) == 3 and parent in pids


def test_a_failing_child_is_replaced_by_the_parent(small_work):
    texts = _texts(3000)
    parent = os.getpid()

    def fails_in_children(text: str) -> int:
        if os.getpid() != parent:
            raise RuntimeError("child trouble")
        return len(text)

    assert forked.map_ints(fails_in_children, texts, processes=2) == list(map(len, texts))


def test_small_or_single_process_work_does_not_fork():
    parent = os.getpid()
    got = forked.map_ints(lambda _t: os.getpid(), _texts(100), processes=2)
    assert set(got) == {parent}


def test_slices_cover_every_text_once_with_about_equal_characters():
    texts = ["a" * n for n in [1, 500, 3, 3, 3, 400, 2, 90, 1000, 7]]
    slices = forked._slices(texts, [1, 1, 1])
    assert slices[0][0] == 0 and slices[-1][1] == len(texts)
    assert all(a[1] == b[0] for a, b in zip(slices, slices[1:], strict=False))
    assert forked._slices([], [1, 1]) == [(0, 0), (0, 0)]


def test_token_counts_in_processes_equal_one_process(small_work):
    encoder = get_encoder("cl100k_base")
    assert not encoder.approximate
    texts = _texts(4000) * 2  # repeats: each distinct text is counted once
    assert encoder.count_many(texts, processes=2) == encoder.count_many(texts)
    assert encoder.count_many(texts) == [encoder.count(t) for t in texts]


def test_completion_columns_count_like_examples(small_work):
    prompts, completions = _texts(2000, seed=4), _texts(2000, seed=5)
    datas = [{"prompt": p, "completion": c} for p, c in zip(prompts, completions, strict=True)]
    by_example = count_examples("completion", datas, model="babbage-002")
    by_columns = count_completion_columns(prompts, completions, model="babbage-002", processes=2)
    assert by_columns == by_example
    assert by_columns.encoding == "cl100k_base" and not by_columns.approximate


def test_children_can_do_it_all_while_the_parent_works(small_work):
    texts = _texts(4000)
    parent = os.getpid()

    def pid_of(text: str) -> int:
        return os.getpid()

    started = forked.start_map_ints(pid_of, texts, processes=2, parent_share=0.0)
    busy = sum(range(100_000))  # the parent's own work meanwhile
    got = started.result()
    assert busy and len(got) == len(texts)
    assert parent not in set(got) and len(set(got)) == 2
    assert forked.start_map_ints(len, texts, processes=2, parent_share=0.0).result() == list(
        map(len, texts)
    )


def test_each_distinct_text_of_a_slice_is_computed_once():
    calls: list[str] = []

    def length(text: str) -> int:
        calls.append(text)
        return len(text)

    texts = ["a", "bb", "a", "ccc", "bb", "a"]
    assert forked.map_ints(length, texts, processes=1) == [1, 2, 1, 3, 2, 1]
    assert sorted(calls) == ["a", "bb", "ccc"]


def test_an_abandoned_child_is_stopped_and_reaped():
    import time

    def slow() -> bytes:
        time.sleep(30)
        return b"late"

    child = forked.start_child(slow)
    assert child is not None
    started = time.monotonic()
    child.abandon()
    assert time.monotonic() - started < 5
    with pytest.raises(ChildProcessError):  # nothing left to reap: no zombie
        os.waitpid(child._pid, os.WNOHANG)
    done = forked.start_child(lambda: b"bytes back")
    assert done is not None and done.result() == b"bytes back"


# --- a worker forked before the work is known (``start_worker``) ------------------------------


def _gone(pid: int) -> bool:
    """No such child is left: neither running nor waiting to be reaped."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.fixture
def two_cpus(monkeypatch):
    monkeypatch.setattr(forked, "usable_cpus", lambda: 2)


def _send(worker: forked.Worker, texts: list[str], suffix: str = "") -> bool:
    return worker.send(lambda sep: (suffix + sep).join(texts) + suffix, len(texts))


def test_a_worker_prepares_in_the_child_and_maps_the_texts_sent(two_cpus):
    parent = os.getpid()

    def setup():
        prepared_in = os.getpid()  # "loading" happens in the child, before the texts come
        return lambda text: len(text) * 10_000_000 + prepared_in

    worker = forked.start_worker(setup)
    assert worker is not None, "the test process should be able to fork"
    texts = _texts(3000) + ["", "", "naïve \U0001f600 text", "\ud800 lone surrogate"]
    assert _send(worker, texts, suffix=" ->")
    got = worker.result()
    assert got is not None
    assert [g // 10_000_000 for g in got] == [len(t) + 3 for t in texts]
    assert {g % 10_000_000 for g in got} == {worker.pid} and worker.pid != parent
    assert _gone(worker.pid)
    worker.close()  # after result(): nothing more to do


def test_texts_holding_the_separator_go_with_another_one(two_cpus):
    worker = forked.start_worker(lambda: len)
    assert worker is not None
    texts = ["a\x00b", "c", "\x00", "d\x1ee"]
    assert _send(worker, texts)
    assert list(worker.result() or []) == [3, 1, 1, 3]


def test_texts_holding_every_separator_stay_with_the_parent(two_cpus):
    worker = forked.start_worker(lambda: len)
    assert worker is not None
    assert not _send(worker, [forked._SEPARATORS, "x"])
    assert worker.result() is None
    worker.close()
    assert _gone(worker.pid)


def test_a_worker_that_dies_gives_no_result_and_is_reaped(two_cpus):
    worker = forked.start_worker(lambda: os._exit(3))  # e.g. killed while loading
    assert worker is not None
    _send(worker, _texts(500))  # may find the child gone already: either way no result
    assert worker.result() is None
    assert _gone(worker.pid)


def test_a_worker_whose_answer_is_not_wanted_is_stopped_and_reaped(two_cpus):
    import time

    worker = forked.start_worker(lambda: len)
    assert worker is not None
    started = time.monotonic()
    worker.close()  # before anything was sent (a chat file, an error, the user said no)
    assert time.monotonic() - started < 5 and _gone(worker.pid)
    stuck = forked.start_worker(lambda: (time.sleep(30), len)[1])
    assert stuck is not None and _send(stuck, ["a", "b"])
    started = time.monotonic()
    stuck.close()  # sent, but the caller failed before collecting
    assert time.monotonic() - started < 5 and _gone(stuck.pid)


def test_no_worker_without_a_second_cpu(monkeypatch):
    monkeypatch.setattr(forked, "usable_cpus", lambda: 1)
    assert forked.start_worker(lambda: len) is None


@pytest.mark.parametrize(
    ("workers", "parent_share"), [("ok ok", 0.0), ("ok", 0.5), ("dies ok", 0.0), ("ok dies", 0.3)]
)
def test_columns_counted_with_workers_equal_one_process(two_cpus, workers, parent_share):
    """Workers count the prompts (the last one the labels too); a worker that dies has its
    texts counted here: the same numbers, and no child is left."""
    from lib.core import tokens

    prompts = _texts(3000, seed=6) * 2  # repeats too
    completions = [["yes", "no", " maybe", ""][i % 4] for i in range(len(prompts))]
    end, start = "\n\n###\n\n", " "
    whole = [p + end for p in prompts], [start + c for c in completions]
    expected = count_completion_columns(*whole, model="babbage-002")
    started = [
        forked.start_worker(lambda: os._exit(9))
        if kind == "dies"
        else tokens.counting_workers("babbage-002", processes=1)[0]
        for kind in workers.split()
    ]
    assert all(started)
    stats = tokens.start_columns_count(
        prompts,
        completions,
        prompt_end=end,
        completion_start=start,
        model="babbage-002",
        workers=started,
        parent_share=parent_share,
    )()
    assert stats == expected
    assert all(_gone(worker.pid) for worker in started)


def test_columns_counted_without_workers_or_tokenizer_say_so(two_cpus, monkeypatch):
    from lib.core import tokens

    prompts, completions = ["a b c", "dd"], ["x", "x"]
    alone = tokens.start_columns_count(prompts, completions, prompt_end=" ->", model="babbage-002")
    assert alone() == count_completion_columns(
        ["a b c ->", "dd ->"], completions, model="babbage-002"
    )
    monkeypatch.setenv("TUNELAB_OFFLINE", "1")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "/nonexistent")
    tokens.reset_encoders()
    try:
        workers = tokens.counting_workers("babbage-002")  # each stops: no real tokenizer
        stats = tokens.start_columns_count(
            prompts, completions, prompt_end=" ->", model="babbage-002", workers=workers
        )()
        assert stats.approximate and stats.per_example == [2 + 1, 2 + 1]
        assert all(_gone(worker.pid) for worker in workers)
    finally:
        tokens.reset_encoders()


# --- a child forked before the number it works on is known (``start_ahead``) ---------------


def test_an_ahead_child_answers_the_number_it_was_asked(two_cpus):
    parent = os.getpid()
    ahead = forked.start_ahead(lambda n: f"{n * 2} from {os.getpid()}".encode())
    assert ahead is not None, "the test process should be able to fork"
    ahead.ask(21)
    ahead.ask(5)  # the first ask counts
    assert ahead.answer(21) == f"42 from {ahead.pid}".encode() and ahead.pid != parent
    assert _gone(ahead.pid)
    ahead.close()  # after answer(): nothing more to do


def test_an_ahead_child_asked_another_number_gives_none_and_is_reaped(two_cpus):
    import time

    asked_other = forked.start_ahead(lambda n: (time.sleep(30), b"late")[1])
    assert asked_other is not None
    asked_other.ask(7)
    started = time.monotonic()
    assert asked_other.answer(8) is None  # the parent needs another figure: it works it out
    assert time.monotonic() - started < 5 and _gone(asked_other.pid)
    never_asked = forked.start_ahead(lambda n: b"x")
    assert never_asked is not None
    assert never_asked.answer(3) is None and _gone(never_asked.pid)
    closed = forked.start_ahead(lambda n: b"x")
    assert closed is not None
    closed.close()  # an error, a chat file, a stratified split: not wanted at all
    assert _gone(closed.pid)


def test_an_ahead_child_that_fails_gives_none(two_cpus):
    def fails(n: int) -> bytes:
        raise ValueError(n)

    ahead = forked.start_ahead(fails)
    assert ahead is not None
    ahead.ask(1)
    assert ahead.answer(1) is None and _gone(ahead.pid)


def test_no_ahead_child_without_a_second_cpu(monkeypatch):
    monkeypatch.setattr(forked, "usable_cpus", lambda: 1)
    assert forked.start_ahead(lambda n: b"") is None
