"""The Train service as each role, against the built-in engine over loopback: a reviewer or a
viewer cannot launch or cancel a job (nothing is uploaded, no job row is written); a trainer
launches and cancels; only an admin deletes a fine-tuned model."""

from __future__ import annotations

import pytest

from lib.core.identity import PermissionDeniedError
from lib.providers.service import ENGINE_NAME
from lib.train import service
from lib.train.watch import wait_for_job
from tests.unit.actors import ADMIN, REVIEWER, TRAINER, VIEWER


def _request(snapshot):
    return service.LaunchRequest(
        snapshot_id=snapshot.id,
        provider=ENGINE_NAME,
        model="tunelab-base",
        hyperparameters={"n_epochs": 1},
    )


def _launch(db, snapshot, actor):
    request = _request(snapshot)
    plan = service.launch_plan(db, request, actor=actor)
    return service.launch_job(
        db, request, key=plan.key, secrets=None, override_warnings=True, actor=actor
    )


@pytest.mark.parametrize("actor", [REVIEWER, VIEWER])
def test_reviewers_and_viewers_cannot_launch(db, snapshot, engine_env, actor):
    with pytest.raises(PermissionDeniedError, match="You cannot launch a fine-tuning job"):
        _launch(db, snapshot, actor)
    assert service.job_list(db, actor=actor) == []
    with db.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM train_uploads").scalar() == 0


def test_a_trainer_launches_and_only_trainers_cancel(db, snapshot, engine_env):
    result = _launch(db, snapshot, TRAINER)
    assert result.job.created_by == TRAINER.name
    assert [j.id for j in service.job_list(db, actor=VIEWER)] == [result.job.id]
    before = service.job_list(db, actor=VIEWER)[0]
    for actor in (REVIEWER, VIEWER):
        with pytest.raises(PermissionDeniedError, match="You cannot cancel a fine-tuning job"):
            service.cancel_or_pause(db, result.job.id, "cancel", secrets=None, actor=actor)
    after = service.job_list(db, actor=VIEWER)[0]
    assert (after.status, after.updated_at) == (before.status, before.updated_at)
    # The same settings launch once: a second click comes back to the same job.
    assert _launch(db, snapshot, TRAINER).job.id == result.job.id


def test_only_an_admin_deletes_a_fine_tuned_model(db, snapshot, engine_env):
    job = wait_for_job(db, _launch(db, snapshot, TRAINER).job.id, timeout=120)
    model = job.fine_tuned_model
    assert model
    for actor in (TRAINER, REVIEWER, VIEWER):
        with pytest.raises(PermissionDeniedError, match="cannot delete a fine-tuned model"):
            service.delete_model(db, ENGINE_NAME, model, secrets=None, actor=actor)
    listed = service.model_list(db, ENGINE_NAME, secrets=None, actor=VIEWER)
    assert model in [m.model.id for m in listed]
    assert service.job_lineage(db, job, actor=VIEWER).uploads
    message = service.delete_model(db, ENGINE_NAME, model, secrets=None, actor=ADMIN)
    assert message == f"Deleted {model} from {ENGINE_NAME}."
    listed = service.model_list(db, ENGINE_NAME, secrets=None, actor=VIEWER)
    assert model not in [m.model.id for m in listed]
