"""Seeded, optionally stratified train/valid/test splits with optional class balancing.

Pure: it works on a list of labels (one per example, in dataset order) and returns which
example indexes go where, so that the preview the user confirms and the snapshot that is
written are the same computation. Same labels + same seed + same options → same split.

Choices, and why:
- Stratified splits give each class the user's ratios (largest-remainder rounding per class),
  so a rare class is not left out of the test set by chance.
- Balancing touches the **train** split only. Valid and test keep the data's real class mix,
  because that is what the fine-tuned model will meet; over-sampling into them would also put
  copies of one example on both sides of the split (leakage).
  ``under``: every class in train is cut to the smallest class's count.
  ``over``: every class in train is repeated (whole shuffled copies, then a random remainder)
  up to the largest class's count.
- Each split is shuffled at the end, so a training file is not sorted by class.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from lib.core.errors import UserError

SPLITS: tuple[str, ...] = ("train", "valid", "test")
Balance = Literal["none", "under", "over"]
BALANCE_MODES: tuple[str, ...] = ("none", "under", "over")
NO_LABEL = "(no label)"
ALL = "(all)"  # the one "class" of a split that is not stratified
DEFAULT_SEED = 42
RATIO_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Ratios:
    """Shares of the examples per split; they must add up to 1 and train must be > 0."""

    train: float = 0.8
    valid: float = 0.1
    test: float = 0.1

    def validate(self) -> Ratios:
        values = {"train": self.train, "valid": self.valid, "test": self.test}
        for name, value in values.items():
            if not isinstance(value, int | float) or math.isnan(value) or value < 0 or value > 1:
                raise UserError(f"the {name} share must be a number between 0 and 1 (got {value})")
        if self.train <= 0:
            raise UserError("the train share must be more than 0")
        total = self.train + self.valid + self.test
        if abs(total - 1) > RATIO_TOLERANCE:
            raise UserError(
                f"train, valid and test shares must add up to 1 (they add up to {total:g})"
            )
        return self

    def as_dict(self) -> dict[str, float]:
        return {"train": self.train, "valid": self.valid, "test": self.test}


@dataclass(frozen=True, slots=True)
class SplitPlan:
    """Which example indexes go to each split (train may repeat indexes when over-sampled)."""

    assignments: dict[str, list[int]]
    counts: dict[str, dict[str, int]]  # split → label → examples ({ALL: n} if not stratified)
    stratified: bool
    balance: str
    seed: int
    ratios: Ratios
    n_source: int
    dropped: int = 0  # examples left out by under-sampling
    added: int = 0  # copies added by over-sampling
    notes: list[str] = field(default_factory=list)

    def sizes(self) -> dict[str, int]:
        return {split: len(self.assignments[split]) for split in SPLITS}


def _cut(n: int, ratios: Ratios) -> tuple[int, int, int]:
    """Largest-remainder rounding of n into three parts."""
    shares = [n * ratios.train, n * ratios.valid, n * ratios.test]
    parts = [math.floor(s) for s in shares]
    left = n - sum(parts)
    order = sorted(range(3), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts[0], parts[1], parts[2]


def _stratified_sizes(
    group_sizes: dict[str, int], ratios: Ratios, rng: random.Random
) -> dict[str, tuple[int, int, int]]:
    """Per-class split sizes whose totals are exactly the overall largest-remainder cut.

    Each class first gets the floor of its shares; the units left over go to the (class, split)
    pairs with the largest remainders (ties broken at random, so no split is favoured) while
    that split still needs examples.
    """
    shares = (ratios.train, ratios.valid, ratios.test)
    need = list(_cut(sum(group_sizes.values()), ratios))
    parts: dict[str, list[int]] = {}
    left: dict[str, int] = {}
    candidates: list[tuple[float, float, str, int]] = []
    for key, n in group_sizes.items():
        exact = [n * share for share in shares]
        parts[key] = [math.floor(x) for x in exact]
        left[key] = n - sum(parts[key])
        for i in range(3):
            need[i] -= parts[key][i]
            if exact[i] > parts[key][i]:
                candidates.append((-(exact[i] - parts[key][i]), rng.random(), key, i))
    for _, _, key, i in sorted(candidates):
        if left[key] > 0 and need[i] > 0:
            parts[key][i] += 1
            left[key] -= 1
            need[i] -= 1
    for key in sorted(group_sizes):  # leftovers no remainder placed: wherever still needed
        for i in range(3):
            take = min(left[key], need[i])
            parts[key][i] += take
            left[key] -= take
            need[i] -= take
    return {key: (p[0], p[1], p[2]) for key, p in parts.items()}


def _label_key(label: str | None) -> str:
    return NO_LABEL if label is None else label


def _over_sample(items: list[int], target: int, rng: random.Random) -> list[int]:
    if not items:
        return []
    out: list[int] = []
    while len(out) + len(items) <= target:
        out.extend(items)
    out.extend(rng.sample(items, target - len(out)))
    return out


def plan_split(
    labels: Sequence[str | None],
    *,
    ratios: Ratios,
    seed: int = DEFAULT_SEED,
    stratify: bool = False,
    balance: str = "none",
) -> SplitPlan:
    """Assign each example (by index into ``labels``) to train / valid / test."""
    ratios.validate()
    if balance not in BALANCE_MODES:
        raise UserError(f"balance must be one of {', '.join(BALANCE_MODES)} (got {balance!r})")
    if balance != "none" and not stratify:
        raise UserError("class balancing needs a stratified split of a classification dataset")
    n = len(labels)
    if n == 0:
        raise UserError("there are no examples to split")
    rng = random.Random(seed)
    groups: dict[str, list[int]] = {}
    if stratify:
        for index, label in enumerate(labels):
            groups.setdefault(_label_key(label), []).append(index)
    else:
        groups[ALL] = list(range(n))
    per_split: dict[str, dict[str, list[int]]] = {split: {} for split in SPLITS}
    keys = sorted(groups)
    for key in keys:
        rng.shuffle(groups[key])
    sizes = _stratified_sizes({key: len(groups[key]) for key in keys}, ratios, rng)
    for key in keys:
        members = groups[key]
        n_train, n_valid, _ = sizes[key]
        per_split["train"][key] = members[:n_train]
        per_split["valid"][key] = members[n_train : n_train + n_valid]
        per_split["test"][key] = members[n_train + n_valid :]
    dropped = added = 0
    notes: list[str] = []
    train = per_split["train"]
    if balance != "none":
        class_sizes = [len(v) for v in train.values() if v]
        if balance == "under":
            target = min(class_sizes)
            for key in sorted(train):
                dropped += max(0, len(train[key]) - target)
                train[key] = train[key][:target]
        else:
            target = max(class_sizes)
            for key in sorted(train):
                before = len(train[key])
                train[key] = _over_sample(train[key], target, rng)
                added += len(train[key]) - before
        notes.append(f"train balanced by {balance}-sampling to {target} examples per class")
    assignments: dict[str, list[int]] = {}
    counts: dict[str, dict[str, int]] = {}
    for split in SPLITS:
        merged = [index for key in sorted(per_split[split]) for index in per_split[split][key]]
        rng.shuffle(merged)
        assignments[split] = merged
        counter = Counter({key: len(v) for key, v in per_split[split].items()})
        counts[split] = {
            key: counter[key] for key in sorted(counter, key=lambda k: (-counter[k], k))
        }
    for split in ("valid", "test"):
        share = getattr(ratios, split)
        if share > 0 and not assignments[split]:
            notes.append(f"the {split} split is empty: too few examples for a {share:g} share")
    return SplitPlan(
        assignments=assignments,
        counts=counts,
        stratified=stratify,
        balance=balance,
        seed=seed,
        ratios=ratios,
        n_source=n,
        dropped=dropped,
        added=added,
        notes=notes,
    )


def counts_rows(counts: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    """Per-class counts as table rows (label, train, valid, test, total), largest first."""
    labels: dict[str, int] = {}
    for split in SPLITS:
        for label, n in counts.get(split, {}).items():
            labels[label] = labels.get(label, 0) + n
    rows: list[dict[str, Any]] = []
    for label in sorted(labels, key=lambda k: (-labels[k], k)):
        row: dict[str, Any] = {"label": label}
        row.update({split: counts.get(split, {}).get(label, 0) for split in SPLITS})
        row["total"] = labels[label]
        rows.append(row)
    if len(rows) > 1:
        total: dict[str, Any] = {"label": "all labels"}
        total.update({split: sum(counts.get(split, {}).values()) for split in SPLITS})
        total["total"] = sum(labels.values())
        rows.append(total)
    return rows
