"""Failed requests on the evaluation screens: counted beside the metrics, retried in place."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from lib import runner
from lib.core.paths import REPO_ROOT
from lib.core.tables import utcnow
from lib.engine.local import start_engine
from lib.evaluate import ModelSpec, create_evaluation, run_evaluation
from lib.evaluate import testset as tests
from lib.runner.tables import runner_runs
from tests.unit.evaluate.helpers import BASE, review_rows, write_test_file

RESULTS = str(REPO_ROOT / "pages" / "results.py")
EVALUATE = str(REPO_ROOT / "pages" / "evaluate.py")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_failed_requests_are_shown_and_retried_when_the_server_is_back(
    app_store, tmp_path: Path
) -> None:  # noqa: ANN001 - fixture
    engine = app_store
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"  # nothing listens here yet
    testset = tests.from_file(
        write_test_file(tmp_path / "t.jsonl", review_rows()[800:812]), file_name="t.jsonl"
    )
    run_id = create_evaluation(
        engine, testset, [ModelSpec(BASE, base_url=url)], created_by="Ana", task="classification"
    )
    run_evaluation(engine, run_id, options=runner.RunOptions(max_attempts=1))

    at = AppTest.from_file(RESULTS, default_timeout=60)
    at.session_state["reviewer_name"] = "Ana"
    at.session_state["eval_run_id"] = run_id
    at.run()
    assert not at.exception
    texts = " ".join(t.value for t in at.text)
    assert "Metrics over 0 examples · 12 left out because a request failed" in texts
    kinds = at.dataframe[0].value
    assert list(kinds["kind"]) == ["connection refused"] and list(kinds["failed requests"]) == [12]
    assert any("No example has been answered" in i.value for i in at.info)

    with start_engine(data_dir=tmp_path / "engine", port=port):  # the server is back
        at.button(key="res_retry_failed").click().run()
        assert not at.exception and not at.error
        deadline = time.monotonic() + 120  # the retry runs in a background thread
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                progress = runner.get_progress(conn, run_id)
            if progress.done == 12 and not runner.is_running_here(engine, run_id):
                break
            time.sleep(0.2)
    assert (progress.done, progress.failed) == (12, 0)
    at.run()
    metrics = at.dataframe[0].value
    by_metric = dict(zip(metrics["metric"], metrics[BASE], strict=True))
    assert by_metric["examples scored"] == "12" and by_metric["failed requests"] == "0"


def test_the_run_screen_offers_retry_failed(app_store, tmp_path: Path) -> None:  # noqa: ANN001
    engine = app_store
    testset = tests.from_file(
        write_test_file(tmp_path / "t.jsonl", review_rows()[800:804]), file_name="t.jsonl"
    )
    url = f"http://127.0.0.1:{_free_port()}/v1"
    run_id = create_evaluation(engine, testset, [ModelSpec(BASE, base_url=url)], created_by="Ana")
    run_evaluation(engine, run_id, options=runner.RunOptions(max_attempts=1))
    at = AppTest.from_file(EVALUATE, default_timeout=60)
    at.session_state["reviewer_name"] = "Ana"
    at.session_state["eval_run_id"] = run_id
    at.run()
    assert not at.exception
    assert not at.button(key="eval_retry_failed").disabled
    assert any("4 failed" in s.value for s in at.success)


def test_a_run_whose_owner_died_is_shown_interrupted_and_resumable(
    app_store, tmp_path: Path, engine_url: str
) -> None:  # noqa: ANN001 - fixture
    engine = app_store
    testset = tests.from_file(
        write_test_file(tmp_path / "t.jsonl", review_rows()[800:806]), file_name="t.jsonl"
    )
    run_id = create_evaluation(
        engine, testset, [ModelSpec(BASE, base_url=engine_url)], created_by="Ana"
    )
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with engine.begin() as conn:  # as a process that was killed mid-run leaves it
        conn.execute(
            runner_runs.update()
            .where(runner_runs.c.id == run_id)
            .values(status="running", owner=f"{socket.gethostname()}:{gone.pid}:1",
                    heartbeat_at=utcnow(), started_at=utcnow())
        )  # fmt: skip
    at = AppTest.from_file(EVALUATE, default_timeout=60)
    at.session_state["reviewer_name"] = "Ana"
    at.session_state["eval_run_id"] = run_id
    at.run()
    assert not at.exception
    assert "status: interrupted" in [t.value for t in at.text]
    at.button(key="eval_resume").click().run()
    assert not at.exception and not at.error
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            progress = runner.get_progress(conn, run_id)
        if progress.status == "done":
            break
        time.sleep(0.2)
    assert (progress.status, progress.done) == ("done", 6)
