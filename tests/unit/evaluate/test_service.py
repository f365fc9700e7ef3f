"""The Evaluate service as each role, against the built-in engine: a reviewer or a viewer
cannot start, resume or cancel an evaluation (no run is stored); a viewer cannot flag examples
for review or vote; trainers run evaluations and reviewers flag and vote."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lib.core.example_store import list_batches
from lib.core.examples import Example
from lib.core.identity import PermissionDeniedError
from lib.datasets.repo import import_examples
from lib.evaluate import service
from lib.providers.service import ENGINE_NAME
from lib.runner.service import wait_until_finished
from lib.snapshots.repo import create_snapshot
from tests.unit.actors import REVIEWER, TRAINER, VIEWER
from tests.unit.evaluate.helpers import review_rows


@pytest.fixture
def engine_env(engine_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TUNELAB_ENGINE_URL", engine_url)
    return engine_url


@pytest.fixture
def snapshot_id(db: sa.Engine) -> int:
    rows = [Example(data=r, source_row=i + 1) for i, r in enumerate(review_rows()[:60])]
    dataset = import_examples(db, name="reviews", schema="completion", rows=rows).dataset_id
    return create_snapshot(db, dataset, author="Ana", train=0.5, valid=0.0, test=0.5).id


def _start(db, snapshot_id, models, actor):
    tests = service.testset_from_snapshot(db, snapshot_id, split="test", actor=actor)
    specs = [service.ModelSpec(model=m, provider=ENGINE_NAME) for m in models]
    return service.start_evaluation(
        db, tests, specs, task="classification", top_k=5, batch=False, concurrency=4,
        secrets=None, actor=actor,
    )  # fmt: skip


@pytest.mark.parametrize("actor", [REVIEWER, VIEWER])
def test_reviewers_and_viewers_cannot_start_an_evaluation(db, snapshot_id, engine_env, actor):
    with pytest.raises(PermissionDeniedError, match="You cannot run an evaluation"):
        _start(db, snapshot_id, ["tunelab-base"], actor)
    assert service.evaluation_runs(db, actor=actor) == []


def test_trainers_run_reviewers_flag_and_vote_viewers_only_read(
    db, snapshot_id, engine_env, trained_model
):
    run_id = _start(db, snapshot_id, ["tunelab-base", trained_model], TRAINER)
    for actor in (REVIEWER, VIEWER):
        with pytest.raises(PermissionDeniedError, match="You cannot cancel an evaluation"):
            service.cancel_run(db, run_id, actor=actor)
        with pytest.raises(PermissionDeniedError, match="You cannot resume an evaluation"):
            service.resume_run(db, run_id, concurrency=1, secrets=None, actor=actor)
    wait_until_finished(db, run_id, timeout_s=120)
    status = service.run_status(db, run_id, actor=VIEWER)
    assert status.progress.pending == 0 and status.run.created_by == TRAINER.name
    data = service.predictions(db, run_id, actor=VIEWER)
    found = data.by_model[trained_model][:3]
    dataset_id = found[0].dataset_id
    with pytest.raises(PermissionDeniedError, match="You cannot send examples to review"):
        service.flag_for_review(db, found, actor=VIEWER)
    with db.connect() as conn:
        assert list_batches(conn, dataset_id) == []
    sent = service.flag_for_review(db, found, actor=REVIEWER)
    assert sent.flagged == 3
    example = data.examples[0]
    shown = (data.models[0], data.models[1])
    with pytest.raises(PermissionDeniedError, match="You cannot vote"):
        service.vote(db, run_id, example=example, shown=shown, choice="a", actor=VIEWER)
    assert service.win_rates(db, run_id, actor=VIEWER) == []
    service.vote(db, run_id, example=example, shown=shown, choice="a", actor=REVIEWER)
    assert service.voted(db, run_id, actor=REVIEWER) == {example}
