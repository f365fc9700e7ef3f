"""Metrics against scikit-learn on fixed predictions, and hand-checked statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as sk

from lib.core.stats import wilson_interval
from lib.evaluate import metrics
from lib.evaluate.metrics import INVALID

GOLD = ["1", "2", "3", "4", "5", "5", "4", "4", "3", "1", "2", "5", "5", "4", "1", "3"]
PRED = ["1", "2", "4", "4", "5", "4", "4", "5", "3", "2", "2", "5", "x", "4", "1", "??"]
LABELS = ["1", "2", "3", "4", "5"]


def test_report_matches_scikit_learn() -> None:
    report = metrics.classification_report(GOLD, PRED, labels=LABELS)
    bucketed = metrics.bucket(PRED, LABELS)
    assert report.accuracy == pytest.approx(sk.accuracy_score(GOLD, bucketed))
    p, r, f, s = sk.precision_recall_fscore_support(GOLD, bucketed, labels=LABELS, zero_division=0)
    for i, label in enumerate(LABELS):
        scores = report.per_class[label]
        assert (scores.precision, scores.recall, scores.f1, scores.support) == pytest.approx(
            (p[i], r[i], f[i], s[i])
        )
    for avg in ("macro", "weighted"):
        p, r, f, _ = sk.precision_recall_fscore_support(
            GOLD, bucketed, labels=LABELS, average=avg, zero_division=0
        )
        mine = getattr(report, avg)
        assert (mine.precision, mine.recall, mine.f1) == pytest.approx((p, r, f))
    expected = sk.confusion_matrix(GOLD, bucketed, labels=[*LABELS, INVALID])
    assert report.confusion == expected.tolist()
    assert report.confusion_labels == [*LABELS, INVALID]


def test_invalid_answers_are_counted_never_dropped() -> None:
    report = metrics.classification_report(GOLD, PRED, labels=LABELS)
    assert report.invalid == 2
    assert report.n == len(GOLD)
    assert sum(map(sum, report.confusion)) == len(GOLD)
    # the two invalid answers sit in the invalid column of their gold rows (5 and 3)
    column = report.confusion_labels.index(INVALID)
    assert report.confusion[LABELS.index("5")][column] == 1
    assert report.confusion[LABELS.index("3")][column] == 1
    clean = metrics.classification_report(["a", "b"], ["a", "b"])
    assert INVALID not in clean.confusion_labels


def test_as_json_shape() -> None:
    shape = metrics.classification_report(["a", "b", "b"], ["a", "b", "zz"]).as_json()
    assert set(shape) == {"n", "accuracy", "invalid", "per_class", "confusion"}
    assert set(shape["per_class"]["a"]) == {"precision", "recall", "f1", "support"}
    assert shape["confusion"] == {
        "labels": ["a", "b", INVALID],
        "matrix": [[1, 0, 0], [0, 1, 1], [0, 0, 0]],
    }


@pytest.mark.parametrize(
    ("raw", "stops", "expected"),
    [
        (" 4", (), "4"),
        ("Positive\n", (), "positive"),
        (" 4 END", (" END",), "4"),
        (" neg\n\nmore", ("\n",), "neg"),
        (None, (), ""),
    ],
)
def test_normalise_label(raw: str | None, stops: tuple[str, ...], expected: str) -> None:
    assert metrics.normalise_label(raw, stops=stops) == expected


def test_mcnemar_exact_on_a_known_table() -> None:
    # b = 1 (A right, B wrong), c = 9: two-sided exact binomial p = 2 * P(X <= 1 | n=10, 0.5) = 22/1024
    a = [True] * 1 + [False] * 9 + [True] * 20
    b = [False] * 1 + [True] * 9 + [True] * 20
    result = metrics.mcnemar(a, b)
    assert (result.b, result.c, result.exact) == (1, 9, True)
    assert result.p_value == pytest.approx(22 / 1024)


def test_mcnemar_chi_squared_for_many_discordant_pairs() -> None:
    # b = 10, c = 30: (|10-30| - 1)^2 / 40 = 9.025, p = 0.002663
    a = [True] * 10 + [False] * 30
    b = [False] * 10 + [True] * 30
    result = metrics.mcnemar(a, b)
    assert not result.exact
    assert result.statistic == pytest.approx(9.025)
    assert result.p_value == pytest.approx(0.0026628, rel=1e-3)
    assert metrics.mcnemar([True, False], [True, False]).p_value == 1.0


def test_expected_calibration_error_by_hand() -> None:
    # bins of width 0.5: [0.2, 0.4] → mean 0.3, accuracy 0.5; [0.6, 0.8, 1.0] → mean 0.8, accuracy 2/3
    cal = metrics.calibration([0.2, 0.4, 0.6, 0.8, 1.0], [True, False, True, True, False], n_bins=2)
    assert [b.count for b in cal.bins] == [2, 3]
    assert cal.bins[0].confidence == pytest.approx(0.3)
    assert cal.bins[1].accuracy == pytest.approx(2 / 3)
    assert cal.ece == pytest.approx(2 / 5 * 0.2 + 3 / 5 * abs(2 / 3 - 0.8))


def test_coverage_curve() -> None:
    points = metrics.coverage_curve(
        [0.9, 0.8, 0.3, 0.1], [True, True, False, True], thresholds=[0.0, 0.5, 0.95]
    )
    assert [(p.coverage, p.accuracy) for p in points] == [(1.0, 0.75), (0.5, 1.0), (0.0, 0.0)]


def test_bootstrap_interval_is_seeded_and_contains_the_value() -> None:
    one = metrics.bootstrap_ci(GOLD, PRED, metrics.accuracy_of, seed=3)
    two = metrics.bootstrap_ci(GOLD, PRED, metrics.accuracy_of, seed=3)
    assert one == two
    assert one.low <= one.estimate <= one.high
    assert one.estimate == pytest.approx(np.mean(np.array(GOLD) == np.array(PRED)))


def test_ordinal_metrics_like_the_book() -> None:
    gold = ["5", "4", "1", "2", "3"]
    pred = ["4", "4", "2", "5", "oops"]
    o = metrics.ordinal_metrics(gold, pred, threshold=3)
    assert o.exact == pytest.approx(1 / 5)
    assert o.binary == pytest.approx(
        3 / 5
    )  # 5/4 both >3, 4/4, 1/2 both ≤3; 2/5 differ; invalid wrong
    assert o.off_by_one == pytest.approx(3 / 5)
    assert o.invalid == 1
    assert metrics.is_ordinal(["1", "2", "3"]) and not metrics.is_ordinal(["a", "b", "c"])


def test_suspicious_ranking() -> None:
    found = metrics.suspicious(
        ["a", "b", "a", "a"],
        ["b", "b", "b", INVALID],
        [0.99, 0.9, 0.85, 0.99],
        [0.01, 0.9, 0.1, 0.0],
    )
    assert [s.index for s in found] == [0, 2]
    assert found[0].score == pytest.approx(0.98)


def test_wilson_interval() -> None:
    interval = wilson_interval(8, 10)
    assert interval.estimate == 0.8
    assert interval.low == pytest.approx(0.4902, abs=1e-3)
    assert interval.high == pytest.approx(0.9433, abs=1e-3)


def test_generation_scores() -> None:
    assert metrics.exact_match("Take two pills.", " take two  pills. ") == 1.0
    assert metrics.token_f1("take two pills daily", "take two pills") == pytest.approx(
        2 * 1 * 0.75 / 1.75
    )
    assert metrics.chrf("same text", "same text") == pytest.approx(1.0)
    assert metrics.chrf("abc", "xyz") == 0.0
    scores = metrics.generation_scores(["a b", "c"], ["a b", "d"])
    assert scores.exact_match == 0.5 and math.isclose(scores.token_f1, 0.5)


def test_vectorised_macro_f1_equals_the_report() -> None:
    statistic = metrics.macro_f1_of(LABELS)
    expected = metrics.classification_report(GOLD, PRED, labels=LABELS).macro.f1
    assert statistic(np.array(GOLD, dtype=object), np.array(PRED, dtype=object)) == pytest.approx(
        expected
    )
    assert expected == pytest.approx(
        sk.f1_score(
            GOLD, metrics.bucket(PRED, LABELS), labels=LABELS, average="macro", zero_division=0
        )
    )


@pytest.mark.parametrize("n", [0, 1, 7, 250])
def test_one_pass_bootstrap_gives_the_same_intervals_as_bootstrap_ci(n: int) -> None:
    """The Results screen's accuracy and macro-F1 intervals: the same numbers as the generic
    bootstrap with the same seed, including answers that are no label and golds never seen."""
    rng = np.random.default_rng(n)
    labels = ["1", "2", "3", "4", "5"]
    gold = [str(x) for x in rng.choice(labels + ["6"], n)]  # "6": a gold the labels omit
    pred = [str(x) for x in rng.choice(labels + [INVALID, "6"], n)]
    both = metrics.bootstrap_accuracy_macro_f1(gold, pred, labels, seed=5, n_resamples=300)
    acc = metrics.bootstrap_ci(gold, pred, metrics.accuracy_of, seed=5, n_resamples=300)
    f1 = metrics.bootstrap_ci(gold, pred, metrics.macro_f1_of(labels), seed=5, n_resamples=300)
    for got, want in ((both.accuracy, acc), (both.macro_f1, f1)):
        assert got.estimate == pytest.approx(want.estimate)
        assert got.low == pytest.approx(want.low)
        assert got.high == pytest.approx(want.high)
    if n:
        assert both.accuracy.estimate == pytest.approx(np.mean(np.array(gold) == np.array(pred)))


def test_one_pass_bootstrap_in_blocks_equals_one_block(monkeypatch: pytest.MonkeyPatch) -> None:
    gold = ["a", "b", "c"] * 40
    pred = ["a", "c", "c", "b"] * 30
    whole = metrics.bootstrap_accuracy_macro_f1(gold, pred, ["a", "b", "c"], n_resamples=200)
    right_a = [g == q for g, q in zip(gold, pred, strict=True)]
    right_b = [g == "a" for g in gold]
    paired = metrics.paired_difference_ci(right_a, right_b, n_resamples=200)
    monkeypatch.setattr(metrics, "BOOTSTRAP_CHUNK", 7 * len(gold))  # blocks of 7 resamples
    blocks = metrics.bootstrap_accuracy_macro_f1(gold, pred, ["a", "b", "c"], n_resamples=200)
    assert blocks == whole
    assert metrics.paired_difference_ci(right_a, right_b, n_resamples=200) == paired
    # … and both equal the draws taken all at once.
    a, b = np.asarray(right_a, dtype=float), np.asarray(right_b, dtype=float)
    idx = np.random.default_rng(0).integers(0, len(a), (200, len(a)))
    low, high = np.quantile(b[idx].mean(axis=1) - a[idx].mean(axis=1), [0.025, 0.975])
    assert (paired.low, paired.high) == (low, high)


def test_mcnemar_p_values_equal_scipys() -> None:
    from scipy import stats

    for b in range(0, 40):
        for c in range(0, 40):
            if b + c == 0:
                continue
            result = metrics.mcnemar([True] * b + [False] * c, [False] * b + [True] * c)
            if b + c < 25:
                want = stats.binomtest(min(b, c), b + c, 0.5).pvalue
            else:
                want = stats.chi2.sf((abs(b - c) - 1) ** 2 / (b + c), 1)
            assert result.p_value == pytest.approx(min(1.0, want), rel=1e-9, abs=1e-15), (b, c)
