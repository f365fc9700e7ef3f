"""The request runner against the built-in engine: faults, timeouts, cache, cancel, kill + resume."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from lib import runner
from lib.core.paths import REPO_ROOT
from lib.engine.local import EngineHandle, start_engine
from lib.runner.tables import runner_items, runner_results
from tests.unit.evaluate.helpers import CountingClient

MODEL = "tunelab-base"


def requests(n: int, *, duplicates: int = 0, tag: str = "") -> list[runner.Request]:
    out = []
    for i in range(n):
        chat = i % 2 == 0
        text = f"review {tag}{i % (n - duplicates) if duplicates else i}"
        body = (
            {"messages": [{"role": "user", "content": text}], "logprobs": True, "top_logprobs": 3}
            if chat
            else {"prompt": text + " ->", "logprobs": 3}
        )
        out.append(
            runner.Request(
                item=f"i{i}",
                model=MODEL,
                endpoint="chat" if chat else "completions",
                body={**body, "temperature": 0, "max_tokens": 2},
                meta={"i": i},
            )
        )
    return out


def _fault_engine(tmp_path: Path, name: str, env: dict[str, str]) -> Iterator[EngineHandle]:
    handle = start_engine(data_dir=tmp_path / name, env=env)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def flaky_engine(tmp_path: Path) -> Iterator[EngineHandle]:
    yield from _fault_engine(
        tmp_path,
        "flaky",
        {
            "TUNELAB_ENGINE_FAULT_429": "0.3",
            "TUNELAB_ENGINE_FAULT_500": "0.15",
            "TUNELAB_ENGINE_FAULT_SEED": "7",
            "TUNELAB_ENGINE_RETRY_AFTER_MS": "20",
        },
    )


@pytest.fixture
def slow_engine(tmp_path: Path) -> Iterator[EngineHandle]:
    yield from _fault_engine(tmp_path, "slow", {"TUNELAB_ENGINE_LATENCY_MS": "400"})


def stored_keys(db: sa.Engine) -> list[str]:
    with db.connect() as conn:
        return list(conn.execute(sa.select(runner_results.c.request_key)).scalars())


def item_states(db: sa.Engine, run_id: int) -> dict[str, str]:
    with db.connect() as conn:
        rows = conn.execute(
            sa.select(runner_items.c.item, runner_items.c.status).where(
                runner_items.c.run_id == run_id
            )
        )
        return dict(rows.all())


FAST = runner.RunOptions(concurrency=8, backoff_base_s=0.01, backoff_max_s=0.2, max_attempts=12)


def test_429s_and_500s_lose_nothing_and_duplicate_nothing(
    db: sa.Engine, flaky_engine: EngineHandle
) -> None:
    reqs = requests(80, duplicates=10)
    run_id = runner.create_run(
        db, kind="test", name="flaky", settings={}, requests=reqs, created_by="t"
    )
    counting = CountingClient(flaky_engine.base_url)
    seen: list[runner.Progress] = []
    final = runner.execute(db, run_id, client_for=counting, options=FAST, on_progress=seen.append)
    assert (final.status, final.done, final.failed, final.total) == ("done", 80, 0, 80)
    keys = stored_keys(db)
    assert len(keys) == len(set(keys)) == 70  # 10 identical requests answered once
    results = list(runner.iter_results(db, run_id))
    assert all(r.status == "done" and r.output is not None and r.logprobs for r in results)
    assert [r.meta["i"] for r in results] == list(range(80))
    assert len(counting.bodies) > 70  # the injected faults were retried
    assert seen[-1].done == 80 and seen[-1].fraction == 1.0


def test_timeouts_fail_then_resume_succeeds(db: sa.Engine, slow_engine: EngineHandle) -> None:
    run_id = runner.create_run(
        db, kind="test", name="slow", settings={}, requests=requests(6), created_by="t"
    )
    client = CountingClient(slow_engine.base_url)
    impatient = runner.RunOptions(concurrency=6, timeout_s=0.1, max_attempts=2, backoff_base_s=0.01)
    first = runner.execute(db, run_id, client_for=client, options=impatient)
    assert (first.done, first.failed) == (0, 6)
    failed = list(runner.iter_results(db, run_id))
    assert all("Timeout" in (r.error or "") for r in failed)
    assert len(client.bodies) == 12  # two attempts each
    second = runner.execute(
        db, run_id, client_for=client, options=runner.RunOptions(concurrency=6, timeout_s=10)
    )
    assert (second.done, second.failed, second.status) == (6, 0, "done")


def test_identical_requests_are_answered_from_the_store(db: sa.Engine, engine_url: str) -> None:
    reqs = requests(20, tag="cache")
    client = CountingClient(engine_url)
    first = runner.create_run(
        db, kind="test", name="one", settings={}, requests=reqs, created_by="t"
    )
    runner.execute(db, first, client_for=client)
    assert len(client.bodies) == 20
    second = runner.create_run(
        db, kind="test", name="two", settings={}, requests=reqs, created_by="t"
    )
    progress = runner.execute(db, second, client_for=client)
    assert (progress.done, progress.cached, len(client.bodies)) == (20, 20, 20)
    one, two = list(runner.iter_results(db, first)), list(runner.iter_results(db, second))
    assert [r.output for r in one] == [r.output for r in two]
    assert all(r.from_cache for r in two)


def test_cancel_then_resume(db: sa.Engine, slow_engine: EngineHandle) -> None:
    run_id = runner.create_run(
        db, kind="test", name="cancel", settings={}, requests=requests(30), created_by="t"
    )
    client = CountingClient(slow_engine.base_url)
    cancel = threading.Event()

    def stop_early(progress: runner.Progress) -> None:
        if progress.done >= 2:
            cancel.set()

    stopped = runner.execute(
        db,
        run_id,
        client_for=client,
        options=runner.RunOptions(concurrency=2),
        cancel=cancel,
        on_progress=stop_early,
    )
    assert stopped.status == "cancelled"
    assert 2 <= stopped.done < 30
    done_before = {k for k, v in item_states(db, run_id).items() if v == "done"}
    sent_before = len(client.bodies)
    resumed = runner.execute(
        db, run_id, client_for=client, options=runner.RunOptions(concurrency=8)
    )
    assert (resumed.status, resumed.done) == ("done", 30)
    assert len(client.bodies) - sent_before == 30 - len(done_before)
    assert len(stored_keys(db)) == 30


def test_cancel_flag_in_the_store(db: sa.Engine, slow_engine: EngineHandle) -> None:
    run_id = runner.create_run(
        db, kind="test", name="flag", settings={}, requests=requests(20), created_by="t"
    )
    client = CountingClient(slow_engine.base_url)
    assert runner.start_background(
        db, run_id, client_for=client, options=runner.RunOptions(concurrency=1)
    )
    assert not runner.start_background(db, run_id, client_for=client)  # already running here
    deadline = time.monotonic() + 30
    while runner.is_running_here(db, run_id) and time.monotonic() < deadline:
        with db.connect() as conn:
            if runner.get_progress(conn, run_id).done >= 1:
                runner.request_cancel(db, run_id)
        time.sleep(0.05)
    with db.connect() as conn:
        progress = runner.get_progress(conn, run_id)
    assert progress.status == "cancelled" and progress.done < 20


SCRIPT = textwrap.dedent(
    """
    import sys, openai
    from lib import runner
    from lib.core.db import create_engine_for
    db = create_engine_for(sys.argv[1])
    client = openai.OpenAI(base_url=sys.argv[2], api_key="x")
    runner.execute(db, int(sys.argv[3]), client_for=lambda m: client, options=runner.RunOptions(concurrency=4))
    """
)


def test_resume_after_the_process_is_killed(
    db: sa.Engine, slow_engine: EngineHandle, tmp_path: Path
) -> None:
    reqs = requests(60, tag="kill")
    run_id = runner.create_run(
        db, kind="test", name="kill", settings={}, requests=reqs, created_by="t"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(db.url), slow_engine.base_url, str(run_id)],
        cwd=REPO_ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if sum(v == "done" for v in item_states(db, run_id).values()) >= 8:
                break
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    done_before = {k for k, v in item_states(db, run_id).items() if v == "done"}
    assert 8 <= len(done_before) < 60
    with db.connect() as conn:
        assert runner.get_progress(conn, run_id).status == "interrupted"  # its owner is dead
        assert not runner.is_active(conn, run_id)  # …which is seen to be dead: resumable now
    bodies_by_item = {r.item: r.body for r in reqs}
    client = CountingClient(slow_engine.base_url)
    resumed = runner.execute(
        db, run_id, client_for=client, options=runner.RunOptions(concurrency=8)
    )
    assert (resumed.status, resumed.done, resumed.failed) == ("done", 60, 0)
    resent = [b for b in client.bodies]
    finished_bodies = [bodies_by_item[item] for item in done_before]
    for body in finished_bodies:  # no finished request went to the engine again
        assert not any(all(sent.get(k) == v for k, v in body.items()) for sent in resent)
    assert len(resent) == 60 - len(done_before)
    keys = stored_keys(db)
    assert len(keys) == len(set(keys)) == 60


def test_retry_after_headers() -> None:
    assert runner.retry_after_s({"retry-after-ms": "250"}) == 0.25
    assert runner.retry_after_s({"retry-after": "2"}) == 2.0
    assert runner.retry_after_s({}) is None
    options = runner.RunOptions(backoff_base_s=1.0, backoff_max_s=5.0)
    assert 0.25 <= runner.backoff_s(3, options=options, retry_after=0.25) <= 0.31
    assert 2.0 <= runner.backoff_s(3, options=options, retry_after=None) <= 4.0
    assert runner.backoff_s(10, options=options, retry_after=None) <= 5.0


def test_request_key_depends_on_model_and_whole_body() -> None:
    body = {"messages": [{"role": "user", "content": "hi"}], "temperature": 0}
    assert runner.request_key("a", "chat", body) == runner.request_key(
        "a", "chat", dict(reversed(body.items()))
    )
    assert runner.request_key("a", "chat", body) != runner.request_key("b", "chat", body)
    assert runner.request_key("a", "chat", body) != runner.request_key(
        "a", "chat", {**body, "temperature": 1}
    )
