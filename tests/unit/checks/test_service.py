"""The Checks service as each role: viewers run checks and preview fixes; applying a fix and
undoing one need the reviewer role, and a refused call changes no example."""

from __future__ import annotations

import pytest

from lib.checks import service
from lib.core.errors import UserError
from lib.core.example_store import iter_examples
from lib.core.identity import MissingIdentityError, PermissionDeniedError
from lib.datasets.repo import get_dataset
from tests.unit.actors import REVIEWER, TRAINER, VIEWER

MODEL = "gpt-4o-mini-2024-07-18"
DATAS = [{"prompt": "same ->", "completion": " a"}] * 2 + [
    {"prompt": f"p{i} ->", "completion": f" {'ab'[i % 2]}"} for i in range(20)
]


def _state(db, dataset_id):
    return [(e.id, e.version, e.deleted) for e in iter_examples(db, dataset_id)]


def _apply(db, dataset_id, actor):
    with db.connect() as conn:
        version = get_dataset(conn, dataset_id).data_version
    return service.apply_fix(
        db,
        dataset_id,
        "drop_duplicates",
        data_version=version,
        model=MODEL,
        params={},
        actor=actor,
    )


def test_a_viewer_checks_and_previews_but_cannot_apply(db, store_dataset):
    dataset_id = store_dataset("completion", DATAS)
    report = service.check_dataset(db, dataset_id, data_version=1, model=MODEL, actor=VIEWER)
    assert "duplicates" in {f["check"] for f in report.findings}
    preview = service.fix_preview(
        db, dataset_id, "drop_duplicates", model=MODEL, params={}, actor=VIEWER
    )
    assert preview.n_dropped == 1
    before = _state(db, dataset_id)
    with pytest.raises(
        PermissionDeniedError, match="You cannot apply a fix: it needs the reviewer"
    ):
        _apply(db, dataset_id, VIEWER)
    with pytest.raises(MissingIdentityError):
        _apply(db, dataset_id, None)
    assert _state(db, dataset_id) == before
    assert service.recent_fixes(db, dataset_id, actor=VIEWER) == []


@pytest.mark.parametrize("actor", [REVIEWER, TRAINER])
def test_a_reviewer_applies_and_a_viewer_cannot_undo(db, store_dataset, actor):
    dataset_id = store_dataset("completion", DATAS)
    applied = _apply(db, dataset_id, actor)
    assert applied.batch_id is not None and applied.n_examples == 1
    after = _state(db, dataset_id)
    with pytest.raises(PermissionDeniedError, match="You cannot undo a change"):
        service.undo_fix(db, applied.batch_id, actor=VIEWER)
    assert _state(db, dataset_id) == after
    [batch] = service.recent_fixes(db, dataset_id, actor=VIEWER)
    assert batch.author == actor.name and batch.undone_at is None
    service.undo_fix(db, applied.batch_id, actor=actor)
    assert service.recent_fixes(db, dataset_id, actor=VIEWER)[0].undone_by == actor.name


def test_a_fix_previewed_on_an_older_version_is_refused(db, store_dataset):
    dataset_id = store_dataset("completion", DATAS)
    with pytest.raises(UserError, match="changed since the preview"):
        service.apply_fix(
            db,
            dataset_id,
            "drop_duplicates",
            data_version=0,
            model=MODEL,
            params={},
            actor=REVIEWER,
        )
    assert service.recent_fixes(db, dataset_id, actor=VIEWER) == []


def test_findings_are_offered_to_other_features_without_their_table(db, store_dataset):
    import sqlalchemy as sa

    from lib.core.tables import examples

    dataset_id = store_dataset("completion", DATAS)
    service.check_dataset(db, dataset_id, data_version=1, model=MODEL, actor=VIEWER)
    flagged = service.example_ids_with_findings(db, dataset_id)
    assert flagged and service.findings_checked_version(db, dataset_id) is not None
    query = sa.select(examples.c.id).where(examples.c.id.in_(service.findings_subquery(dataset_id)))
    with db.connect() as conn:
        assert set(conn.execute(query).scalars()) == flagged
