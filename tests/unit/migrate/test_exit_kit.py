"""The exit kit end to end against the built-in engine standing in for OpenAI: a fine-tuned
``ft:gpt-4o-mini…`` model made there, its inventory, pulling its files (and a file the provider
deleted), recording what it answers, retraining the same data on the engine's Together dialect,
the model's shutdown, and the comparison with the recording as the reference."""

from __future__ import annotations

import hashlib
import math
from datetime import date

import openai
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score

from lib.core.errors import UserError
from lib.core.identity import PermissionDeniedError
from lib.migrate import service as migrate
from lib.train import service as train
from tests.unit.actors import TRAINER, VIEWER
from tests.unit.migrate.conftest import BASE, Tuned


def _wait_job(db, job_id: int):  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + 120
    while True:
        detail = train.refresh_job(db, job_id, secrets=None, actor=TRAINER)
        if detail.job.status in ("succeeded", "failed", "cancelled"):
            return detail.job
        assert time.monotonic() < deadline, detail.job.status
        time.sleep(0.25)


def test_exit_kit_end_to_end(db, tuned: Tuned, providers_env, engine_handle) -> None:  # type: ignore[no-untyped-def]
    openai_account = migrate.account(db, provider="OpenAI")

    # 1. Inventory: the fine-tune with its job, files, hyperparameters and shutdown date.
    today = date(2026, 11, 30)
    found = migrate.inventory(db, openai_account, secrets=None, today=today, actor=VIEWER)
    mine = [m for m in found if m.id == tuned.model]
    assert len(mine) == 1, [m.id for m in found]
    record = mine[0]
    assert tuned.model.startswith(f"ft:{BASE}:")
    assert record.base_model == BASE
    assert record.job == tuned.job
    assert (record.training_file, record.validation_file) == (
        tuned.training_file,
        tuned.validation_file,
    )
    assert record.hyperparameters.get("n_epochs") == 2
    assert record.trained_tokens and record.trained_tokens > 0
    assert record.shutdown_date == "2027-01-14"  # the base's date, given by the provider
    assert record.shutdown_source == "provider"
    assert record.days_left == (date(2027, 1, 14) - today).days == 45
    assert record.created_at and record.created_at.startswith("20")

    # 2. Pull: both files become datasets with lineage; a second pull makes none.
    with pytest.raises(PermissionDeniedError):
        migrate.pull(db, openai_account, tuned.model, secrets=None, actor=VIEWER)
    pulled = migrate.pull(db, openai_account, tuned.model, secrets=None, actor=TRAINER)
    assert [(p.role, p.status) for p in pulled] == [
        ("training", "imported"),
        ("validation", "imported"),
    ]
    assert pulled[0].sha256 == hashlib.sha256(tuned.training_bytes).hexdigest()
    assert pulled[0].n_examples == 240 and pulled[1].n_examples == 60
    again = migrate.pull(db, openai_account, tuned.model, secrets=None, actor=TRAINER)
    assert [(p.status, p.dataset_id) for p in again] == [
        ("already pulled", pulled[0].dataset_id),
        ("already pulled", pulled[1].dataset_id),
    ]
    lineage = migrate.lineage(db, dataset_id=pulled[0].dataset_id, actor=VIEWER)
    assert [(x.provider, x.job, x.file_id, x.source) for x in lineage] == [
        ("OpenAI", tuned.job, tuned.training_file, "provider")
    ]

    # 3. Record what it answers on its own validation file (which it never trained on).
    snapshot = migrate.snapshot_for_retrain(db, pulled[0].dataset_id, actor=TRAINER)
    source = {"kind": "dataset", "dataset_id": pulled[1].dataset_id}
    recording = migrate.record(db, openai_account, tuned.model, source, secrets=None, actor=TRAINER)
    progress = migrate.wait(db, recording.run_id, actor=VIEWER)
    assert progress.failed == 0 and progress.done == progress.total == 60
    recorded = migrate.comparison(db, recording.run_id, reference=tuned.model, actor=VIEWER)
    answers = recorded.data.by_model[tuned.model]
    assert all(p.status == "done" and p.output for p in answers)
    assert all(p.confidence is not None and p.top for p in answers)  # token probabilities kept

    # 4. Retrain the same snapshot on Together, cost shown first, exactly once.
    ready = migrate.retrain_check(
        db, snapshot.id, "Together AI", model="Qwen/Qwen3-8B", actor=VIEWER
    )
    assert ready.estimate is not None or ready.estimate_problem
    request = train.LaunchRequest(
        snapshot_id=snapshot.id, provider="Together AI", model="Qwen/Qwen3-8B",
        hyperparameters={"n_epochs": 2}, suffix="moved", seed=3,
    )  # fmt: skip
    first = migrate.retrain(db, request, secrets=None, override_warnings=True, actor=TRAINER)
    second = migrate.retrain(db, request, secrets=None, override_warnings=True, actor=TRAINER)
    assert second.job.id == first.job.id and not second.created
    job = _wait_job(db, first.job.id)
    assert job.status == "succeeded" and job.fine_tuned_model, job.error
    replacement = str(job.fine_tuned_model)

    # The OpenAI model is shut down: its answers now exist only in the recording.
    client = openai.OpenAI(api_key="sk-test", base_url=engine_handle.base_url, max_retries=0)
    client.models.delete(tuned.model)
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve(tuned.model)
    after = migrate.inventory(db, openai_account, secrets=None, today=today, actor=VIEWER)
    gone = next(m for m in after if m.id == tuned.model)  # still listed: its data is here
    assert not gone.at_provider and gone.job == tuned.job
    assert (gone.shutdown_date, gone.shutdown_source) == ("2027-01-14", "table")

    # 5. Compare the replacement with the recorded reference.
    candidate = migrate.evaluate.ModelSpec(model=replacement, provider="Together AI")
    run_id = migrate.compare(db, recording.id, [candidate], secrets=None, actor=TRAINER)
    progress = migrate.wait(db, run_id, actor=VIEWER)
    failed = migrate.comparison(db, run_id, reference=tuned.model, actor=VIEWER).data
    errors = {p.error for m in failed.models for p in failed.by_model[m] if p.error}
    assert progress.failed == 0, errors
    assert progress.cached >= len(answers)  # the reference came from the store
    result = migrate.comparison(db, run_id, reference=tuned.model, actor=VIEWER)
    a = result.agreements[replacement]
    ref_labels = result.data.labels_of(tuned.model)
    cand_labels = result.data.labels_of(replacement)
    assert ref_labels == [p.label for p in answers]  # exactly the recorded answers
    assert a.n == len(ref_labels) > 0
    assert a.agreement == pytest.approx(accuracy_score(ref_labels, cand_labels))
    expected_kappa = cohen_kappa_score(ref_labels, cand_labels)
    assert (math.isnan(a.kappa) and math.isnan(expected_kappa)) or a.kappa == pytest.approx(
        expected_kappa
    )
    golds = result.data.golds()
    assert a.accuracy == pytest.approx(accuracy_score(golds, cand_labels))
    assert a.reference_accuracy == pytest.approx(accuracy_score(golds, ref_labels))
    assert len(a.disagreements) == sum(r != c for r, c in zip(ref_labels, cand_labels, strict=True))
    assert a.mcnemar is not None and 0.0 <= a.mcnemar.p_value <= 1.0

    html = migrate.report_html(db, run_id, reference=tuned.model, actor=VIEWER)
    verdict = "is a match for" if a.is_match else "is NOT a match for"
    assert f"{replacement} {verdict} {tuned.model}" in html
    assert "Where " in html and "Migration report" in html


def test_a_file_the_provider_deleted_is_reported_and_a_local_copy_attached(
    db, tuned: Tuned, providers_env, engine_handle
) -> None:  # type: ignore[no-untyped-def]
    account = migrate.account(db, provider="OpenAI")
    client = openai.OpenAI(api_key="sk-test", base_url=engine_handle.base_url, max_retries=0)
    # A second fine-tune whose validation file is then deleted at the provider.
    from tests.unit.migrate.conftest import make_openai_fine_tune

    other = make_openai_fine_tune(engine_handle.base_url, rows=150)
    client.files.delete(other.validation_file)
    pulled = migrate.pull(db, account, other.model, secrets=None, actor=TRAINER)
    assert [(p.role, p.status) for p in pulled] == [
        ("training", "imported"),
        ("validation", "deleted at provider"),
    ]
    local = migrate.attach_local(
        db, account, other.model, role="validation", data=other.validation_bytes,
        file_name="my-copy.jsonl", secrets=None, actor=TRAINER,
    )  # fmt: skip
    assert local.status == "imported" and local.source == "local copy"
    assert local.sha256 == hashlib.sha256(other.validation_bytes).hexdigest()
    assert local.file_id == other.validation_file
    # Bad bytes: a clear error, nothing stored.
    before = migrate.lineage(db, model=other.model, actor=VIEWER)
    with pytest.raises(UserError):
        migrate.attach_local(
            db, account, other.model, role="validation", data=b"{not json\n",
            file_name="broken.jsonl", secrets=None, actor=TRAINER,
        )  # fmt: skip
    assert migrate.lineage(db, model=other.model, actor=VIEWER) == before


def test_an_unknown_model_is_named(db, tuned: Tuned, providers_env) -> None:  # type: ignore[no-untyped-def]
    account = migrate.account(db, provider="OpenAI")
    with pytest.raises(UserError, match="no fine-tuned model 'ft:nope'"):
        migrate.pull(db, account, "ft:nope", secrets=None, actor=TRAINER)
