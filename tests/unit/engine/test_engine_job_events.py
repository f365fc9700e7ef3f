"""A job's status and the events that explain it become visible together."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from lib.engine.jobs import JobManager
from lib.engine.state import State


def test_a_failed_status_is_never_seen_without_its_error_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = State(tmp_path)
    manager = JobManager(SimpleNamespace(state=state))
    state.put("job", {"id": "ftjob-1", "status": "validating_files"})
    write_event = JobManager.event

    def slow_event(self: JobManager, job_id: str, message: str, **kw: Any) -> None:
        time.sleep(0.3)  # a busy machine between storing the status and storing its event
        write_event(self, job_id, message, **kw)

    monkeypatch.setattr(JobManager, "event", slow_event)
    failing = threading.Thread(target=manager.fail, args=("ftjob-1", "invalid", "Line 1: bad"))
    failing.start()
    seen: list[tuple[str, list[str]]] = []
    while failing.is_alive():
        with state.transaction():  # one consistent read, as a poller's request makes
            job = state.get("job", "ftjob-1")
            messages = [e["message"] for e in state.list("event", parent="ftjob-1")]
        assert job is not None
        seen.append((job["status"], messages))
        time.sleep(0.01)
    failing.join()
    assert all(messages == ["Line 1: bad"] for status, messages in seen if status == "failed")
    assert state.get("job", "ftjob-1")["status"] == "failed"  # type: ignore[index]
