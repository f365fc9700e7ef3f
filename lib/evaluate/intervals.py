"""Per-class precision, recall and F1 with bootstrap intervals, and the one bootstrap setting.

The Results screen and the HTML report must show the same interval for the same run, so both
take ``N_RESAMPLES`` and ``SEED`` from here (they used 500 and 300 draws and disagreed).

The per-class bootstrap resamples examples with replacement (percentile interval, as
``metrics.bootstrap_ci``) and recomputes every class's counts from one set of draws, vectorised
with numpy and drawn in blocks (``metrics.bootstrap_scores``: the draws and counts the accuracy
and macro-F1 intervals come from), so 1,000 draws over 10,000 examples never hold 80 MB at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lib.evaluate.metrics import BootstrapScores, Interval, bootstrap_scores

N_RESAMPLES = 1000
SEED = 0
CONFIDENCE = 0.95


@dataclass(frozen=True, slots=True)
class ClassIntervals:
    """One class's scores with their 95% intervals; ``support``: gold examples of the class."""

    label: str
    support: int
    precision: Interval
    recall: Interval
    f1: Interval


def per_class_intervals(
    gold: Sequence[str],
    pred: Sequence[str],
    labels: Sequence[str],
    *,
    n_resamples: int = N_RESAMPLES,
    seed: int = SEED,
    confidence: float = CONFIDENCE,
) -> dict[str, ClassIntervals]:
    """Each label's precision/recall/F1 (the same numbers as ``classification_report``) with
    percentile bootstrap intervals; an invalid prediction counts against recall only."""
    scores = bootstrap_scores(gold, pred, labels, n_resamples=n_resamples, seed=seed)
    return class_intervals_of(scores, labels, confidence=confidence)


def class_intervals_of(
    scores: BootstrapScores, labels: Sequence[str], *, confidence: float = CONFIDENCE
) -> dict[str, ClassIntervals]:
    """The per-class intervals of :func:`per_class_intervals` from scores already drawn (the
    draws the accuracy and macro-F1 intervals come from, see ``results.bootstrap``)."""
    alpha = (1 - confidence) / 2
    support = scores.support

    def interval(value: float, draws: np.ndarray | None, c: int) -> Interval:
        if draws is None:
            return Interval(value, value, value)
        low, high = np.quantile(draws[:, c], [alpha, 1 - alpha])
        return Interval(float(value), float(low), float(high))

    return {
        label: ClassIntervals(
            label=label,
            support=int(support[c]),
            precision=interval(scores.precision[c], scores.precisions, c),
            recall=interval(scores.recall[c], scores.recalls, c),
            f1=interval(scores.f1[c], scores.f1s, c),
        )
        for c, label in enumerate(labels)
    }
