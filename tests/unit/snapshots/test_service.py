"""The Snapshots service as each role: trainers create and delete snapshots; reviewers and
viewers preview, list and export them, and are refused a change with nothing written."""

from __future__ import annotations

import pytest

from lib.core.identity import MissingIdentityError, PermissionDeniedError
from lib.snapshots import service
from tests.unit.actors import ADMIN, REVIEWER, TRAINER, VIEWER
from tests.unit.export.helpers import make_dataset

OPTIONS = service.SnapshotOptions(train=0.6, valid=0.2, test=0.2, seed=7)


@pytest.fixture
def dataset_id(db) -> int:
    rows = [{"prompt": f"item {i} ->", "completion": f" {'ab'[i % 2]}"} for i in range(20)]
    return make_dataset(db, rows, name="pairs")


@pytest.mark.parametrize("actor", [REVIEWER, VIEWER])
def test_reviewers_and_viewers_cannot_create_or_delete(db, dataset_id, actor):
    plan = service.plan_snapshot(db, dataset_id, OPTIONS, actor=actor)
    assert sum(plan.sizes.values()) == 20
    with pytest.raises(PermissionDeniedError, match="You cannot create a snapshot"):
        service.create_snapshot(db, dataset_id, OPTIONS, actor=actor)
    assert service.snapshot_list(db, actor=actor) == []
    made = service.create_snapshot(db, dataset_id, OPTIONS, actor=TRAINER)
    assert made.created_by == TRAINER.name
    with pytest.raises(PermissionDeniedError, match="needs the trainer role"):
        service.delete_snapshot(db, made.id, actor=actor)
    assert [s.id for s in service.snapshot_list(db, dataset_id=dataset_id, actor=actor)] == [
        made.id
    ]
    file = service.snapshot_file(db, made.id, format_key="chat", split="train", actor=actor)
    assert file.data.count(b"\n") == made.sizes["train"]


@pytest.mark.parametrize("actor", [TRAINER, ADMIN])
def test_trainers_and_admins_create_and_delete(db, dataset_id, actor):
    made = service.create_snapshot(
        db, dataset_id, OPTIONS, name="first", expected_data_version=None, actor=actor
    )
    assert made.sizes == {"train": 12, "valid": 4, "test": 4}
    deleted = service.delete_snapshot(db, made.id, actor=actor)
    assert (deleted.id, deleted.name) == (made.id, "first")
    assert service.snapshot_list(db, actor=actor) == []


def test_a_snapshot_needs_a_name(db, dataset_id):
    with pytest.raises(MissingIdentityError, match="Enter your name"):
        service.create_snapshot(db, dataset_id, OPTIONS, actor=None)
    assert service.snapshot_list(db, actor=None) == []
