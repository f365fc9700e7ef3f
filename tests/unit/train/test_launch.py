"""Launching, watching and continuing jobs on the built-in engine through the real SDK."""

from __future__ import annotations

import pytest

from lib.core.errors import UserError
from lib.providers import ENGINE_NAME, client_for, get_provider
from lib.train import (
    LaunchRequest,
    get_upload,
    launch,
    launch_key,
    list_jobs,
    refresh_job,
    wait_for_job,
)


def _request(snapshot_id: int, **changes) -> LaunchRequest:
    values = {
        "snapshot_id": snapshot_id,
        "provider": ENGINE_NAME,
        "model": "tunelab-base",
        "hyperparameters": {"n_epochs": 2},
        "suffix": "reviews",
        "seed": 7,
    }
    values.update(changes)
    return LaunchRequest(**values)


def test_launch_watch_to_success_then_continue_training(db, snapshot, engine_env):
    request = _request(snapshot.id)
    result = launch(db, request, key=launch_key(db, request), author="Ana", override_warnings=True)
    assert result.created
    assert result.job.provider_job_id.startswith("ftjob-")
    assert result.job.estimated_tokens > 0
    assert result.job.estimated_cost == 0.0  # the engine is free

    job = wait_for_job(db, result.job.id, timeout=120)
    assert job.status == "succeeded"
    assert job.fine_tuned_model.startswith("ft:tunelab-base:")
    assert "reviews" in job.fine_tuned_model
    assert job.trained_tokens > 0

    detail = refresh_job(db, job.id)
    assert detail.problem is None
    assert detail.metrics_source == "result file"
    steps = [p["step"] for p in detail.metrics]
    assert steps == sorted(steps) and len(steps) > 1
    assert all("train_loss" in p for p in detail.metrics)
    assert any("valid_loss" in p for p in detail.metrics)
    assert detail.checkpoints and detail.checkpoints[-1].model.startswith("ft:")
    assert "successfully completed" in detail.event_log
    with db.connect() as conn:
        train = get_upload(conn, job.train_upload_id)
        valid = get_upload(conn, job.valid_upload_id)
    assert train.split == "train" and train.n_examples == snapshot.sizes["train"]
    assert valid.split == "valid" and valid.n_examples == snapshot.sizes["valid"]
    # The provider holds the bytes the store describes.
    client = client_for(get_provider(db, ENGINE_NAME))
    assert client.files.retrieve(train.file_id).bytes == train.bytes

    # Continue training from the result: the model is the fine-tuned one, files are reused.
    more = _request(snapshot.id, model=job.fine_tuned_model, hyperparameters={"n_epochs": 1})
    second = launch(db, more, key=launch_key(db, more), author="Ana", override_warnings=True)
    assert second.created and second.job.id != job.id
    assert second.job.base_model == job.fine_tuned_model
    assert second.job.train_upload_id == job.train_upload_id  # same bytes, not uploaded again
    finished = wait_for_job(db, second.job.id, timeout=120)
    assert finished.status == "succeeded"
    assert finished.fine_tuned_model != job.fine_tuned_model
    with db.connect() as conn:
        assert [j.id for j in list_jobs(conn)] == [second.job.id, job.id]


def test_same_settings_same_key_no_second_job(db, snapshot, engine_env):
    request = _request(snapshot.id)
    first = launch(db, request, key=launch_key(db, request), author="Ana", override_warnings=True)
    again = launch(db, request, key=launch_key(db, request), author="Bo", override_warnings=True)
    assert not again.created
    assert again.job.id == first.job.id
    assert "already" in again.message
    # A deliberate second attempt is another key, hence another job.
    third = launch(
        db, request, key=launch_key(db, request, attempt=2), author="Ana", override_warnings=True
    )
    assert third.created and third.job.provider_job_id != first.job.provider_job_id


def test_warnings_need_an_explicit_override(db, snapshot, engine_env):
    from lib.train.readiness import readiness

    request = _request(snapshot.id)
    ready = readiness(db, snapshot.id, get_provider(db, ENGINE_NAME), model="tunelab-base")
    assert ready.checks_available
    assert ready.errors == 0
    if ready.warnings:
        with pytest.raises(UserError, match="warning"):
            launch(db, request, key=launch_key(db, request), author="Ana")
        with db.connect() as conn:
            assert list_jobs(conn) == []  # refused before anything was claimed
    result = launch(db, request, key=launch_key(db, request), author="Ana", override_warnings=True)
    assert result.created


def test_refusals_name_the_reason(db, snapshot, engine_env):
    with pytest.raises(UserError, match="does not offer the dpo method"):
        launch(db, _request(snapshot.id, method="dpo"), key="k1", author="Ana")
    with pytest.raises(UserError, match="suffix"):
        launch(db, _request(snapshot.id, suffix="has spaces"), key="k2", author="Ana")
    with pytest.raises(UserError, match="whole number"):
        launch(db, _request(snapshot.id, hyperparameters={"n_epochs": 1.5}), key="k3", author="A")
    with pytest.raises(UserError, match="name in the sidebar"):
        launch(db, _request(snapshot.id), key="k4", author="  ")
    with db.connect() as conn:
        assert list_jobs(conn) == []


def test_a_model_the_provider_does_not_know_fails_the_launch_with_a_sentence(
    db, snapshot, engine_env
):
    request = _request(snapshot.id, model="ft:tunelab-base:tunelab::doesnotexist")
    with pytest.raises(UserError) as info:
        launch(db, request, key=launch_key(db, request), author="Ana", override_warnings=True)
    assert "Built-in engine" in str(info.value)
    with db.connect() as conn:
        (row,) = list_jobs(conn)
    assert row.status == "launch_failed" and row.provider_job_id is None
    assert row.error == str(info.value)
