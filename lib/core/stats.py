"""Statistics reviewers rely on: Wilson intervals for error rates, Cohen's kappa for agreement.

Written out here (not imported from scipy/sklearn) because they are a few lines, and the tests
check them against scikit-learn and published values.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

Z_95 = 1.959963984540054  # two-sided 95 % normal quantile


@dataclass(frozen=True, slots=True)
class Interval:
    """A point estimate and its interval (Wilson, bootstrap, paired bootstrap)."""

    estimate: float
    low: float
    high: float


def wilson_interval(k: float, n: int, *, z: float = Z_95) -> Interval:
    """The Wilson score interval for k successes in n trials.

    Chosen over the normal approximation because it stays inside [0, 1] and behaves well for
    0 of n and small samples, which is exactly what a short review sample gives. The one copy:
    review's error-rate estimate and evaluation's blind A/B win rates both call it. ``k`` may be
    fractional (a tie counts half a win).
    """
    if n <= 0:
        raise ValueError("a Wilson interval needs at least one trial")
    if not 0 <= k <= n:
        raise ValueError(f"successes must be between 0 and {n}, got {k}")
    p = k / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(estimate=p, low=max(0.0, centre - half), high=min(1.0, centre + half))


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float:
    """Cohen's kappa of two raters over the same items (unweighted), as scikit-learn computes it.

    Returns NaN when chance agreement is 1 (both raters used one and the same label throughout),
    which is where scikit-learn's ``cohen_kappa_score`` is undefined too.
    """
    if len(a) != len(b):
        raise ValueError("both raters must label the same items")
    n = len(a)
    if n == 0:
        return math.nan
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    if expected == 1:
        return math.nan
    return (observed - expected) / (1 - expected)
