"""Leakage between a snapshot's train and held-out splits."""

from __future__ import annotations

from lib.checks.leakage import snapshot_leakage
from lib.snapshots.repo import create_snapshot, iter_split


def test_repeated_prompts_leak_into_test(db, store_dataset):
    datas = [{"prompt": f"question {i % 25}", "completion": f" answer {i}"} for i in range(100)]
    dataset_id = store_dataset("completion", datas)
    snapshot = create_snapshot(db, dataset_id, author="ann", seed=3)
    findings = {f.details["split"]: f for f in snapshot_leakage(db, snapshot.id)}
    test = list(iter_split(db, snapshot.id, "test"))
    train_prompts = {e.prompt for e in iter_split(db, snapshot.id, "train")}
    leaked = [e for e in test if e.prompt in train_prompts]
    assert leaked and findings["test"].example_ids == [e.example_id for e in leaked]
    assert findings["test"].severity == "warning"


def test_unique_prompts_do_not_leak(db, store_dataset):
    datas = [{"prompt": f"question {i}", "completion": f" answer {i}"} for i in range(60)]
    dataset_id = store_dataset("completion", datas)
    snapshot = create_snapshot(db, dataset_id, author="ann")
    assert snapshot_leakage(db, snapshot.id) == []
