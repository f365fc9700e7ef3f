"""How often live screens refresh: often while something runs, never once it has finished,
and the Results screen's loaded predictions shared between reruns."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib import runner
from lib.core.examples import Example
from lib.core.identity import local_actor
from lib.datasets.repo import import_examples
from lib.engine.local import EngineHandle, start_engine
from lib.evaluate import service as evaluate
from lib.evaluate.service import ModelSpec, predictions, start_evaluation
from lib.snapshots.repo import create_snapshot
from lib.train.repo import JobRow
from lib.train.ui.jobs import FAST_REFRESH, REFRESH_EVERY, refresh_every
from tests.unit.evaluate.helpers import BASE, review_rows

NOW = datetime(2026, 11, 30, 12, 0, 0)


def _test_set(engine, ana, n: int) -> evaluate.TestSet:  # noqa: ANN001 - a SQLAlchemy Engine
    """The test split of a snapshot of the first ``n`` sample reviews."""
    rows = [Example(data=r, source_row=i + 1) for i, r in enumerate(review_rows()[:n])]
    dataset = import_examples(engine, name="Reviews", schema="completion", rows=rows).dataset_id
    snapshot = create_snapshot(engine, dataset, author="Ana", train=0.5, valid=0.1, test=0.4)
    return evaluate.testset_from_snapshot(
        engine, getattr(snapshot, "id", snapshot), split="test", actor=ana
    )


def _job(status: str, *, age: timedelta) -> JobRow:
    created = NOW - age
    return JobRow(
        id=1, idempotency_key="k", provider="Built-in engine", provider_job_id="ftjob-1",
        snapshot_id=1, train_upload_id=None, valid_upload_id=None, base_model=BASE,
        method="supervised", hyperparameters={}, suffix=None, seed=None, status=status,
        fine_tuned_model=None, trained_tokens=None, estimated_tokens=None, estimated_cost=None,
        error=None, created_by="Ana", created_at=created, updated_at=created,
        heartbeat_at=created, finished_at=None,
    )  # fmt: skip


def test_a_job_just_launched_is_watched_every_second_then_every_few() -> None:
    young = _job("running", age=timedelta(seconds=5))
    old = _job("running", age=timedelta(minutes=30))
    done = _job("succeeded", age=timedelta(seconds=5))
    assert refresh_every([young], now=NOW) == FAST_REFRESH
    assert refresh_every([old], now=NOW) == REFRESH_EVERY
    assert refresh_every([old, young], now=NOW) == FAST_REFRESH
    assert refresh_every([done, old], now=NOW) == REFRESH_EVERY  # a finished one counts not
    assert refresh_every([done], now=NOW) is None
    assert refresh_every([], now=NOW) is None
    assert FAST_REFRESH < REFRESH_EVERY


@pytest.fixture
def slow_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EngineHandle]:
    handle = start_engine(data_dir=tmp_path / "slow", env={"TUNELAB_ENGINE_LATENCY_MS": "150"})
    monkeypatch.setenv("TUNELAB_ENGINE_URL", handle.base_url)
    try:
        yield handle
    finally:
        handle.stop()


def _watched_every() -> None:
    """Page script: what the Run evaluation screen would refresh its progress at."""
    import streamlit as st

    from lib.core.db import get_engine
    from lib.core.identity import local_actor
    from lib.evaluate.ui.run import watch_every

    st.text(f"every {watch_every(get_engine(), local_actor('Ana'))}")


def test_evaluation_progress_refreshes_while_live_and_stops_when_finished(
    app_store, slow_engine
) -> None:
    engine, ana = app_store, local_actor("Ana")
    tests = _test_set(engine, ana, 60)

    at = AppTest.from_function(_watched_every, default_timeout=60)
    at.run()
    assert [t.value for t in at.text] == ["every None"]  # nothing to watch

    run_id = start_evaluation(
        engine, tests, [ModelSpec(BASE)], task="auto", top_k=1, batch=False, concurrency=1,
        secrets=None, actor=ana,
    )  # fmt: skip
    at.session_state["eval_run_id"] = run_id
    at.run()
    assert [t.value for t in at.text] == ["every 0.5"]  # 24 requests × 150 ms: still going

    progress = runner.wait_until_finished(engine, run_id, timeout_s=120)
    assert progress.done == len(tests.examples)
    at.run()
    assert [t.value for t in at.text] == ["every None"]  # finished: no more refreshes


def test_results_reruns_share_the_loaded_predictions(app_store, engine_url, monkeypatch) -> None:
    from lib.evaluate.ui.results import load

    monkeypatch.setenv("TUNELAB_ENGINE_URL", engine_url)
    engine, ana = app_store, local_actor("Ana")
    tests = _test_set(engine, ana, 40)
    run_id = start_evaluation(
        engine, tests, [ModelSpec(BASE)], task="auto", top_k=1, batch=False, concurrency=4,
        secrets=None, actor=ana,
    )  # fmt: skip
    runner.wait_until_finished(engine, run_id, timeout_s=120)

    first, again = load(engine, run_id, ana), load(engine, run_id, ana)
    assert first is again  # not a copy per rerun
    assert first.examples == predictions(engine, run_id, actor=ana).examples
    assert len(first.examples) == len(tests.examples)


def test_resuming_from_the_page_turns_the_refresh_back_on(app_store, slow_engine) -> None:
    """A run resumed with the button (inside the live part) is watched again, not left still."""
    from lib.core.paths import REPO_ROOT
    from lib.evaluate import create_evaluation
    from lib.evaluate.ui.run import LIVE_KEY

    engine, ana = app_store, local_actor("Ana")
    tests = _test_set(engine, ana, 60)
    run_id = create_evaluation(engine, tests, [ModelSpec(BASE)], created_by="Ana")  # not started
    at = AppTest.from_file(str(REPO_ROOT / "pages" / "evaluate.py"), default_timeout=60)
    at.session_state["reviewer_name"] = "Ana"
    at.session_state["eval_run_id"] = run_id
    at.run()
    assert not at.exception
    assert at.session_state[LIVE_KEY] is False  # nothing works on it: no refresh
    at.button(key="eval_resume").click().run()
    assert not at.exception
    assert at.session_state[LIVE_KEY] is True  # 24 requests × 150 ms: watched while it runs
    progress = runner.wait_until_finished(engine, run_id, timeout_s=120)
    assert progress.done == len(tests.examples)
    at.run()
    assert at.session_state[LIVE_KEY] is False
    assert any("Finished" in s.value for s in at.success)
