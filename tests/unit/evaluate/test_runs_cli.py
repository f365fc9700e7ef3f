"""``python -m lib runs``: a killed evaluation is shown as interrupted and resumed in place."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from lib.core.paths import REPO_ROOT
from lib.engine.local import EngineHandle, start_engine
from tests.unit.evaluate.helpers import BASE, review_rows, write_test_file

N = 24


@pytest.fixture
def slow_engine(tmp_path: Path) -> Iterator[EngineHandle]:
    handle = start_engine(data_dir=tmp_path / "slow", env={"TUNELAB_ENGINE_LATENCY_MS": "600"})
    try:
        yield handle
    finally:
        handle.stop()


def lib(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "lib", *args], cwd=REPO_ROOT, env=env, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_a_killed_evaluation_is_interrupted_and_resumes_in_place(
    tmp_path: Path, slow_engine: EngineHandle
) -> None:
    env = {**os.environ, "TUNELAB_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO_ROOT)}
    env.pop("DATABASE_URL", None)
    test_file = write_test_file(tmp_path / "t.jsonl", review_rows()[800 : 800 + N])
    child = subprocess.Popen(
        [sys.executable, "-m", "lib", "evaluate", str(test_file), "--model", BASE,
         "--base-url", slow_engine.base_url, "--concurrency", "2"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        store = tmp_path / "data" / "tunelab.db"
        deadline = time.monotonic() + 120
        answered = 0
        while time.monotonic() < deadline and answered < 4:
            time.sleep(0.1)
            if store.exists():
                # OperationalError: the tables are still being made.
                with sqlite3.connect(store, timeout=5) as conn, suppress(sqlite3.OperationalError):
                    answered = conn.execute(
                        "SELECT count(*) FROM runner_items WHERE status = 'done'"
                    ).fetchone()[0]
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    [killed] = json.loads(lib(env, "runs", "list", "--json").stdout)
    run_id = killed["id"]
    assert killed["status"] == "interrupted" and 4 <= killed["done"] < N, killed
    answered_before = killed["done"]
    table = lib(env, "runs", "list").stdout.splitlines()
    assert table[0].split()[:3] == ["id", "kind", "status"]
    assert table[1].split()[:3] == [str(run_id), "evaluation", "interrupted"]
    shown = lib(env, "runs", "show", str(run_id)).stdout
    assert f"runs resume {run_id}" in shown

    cancelled = lib(env, "runs", "cancel", str(run_id))  # nobody works on it: at once
    assert cancelled.returncode == 0 and f"run {run_id} is cancelled" in cancelled.stdout
    [stopped] = json.loads(lib(env, "runs", "list", "--json").stdout)
    assert stopped["status"] == "cancelled" and stopped["done"] == answered_before

    resumed = lib(env, "runs", "resume", str(run_id))
    assert resumed.returncode == 0, resumed.stderr
    assert f"({N - answered_before} now), 0 failed" in resumed.stdout
    [after] = json.loads(lib(env, "runs", "list", "--json").stdout)  # the same run, no other
    assert (after["id"], after["status"], after["done"], after["failed"]) == (run_id, "done", N, 0)


def test_unknown_runs_are_sentences(tmp_path: Path) -> None:
    env = {**os.environ, "TUNELAB_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO_ROOT)}
    env.pop("DATABASE_URL", None)
    missing = lib(env, "runs", "resume", "42")
    assert missing.returncode == 2 and missing.stderr.startswith("error: run 42 does not exist")
    assert lib(env, "runs", "list").stdout.strip() == "No runs yet."
