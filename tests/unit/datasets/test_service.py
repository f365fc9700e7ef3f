"""The Datasets service as each role: reads for viewers, import/rename for trainers, delete for
admins; a refused call says why and writes nothing."""

from __future__ import annotations

import pytest

from lib.core.identity import MissingIdentityError, PermissionDeniedError
from lib.datasets import service
from tests.unit.actors import ADMIN, NOBODY, REVIEWER, TRAINER, VIEWER

CSV = b"prompt,completion\nGood ->, positive\nBad ->, negative\nOk ->, positive\n"


def _import(db, actor=TRAINER, name="reviews"):
    return service.import_upload(db, CSV, file_name="reviews.csv", name=name, actor=actor)


def test_a_trainer_imports_renames_and_everyone_with_a_role_reads(db):
    summary = _import(db)
    assert (summary.name, summary.n_examples) == ("reviews", 3)
    renamed = service.rename_dataset(db, summary.dataset_id, "stars", actor=TRAINER)
    assert renamed.name == "stars"
    for actor in (VIEWER, REVIEWER, TRAINER, ADMIN, None):
        assert [d.name for d in service.dataset_list(db, actor=actor)] == ["stars"]
        assert service.label_counts(db, summary.dataset_id, actor=actor) == {
            "positive": 2,
            "negative": 1,
        }


def test_reading_needs_a_role_when_signed_in(db):
    _import(db)
    with pytest.raises(PermissionDeniedError, match="cannot see the datasets"):
        service.dataset_list(db, actor=NOBODY)


@pytest.mark.parametrize("actor", [VIEWER, REVIEWER])
def test_viewers_and_reviewers_cannot_import_or_rename(db, actor):
    with pytest.raises(PermissionDeniedError, match="You cannot import a dataset"):
        _import(db, actor=actor)
    assert service.dataset_list(db, actor=ADMIN) == []
    summary = _import(db)
    with pytest.raises(PermissionDeniedError, match="needs the trainer role"):
        service.rename_dataset(db, summary.dataset_id, "other", actor=actor)
    assert service.dataset_info(db, summary.dataset_id, actor=actor).name == "reviews"


def test_without_a_name_nothing_is_imported(db):
    with pytest.raises(MissingIdentityError, match="Enter your name"):
        _import(db, actor=None)
    assert service.dataset_list(db, actor=None) == []


@pytest.mark.parametrize("actor", [TRAINER, REVIEWER, VIEWER])
def test_only_an_admin_deletes_a_dataset(db, actor):
    summary = _import(db)
    with pytest.raises(PermissionDeniedError, match="cannot delete a dataset: it needs the admin"):
        service.delete_dataset(db, summary.dataset_id, actor=actor)
    assert service.dataset_info(db, summary.dataset_id, actor=ADMIN).n_examples == 3
    deleted = service.delete_dataset(db, summary.dataset_id, actor=ADMIN)
    assert (deleted.name, deleted.n_examples) == ("reviews", 3)
    assert service.dataset_list(db, actor=ADMIN) == []
