"""Wilson intervals against published values; Cohen's kappa against scikit-learn."""

from __future__ import annotations

import math
import random

import pytest
from sklearn.metrics import cohen_kappa_score

from lib.core.stats import cohen_kappa, wilson_interval


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (50, 100, 0.4038, 0.5962),
        (10, 10, 0.7225, 1.0),
        (1, 20, 0.0089, 0.2361),
    ],
)
def test_wilson_interval_matches_published_values(k, n, low, high):
    interval = wilson_interval(k, n)
    assert interval.estimate == pytest.approx(k / n)
    assert interval.low == pytest.approx(low, abs=1e-4)
    assert interval.high == pytest.approx(high, abs=1e-4)


def test_wilson_interval_refuses_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(0, 0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


LABEL_SETS = [
    (["a", "b", "a", "a", "b"], ["a", "b", "b", "a", "b"]),
    (["cat", "dog", "cat", "fish", "dog", "fish"], ["cat", "dog", "dog", "fish", "cat", "fish"]),
    (["x"] * 5 + ["y"] * 5, ["y"] * 5 + ["x"] * 5),  # perfect disagreement
    ([" 1", " 2", " 3", " 4", " 5"], [" 1", " 2", " 3", " 4", " 5"]),  # perfect agreement
    (["a", "a", "a", "b"], ["a", "a", "a", "a"]),  # one rater uses one label only
]


@pytest.mark.parametrize(("a", "b"), LABEL_SETS)
def test_kappa_equals_scikit_learn(a, b):
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_kappa_equals_scikit_learn_on_random_labels():
    rng = random.Random(3)
    for _ in range(20):
        n = rng.randint(2, 60)
        labels = rng.sample(["p", "n", "u", "q"], rng.randint(2, 4))
        a = [rng.choice(labels) for _ in range(n)]
        b = [x if rng.random() < 0.6 else rng.choice(labels) for x in a]
        expected = cohen_kappa_score(a, b)
        got = cohen_kappa(a, b)
        assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_kappa_is_undefined_when_both_use_one_label():
    assert math.isnan(cohen_kappa(["a", "a"], ["a", "a"]))
