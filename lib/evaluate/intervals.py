"""Per-class precision, recall and F1 with bootstrap intervals, and the one bootstrap setting.

The Results screen and the HTML report must show the same interval for the same run, so both
take ``N_RESAMPLES`` and ``SEED`` from here (they used 500 and 300 draws and disagreed).

The per-class bootstrap resamples examples with replacement (percentile interval, as
``metrics.bootstrap_ci``) and recomputes every class's counts from one set of draws, vectorised
with numpy: with 1,000 draws over a few thousand examples it takes well under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lib.evaluate.metrics import Interval

N_RESAMPLES = 1000
SEED = 0
CONFIDENCE = 0.95
CHUNK = 1_000_000  # indices per chunk of draws


@dataclass(frozen=True, slots=True)
class ClassIntervals:
    """One class's scores with their 95% intervals; ``support``: gold examples of the class."""

    label: str
    support: int
    precision: Interval
    recall: Interval
    f1: Interval


def _scores(g: np.ndarray, p: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 per class for rows of draws (``g``, ``p``: draws × n codes)."""
    hit = g == p
    tp = np.stack([((g == c) & hit).sum(axis=-1) for c in range(k)], axis=-1).astype(float)
    support = np.stack([(g == c).sum(axis=-1) for c in range(k)], axis=-1).astype(float)
    predicted = np.stack([(p == c).sum(axis=-1) for c in range(k)], axis=-1).astype(float)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(tp), where=total > 0)
    return precision, recall, f1


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
    g = np.fromiter((index.get(x, k) for x in gold), dtype=int, count=len(gold))
    p = np.fromiter((index.get(x, k + 1) for x in pred), dtype=int, count=len(pred))
    precision, recall, f1 = _scores(g, p, k)
    support = [int((g == c).sum()) for c in range(k)]
    if len(g):
        rng = np.random.default_rng(seed)
        draws = rng.integers(0, len(g), (n_resamples, len(g)))
        # In chunks of draws: a 1,000 × 10,000 index matrix per class would hold 80 MB.
        parts = [_scores(g[d], p[d], k) for d in np.array_split(draws, max(1, draws.size // CHUNK))]
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
