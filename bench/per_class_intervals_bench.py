"""Per-class precision/recall/F1 intervals: one vectorised bootstrap vs a bootstrap per class
and metric through ``metrics.bootstrap_ci`` (what the Results screen would otherwise do).

Prints both times and the ratio; run: ``python bench/per_class_intervals_bench.py``.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.evaluate.intervals import N_RESAMPLES, per_class_intervals  # noqa: E402
from lib.evaluate.metrics import bootstrap_ci, classification_report  # noqa: E402

LABELS = ["1", "2", "3", "4", "5"]


def data(n: int) -> tuple[list[str], list[str]]:
    rng = random.Random(7)
    gold = [rng.choice(LABELS) for _ in range(n)]
    pred = [g if rng.random() < 0.65 else rng.choice(LABELS) for g in gold]
    return gold, pred


def naive(gold: list[str], pred: list[str]) -> None:
    for label in LABELS:
        for attr in ("precision", "recall", "f1"):

            def statistic(g, p, label=label, attr=attr):  # noqa: ANN001, ANN202
                report = classification_report(list(g), list(p), labels=LABELS)
                return getattr(report.per_class[label], attr)

            bootstrap_ci(gold, pred, statistic, n_resamples=N_RESAMPLES)


def main() -> None:
    for n in (200, 1000):
        gold, pred = data(n)
        start = time.perf_counter()
        per_class_intervals(gold, pred, LABELS)
        fast = time.perf_counter() - start
        start = time.perf_counter()
        naive(gold, pred)
        slow = time.perf_counter() - start
        print(
            f"n={n:>5} · {N_RESAMPLES} draws · {len(LABELS)} classes: vectorised {fast:.3f} s, "
            f"per class and metric {slow:.2f} s, ratio {slow / fast:.0f}×"
        )


if __name__ == "__main__":
    main()
