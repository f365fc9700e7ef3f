"""Cancel, pause and resume a running job; list and delete fine-tuned models."""

from __future__ import annotations

import pytest

from lib.core.errors import UserError
from lib.providers import ENGINE_NAME
from lib.train import (
    LaunchRequest,
    delete_model,
    fine_tuned_models,
    job_action,
    launch,
    launch_key,
    refresh_job,
    wait_for_job,
)


@pytest.fixture
def slow_env(slow_engine, monkeypatch):
    monkeypatch.setenv("TUNELAB_ENGINE_URL", slow_engine.base_url)
    return slow_engine.base_url


def _launch(db, snapshot, **hyper):
    request = LaunchRequest(
        snapshot_id=snapshot.id,
        provider=ENGINE_NAME,
        model="tunelab-base",
        hyperparameters=hyper or {"n_epochs": 5},
    )
    return launch(db, request, key=launch_key(db, request), author="Ana", override_warnings=True)


def test_pause_resume_then_cancel_a_running_job(db, snapshot, slow_env):
    job = _launch(db, snapshot).job
    running = wait_for_job(db, job.id, until=frozenset({"running"}), timeout=60)
    assert running.status == "running"

    pausing = job_action(db, job.id, "pause")
    assert pausing.status in ("pausing", "paused")
    paused = wait_for_job(db, job.id, until=frozenset({"paused"}), timeout=60)
    assert paused.status == "paused"

    resumed = job_action(db, job.id, "resume")
    assert resumed.status in ("queued", "running")

    cancelled = job_action(db, job.id, "cancel")
    assert cancelled.status == "cancelled"
    assert refresh_job(db, job.id).job.status == "cancelled"
    with pytest.raises(UserError, match="has finished"):
        job_action(db, job.id, "cancel")


def test_fine_tuned_models_are_listed_with_their_job_and_deleted(db, snapshot, engine_env):
    job = wait_for_job(db, _launch(db, snapshot, n_epochs=1).job.id, timeout=120)
    models = fine_tuned_models(db, ENGINE_NAME)
    mine = [m for m in models if m.model.id == job.fine_tuned_model]
    assert len(mine) == 1 and mine[0].job.id == job.id

    with pytest.raises(UserError, match="not a fine-tuned model"):
        delete_model(db, ENGINE_NAME, "tunelab-base")
    message = delete_model(db, ENGINE_NAME, job.fine_tuned_model)
    assert message == f"Deleted {job.fine_tuned_model} from Built-in engine."
    assert job.fine_tuned_model not in [m.model.id for m in fine_tuned_models(db, ENGINE_NAME)]
    with pytest.raises(UserError, match="404"):
        delete_model(db, ENGINE_NAME, job.fine_tuned_model)
