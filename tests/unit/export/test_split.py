"""Seeded, stratified splits and class balancing (pure)."""

from __future__ import annotations

from collections import Counter

import pytest

from lib.core.errors import UserError
from lib.snapshots.split import Ratios, plan_split

LABELS = ["a"] * 500 + ["b"] * 300 + ["c"] * 200


def test_same_seed_same_split_other_seed_other_split() -> None:
    one = plan_split(LABELS, ratios=Ratios(0.8, 0.1, 0.1), seed=7, stratify=True)
    two = plan_split(LABELS, ratios=Ratios(0.8, 0.1, 0.1), seed=7, stratify=True)
    three = plan_split(LABELS, ratios=Ratios(0.8, 0.1, 0.1), seed=8, stratify=True)
    assert one.assignments == two.assignments
    assert one.assignments["test"] != three.assignments["test"]


def test_every_example_in_exactly_one_split() -> None:
    plan = plan_split(LABELS, ratios=Ratios(0.7, 0.2, 0.1), seed=1, stratify=True)
    placed = [i for split in ("train", "valid", "test") for i in plan.assignments[split]]
    assert sorted(placed) == list(range(len(LABELS)))


def test_stratified_proportions_per_class() -> None:
    plan = plan_split(LABELS, ratios=Ratios(0.8, 0.1, 0.1), seed=3, stratify=True)
    assert plan.sizes() == {"train": 800, "valid": 100, "test": 100}
    assert plan.counts["train"] == {"a": 400, "b": 240, "c": 160}
    assert plan.counts["valid"] == {"a": 50, "b": 30, "c": 20}
    assert plan.counts["test"] == {"a": 50, "b": 30, "c": 20}
    test_labels = Counter(LABELS[i] for i in plan.assignments["test"])
    assert test_labels == {"a": 50, "b": 30, "c": 20}


def test_uneven_classes_keep_exact_totals() -> None:
    labels = [str(i % 14) for i in range(200)][:197]
    plan = plan_split(labels, ratios=Ratios(0.8, 0.1, 0.1), seed=1, stratify=True)
    assert plan.sizes() == {"train": 157, "valid": 20, "test": 20}  # 157.6 / 19.7 / 19.7
    for label in set(labels):
        in_train = plan.counts["train"][label]
        assert abs(in_train - 0.8 * labels.count(label)) < 1.5


def test_under_sampling_cuts_train_classes_to_the_smallest() -> None:
    plan = plan_split(LABELS, ratios=Ratios(0.8, 0.1, 0.1), seed=3, stratify=True, balance="under")
    assert plan.counts["train"] == {"a": 160, "b": 160, "c": 160}
    assert plan.dropped == 240 + 80
    # valid and test keep the real class mix
    assert plan.counts["test"] == {"a": 50, "b": 30, "c": 20}


def test_over_sampling_repeats_train_classes_to_the_largest() -> None:
    plan = plan_split(LABELS, ratios=Ratios(0.8, 0.1, 0.1), seed=3, stratify=True, balance="over")
    assert plan.counts["train"] == {"a": 400, "b": 400, "c": 400}
    assert plan.added == 160 + 240
    train = Counter(plan.assignments["train"])
    c_items = [i for i in train if LABELS[i] == "c"]
    # every c example is used twice (400 = 2 × 160 + 80 more drawn once more)
    assert sum(train[i] for i in c_items) == 400
    assert min(train[i] for i in c_items) >= 2
    assert not set(plan.assignments["train"]) & set(plan.assignments["test"])


def test_random_split_without_stratification() -> None:
    plan = plan_split(["x"] * 10, ratios=Ratios(0.6, 0.2, 0.2), seed=0)
    assert plan.sizes() == {"train": 6, "valid": 2, "test": 2}
    assert plan.counts["train"] == {"(all)": 6}


@pytest.mark.parametrize(
    ("ratios", "message"),
    [
        (Ratios(0.8, 0.1, 0.2), "add up to 1"),
        (Ratios(0.0, 0.5, 0.5), "train share must be more than 0"),
        (Ratios(1.2, -0.1, -0.1), "between 0 and 1"),
    ],
)
def test_bad_ratios_are_refused(ratios: Ratios, message: str) -> None:
    with pytest.raises(UserError, match=message):
        plan_split(LABELS, ratios=ratios)


def test_balancing_needs_stratification() -> None:
    with pytest.raises(UserError, match="stratified"):
        plan_split(LABELS, ratios=Ratios(), balance="under")


def test_tiny_dataset_says_a_split_is_empty() -> None:
    plan = plan_split(["a", "b"], ratios=Ratios(0.8, 0.1, 0.1))
    assert plan.sizes()["train"] == 2
    assert any("valid split is empty" in note for note in plan.notes)
