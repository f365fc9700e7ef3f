"""Per-class precision, recall and F1 with bootstrap intervals, and the one bootstrap setting.

The Results screen and the HTML report must show the same interval for the same run, so both
take ``N_RESAMPLES`` and ``SEED`` from here (they used 500 and 300 draws and disagreed).

The per-class bootstrap resamples examples with replacement (percentile interval, as
``metrics.bootstrap_ci``) and recomputes every class's counts from one set of draws, vectorised
with numpy and drawn in blocks (``metrics.bootstrap_draws``, ``metrics.class_score_rows``: the
accuracy intervals' code), so 1,000 draws over 10,000 examples never hold 80 MB at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lib.evaluate.metrics import Interval, bootstrap_draws, class_score_rows

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
    k = len(labels)
    index = {label: i for i, label in enumerate(labels)}
    g = np.fromiter((index.get(x, k) for x in gold), dtype=np.int64, count=len(gold))
    p = np.fromiter((index.get(x, k + 1) for x in pred), dtype=np.int64, count=len(pred))
    width = k + 2
    precision, recall, f1 = (row[0] for row in class_score_rows(g[None, :], p[None, :], k, width))
    support = [int((g == c).sum()) for c in range(k)]
    if len(g):
        # Block by block, as the accuracy intervals: the same draws as one
        # ``default_rng(seed).integers(0, n, (n_resamples, n))`` without holding them all.
        parts = [
            class_score_rows(g[d], p[d], k, width)
            for d in bootstrap_draws(len(g), n_resamples, seed)
        ]
        bp, br, bf = (np.concatenate([part[i] for part in parts]) for i in range(3))
    alpha = (1 - confidence) / 2

    def interval(value: float, column: np.ndarray | None) -> Interval:
        if column is None:
            return Interval(value, value, value)
        low, high = np.quantile(column, [alpha, 1 - alpha])
        return Interval(float(value), float(low), float(high))

    out: dict[str, ClassIntervals] = {}
    for c, label in enumerate(labels):
        out[label] = ClassIntervals(
            label=label,
            support=support[c],
            precision=interval(precision[c], bp[:, c] if len(g) else None),
            recall=interval(recall[c], br[:, c] if len(g) else None),
            f1=interval(f1[c], bf[:, c] if len(g) else None),
        )
    return out
