"""Snapshots: frozen, seeded, stratified copies that later edits never touch."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lib.core.errors import NotFoundError, UserError
from lib.core.example_store import Change, apply_changes, iter_examples, update_example
from lib.core.tables import snapshot_examples
from lib.datasets.repo import delete_dataset, get_dataset
from lib.snapshots.repo import (
    create_snapshot,
    delete_snapshot,
    get_snapshot,
    iter_split,
    list_snapshots,
    plan_snapshot,
)

from .helpers import classification_rows, make_dataset


def _split_data(engine: sa.Engine, snapshot_id: int, split: str) -> list[dict]:
    return [e.data for e in iter_split(engine, snapshot_id, split)]


def test_plan_shows_counts_without_writing(any_db: sa.Engine) -> None:
    dataset_id = make_dataset(any_db, classification_rows(100))
    plan = plan_snapshot(any_db, dataset_id, train=0.8, valid=0.1, test=0.1, seed=42)
    assert plan.classification and plan.split.stratified
    assert plan.counts == {
        "train": {"a": 40, "b": 24, "c": 16},
        "valid": {"a": 5, "b": 3, "c": 2},
        "test": {"a": 5, "b": 3, "c": 2},
    }
    with any_db.connect() as conn:
        assert list_snapshots(conn) == []


def test_create_matches_the_plan_and_lists_it(any_db: sa.Engine) -> None:
    dataset_id = make_dataset(any_db, classification_rows(100))
    plan = plan_snapshot(any_db, dataset_id, seed=5, balance="over")
    snap = create_snapshot(any_db, dataset_id, author="Ana", seed=5, balance="over")
    assert snap.counts == plan.counts
    assert snap.sizes == {"train": 120, "valid": 10, "test": 10}
    assert snap.counts["train"] == {"a": 40, "b": 40, "c": 40}
    assert snap.created_by == "Ana" and snap.dataset_name == "tickets"
    assert snap.labels == ["a", "b", "c"]
    with any_db.connect() as conn:
        assert [s.id for s in list_snapshots(conn, dataset_id=dataset_id)] == [snap.id]
        assert [s.id for s in list_snapshots(conn)] == [snap.id]
        assert get_snapshot(conn, snap.id).counts == plan.counts
    train = list(iter_split(any_db, snap.id, "train"))
    assert len(train) == 120
    assert [e.position for e in train] == list(range(1, 121))
    assert len(list(iter_split(any_db, snap.id, "all"))) == 140


def test_same_seed_gives_the_same_snapshot(any_db: sa.Engine) -> None:
    dataset_id = make_dataset(any_db, classification_rows(60))
    one = create_snapshot(any_db, dataset_id, author="Ana", seed=11)
    two = create_snapshot(any_db, dataset_id, author="Ana", seed=11)
    for split in ("train", "valid", "test"):
        assert _split_data(any_db, one.id, split) == _split_data(any_db, two.id, split)


def test_snapshot_is_immutable_after_dataset_edits(any_db: sa.Engine) -> None:
    dataset_id = make_dataset(any_db, classification_rows(50))
    snap = create_snapshot(any_db, dataset_id, author="Ana", seed=1)
    before = {split: _split_data(any_db, snap.id, split) for split in ("train", "valid", "test")}
    rows = list(iter_examples(any_db, dataset_id))
    # edit one, delete another, change many in a batch
    update_example(
        any_db,
        Change(rows[0].id, rows[0].version, data={"prompt": "changed", "completion": " z\n"}),
        author="Bo",
    )
    update_example(any_db, Change(rows[1].id, rows[1].version, deleted=True), author="Bo")
    apply_changes(
        any_db,
        dataset_id,
        [Change(r.id, r.version, data={"prompt": "x", "completion": " y"}) for r in rows[5:20]],
        author="Bo",
        reason="bulk",
    )
    with any_db.connect() as conn:
        assert get_dataset(conn, dataset_id).data_version > snap.data_version
        again = get_snapshot(conn, snap.id)
    assert again.counts == snap.counts
    after = {split: _split_data(any_db, snap.id, split) for split in ("train", "valid", "test")}
    assert after == before
    assert all(d["prompt"] != "changed" for split in after.values() for d in split)


def test_approved_only(any_db: sa.Engine) -> None:
    dataset_id = make_dataset(any_db, classification_rows(40))
    rows = list(iter_examples(any_db, dataset_id))
    apply_changes(
        any_db,
        dataset_id,
        [Change(r.id, r.version, status="approved") for r in rows[:30]],
        author="Ana",
        reason="approve",
    )
    snap = create_snapshot(any_db, dataset_id, author="Ana", approved_only=True, stratify=False)
    assert snap.n_examples == 30
    assert snap.settings["approved_only"] is True
    ids = {e.example_id for e in iter_split(any_db, snap.id, "all")}
    assert ids == {r.id for r in rows[:30]}


def test_stale_preview_and_missing_author_are_refused(any_db: sa.Engine) -> None:
    dataset_id = make_dataset(any_db, classification_rows(30))
    plan = plan_snapshot(any_db, dataset_id)
    row = next(iter_examples(any_db, dataset_id))
    update_example(any_db, Change(row.id, row.version, status="approved"), author="Bo")
    with pytest.raises(UserError, match="changed since the preview"):
        create_snapshot(any_db, dataset_id, author="Ana", expected_data_version=plan.data_version)
    with pytest.raises(UserError, match="enter your name"):
        create_snapshot(any_db, dataset_id, author=" ")
    with any_db.connect() as conn:
        assert list_snapshots(conn) == []


def test_not_classification_cannot_be_stratified(any_db: sa.Engine) -> None:
    rows = [{"prompt": f"q{i}", "completion": f" answer {i}"} for i in range(20)]
    dataset_id = make_dataset(any_db, rows)
    plan = plan_snapshot(any_db, dataset_id)
    assert not plan.split.stratified
    assert plan.counts["train"] == {"(all)": 16}
    with pytest.raises(UserError, match="not classification-like"):
        plan_snapshot(any_db, dataset_id, balance="under", stratify=True)


def test_delete_snapshot_and_dataset(any_db: sa.Engine) -> None:
    dataset_id = make_dataset(any_db, classification_rows(30))
    one = create_snapshot(any_db, dataset_id, author="Ana")
    two = create_snapshot(any_db, dataset_id, author="Ana", name="second")
    delete_snapshot(any_db, one.id)
    with any_db.connect() as conn:
        assert [s.name for s in list_snapshots(conn)] == ["second"]
        with pytest.raises(NotFoundError):
            get_snapshot(conn, one.id)
        left = conn.execute(
            sa.select(sa.func.count()).where(snapshot_examples.c.snapshot_id == one.id)
        ).scalar_one()
    assert left == 0
    delete_dataset(any_db, dataset_id)
    with any_db.connect() as conn:
        assert list_snapshots(conn) == []
    with pytest.raises(NotFoundError):
        list(iter_split(any_db, two.id, "train"))


def test_unknown_split_is_refused(any_db: sa.Engine) -> None:
    dataset_id = make_dataset(any_db, classification_rows(30))
    snap = create_snapshot(any_db, dataset_id, author="Ana")
    with pytest.raises(UserError, match="unknown split"):
        list(iter_split(any_db, snap.id, "validation"))
