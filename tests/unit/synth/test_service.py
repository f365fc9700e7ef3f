"""The Synth service as each role, against the built-in engine: reviewers and viewers cannot
generate, resume, cancel or make the new dataset (no run, no dataset is stored); trainers can."""

from __future__ import annotations

import pytest

from lib.core.identity import MissingIdentityError, PermissionDeniedError
from lib.datasets.service import dataset_list
from lib.runner.service import wait_until_finished
from lib.synth import service
from tests.unit.actors import REVIEWER, TRAINER, VIEWER
from tests.unit.synth.conftest import small_spec


def _start(db, actor):
    return service.start_synthetic(db, small_spec(), concurrency=2, secrets=None, actor=actor)


@pytest.mark.parametrize("actor", [REVIEWER, VIEWER, None])
def test_reviewers_and_viewers_cannot_generate(synth_db, actor):
    error = MissingIdentityError if actor is None else PermissionDeniedError
    with pytest.raises(error, match="generate synthetic data"):
        _start(synth_db, actor)
    assert service.synthetic_runs(synth_db, actor=actor) == []
    plan = service.make_plan(small_spec())
    assert service.plan_estimate(synth_db, plan, _engine_config(), actor=actor).n_requests == 8


def _engine_config():
    from lib.providers.service import BUILT_IN

    return BUILT_IN


def test_a_trainer_generates_and_makes_the_dataset(synth_db):
    run_id = _start(synth_db, TRAINER)
    wait_until_finished(synth_db, run_id, timeout_s=120)
    for actor in (REVIEWER, VIEWER):
        with pytest.raises(PermissionDeniedError, match="cannot create a dataset from a synth"):
            service.finish_run(synth_db, run_id, allow_partial=False, actor=actor)
        with pytest.raises(PermissionDeniedError, match="You cannot resume a synthetic run"):
            service.resume_synthetic(synth_db, run_id, concurrency=1, secrets=None, actor=actor)
        with pytest.raises(PermissionDeniedError, match="You cannot cancel a synthetic run"):
            service.cancel_synthetic(synth_db, run_id, actor=actor)
    assert dataset_list(synth_db, actor=VIEWER) == []
    status = service.synthetic_status(synth_db, run_id, actor=VIEWER)
    assert (status.progress.done, status.dataset_id) == (8, None)
    result = service.finish_run(synth_db, run_id, allow_partial=False, actor=TRAINER)
    assert (result.name, result.n_examples) == ("Synthetic test", 8)
    assert service.dataset_of_run(synth_db, run_id, actor=VIEWER) == result.dataset_id
    lines = service.new_examples(synth_db, result.dataset_id, limit=3, actor=VIEWER)
    assert len(lines) == 3 and all(line.prompt for line in lines)
