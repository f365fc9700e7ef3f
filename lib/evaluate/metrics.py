"""Classification and generation metrics for evaluation runs (pure functions, no I/O).

Why our own code and not scikit-learn at run time: predictions that are not a known label must
stay visible in their own "invalid" bucket (never dropped), and the confusion matrix, per-class
report and confidence intervals must agree with each other. The tests check every number
against scikit-learn on fixed predictions.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from lib.core.stats import Interval

INVALID = "(invalid)"


# ----------------------------------------------------------------------------- labels


def normalise_label(text: str | None, *, stops: Sequence[str] = ()) -> str:
    """A label as compared: cut at the first stop sequence, whitespace stripped, casefolded.

    ``" Positive\\n"`` and ``"positive"`` are the same label; ``" 4 END"`` with stop ``" END"``
    is ``"4"``.
    """
    value = text or ""
    for stop in stops:
        if stop and stop in value:
            value = value[: value.index(stop)]
    return value.strip().casefold()


def bucket(predictions: Sequence[str], labels: Sequence[str]) -> list[str]:
    """Predictions with every unknown label replaced by :data:`INVALID` (same length)."""
    known = set(labels)
    return [p if p in known else INVALID for p in predictions]


# ----------------------------------------------------------------------------- report


@dataclass(frozen=True, slots=True)
class ClassScores:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class Report:
    """One model's classification report over ``labels`` (gold labels, normalised)."""

    n: int
    accuracy: float
    invalid: int
    labels: list[str]
    per_class: dict[str, ClassScores]
    macro: ClassScores
    weighted: ClassScores
    confusion_labels: list[str]  # labels, plus INVALID when any prediction was invalid
    confusion: list[list[int]]  # rows = gold, columns = predicted

    def as_json(self) -> dict[str, object]:
        """The shape ``python -m lib evaluate --json`` prints for one model."""
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "invalid": self.invalid,
            "per_class": {
                label: {
                    "precision": s.precision,
                    "recall": s.recall,
                    "f1": s.f1,
                    "support": s.support,
                }
                for label, s in self.per_class.items()
            },
            "confusion": {"labels": self.confusion_labels, "matrix": self.confusion},
        }


def _safe_div(num: float, den: float) -> float:
    return num / den if den else 0.0


def confusion_matrix(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for g, p in zip(gold, pred, strict=True):
        matrix[index[g], index[p]] += 1
    return matrix


def classification_report(
    gold: Sequence[str], pred: Sequence[str], *, labels: Sequence[str] | None = None
) -> Report:
    """Accuracy, per-class P/R/F1/support, macro and weighted averages, confusion matrix.

    ``gold`` and ``pred`` are normalised labels; ``labels`` defaults to the sorted gold labels.
    A prediction outside ``labels`` counts as :data:`INVALID`: wrong for accuracy and recall,
    and a column of its own in the confusion matrix. Zero divisions give 0 (scikit-learn's
    ``zero_division=0``).
    """
    if len(gold) != len(pred):
        raise ValueError("gold and predictions differ in length")
    known = list(labels) if labels is not None else sorted(set(gold))
    missing = set(gold) - set(known)
    if missing:
        known = known + sorted(missing)
    preds = bucket(pred, known)
    n_invalid = sum(p == INVALID for p in preds)
    columns = known + ([INVALID] if n_invalid else [])
    matrix = confusion_matrix(gold, preds, columns)
    per_class: dict[str, ClassScores] = {}
    for i, label in enumerate(known):
        tp = int(matrix[i, i])
        support = int(matrix[i].sum())
        predicted = int(matrix[:, i].sum())
        precision, recall = _safe_div(tp, predicted), _safe_div(tp, support)
        f1 = _safe_div(2 * precision * recall, precision + recall)
        per_class[label] = ClassScores(precision, recall, f1, support)
    n = len(gold)
    scores = list(per_class.values())
    k = len(scores) or 1
    macro = ClassScores(
        sum(s.precision for s in scores) / k,
        sum(s.recall for s in scores) / k,
        sum(s.f1 for s in scores) / k,
        n,
    )
    weighted = ClassScores(
        _safe_div(sum(s.precision * s.support for s in scores), n),
        _safe_div(sum(s.recall * s.support for s in scores), n),
        _safe_div(sum(s.f1 * s.support for s in scores), n),
        n,
    )
    correct = sum(g == p for g, p in zip(gold, preds, strict=True))
    return Report(
        n=n,
        accuracy=_safe_div(correct, n),
        invalid=n_invalid,
        labels=known,
        per_class=per_class,
        macro=macro,
        weighted=weighted,
        confusion_labels=columns,
        confusion=matrix.tolist(),
    )


# ----------------------------------------------------------------------------- uncertainty


def bootstrap_ci(
    gold: Sequence[str],
    pred: Sequence[str],
    statistic: Callable[[np.ndarray, np.ndarray], float],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap interval of ``statistic(gold, pred)`` (seeded, repeatable)."""
    g, p = np.asarray(gold, dtype=object), np.asarray(pred, dtype=object)
    value = statistic(g, p)
    if len(g) == 0:
        return Interval(value, value, value)
    rng = np.random.default_rng(seed)
    draws = [statistic(g[idx], p[idx]) for idx in rng.integers(0, len(g), (n_resamples, len(g)))]
    alpha = (1 - confidence) / 2
    return Interval(value, float(np.quantile(draws, alpha)), float(np.quantile(draws, 1 - alpha)))


def accuracy_of(gold: np.ndarray, pred: np.ndarray) -> float:
    return float(np.mean(gold == pred)) if len(gold) else 0.0


def macro_f1_of(labels: Sequence[str]) -> Callable[[np.ndarray, np.ndarray], float]:
    """A macro-F1 statistic over fixed ``labels`` (for :func:`bootstrap_ci`), vectorised:
    the same number as ``classification_report(...).macro.f1``."""
    index = {label: i for i, label in enumerate(labels)}
    k = len(labels)

    def statistic(gold: np.ndarray, pred: np.ndarray) -> float:
        if k == 0 or len(gold) == 0:
            return 0.0
        g = np.fromiter((index.get(x, k) for x in gold), dtype=int, count=len(gold))
        p = np.fromiter((index.get(x, k) for x in pred), dtype=int, count=len(pred))
        tp = np.bincount(g[g == p], minlength=k + 1)[:k].astype(float)
        support = np.bincount(g, minlength=k + 1)[:k]
        predicted = np.bincount(p, minlength=k + 1)[:k]
        precision = np.divide(tp, predicted, out=np.zeros(k), where=predicted > 0)
        recall = np.divide(tp, support, out=np.zeros(k), where=support > 0)
        total = precision + recall
        f1 = np.divide(2 * precision * recall, total, out=np.zeros(k), where=total > 0)
        return float(f1.mean())

    return statistic


@dataclass(frozen=True, slots=True)
class AccuracyF1Intervals:
    accuracy: Interval
    macro_f1: Interval


BOOTSTRAP_CHUNK = 1_000_000  # drawn indices per block of resamples (8 MB of int64)


@dataclass(frozen=True, slots=True)
class BootstrapScores:
    """Scores of predictions against gold labels on the examples and on each resample.

    ``precision``, ``recall``, ``f1``: one value per label on the examples; ``accuracies``
    and ``precisions``, ``recalls``, ``f1s`` (resamples × labels): the same on each resample,
    None when there are no examples. Accuracy and macro-F1 intervals and the per-class
    intervals are read from one object, so the Results screen draws and counts once."""

    n: int
    support: np.ndarray  # gold examples of each label
    accuracy: float
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    accuracies: np.ndarray | None
    precisions: np.ndarray | None
    recalls: np.ndarray | None
    f1s: np.ndarray | None


def bootstrap_scores(
    gold: Sequence[str],
    pred: Sequence[str],
    labels: Sequence[str],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> BootstrapScores:
    """Accuracy and each label's precision/recall/F1, on the examples and on ``n_resamples``
    seeded resamples (the draws of ``bootstrap_ci`` with the same seed).

    The labels are turned into integer codes once (values that are no label get codes of their
    own, ≥ k: wrong for every label, right for accuracy only when equal) and every block of
    resamples is counted with one ``bincount`` (:func:`class_score_rows`)."""
    k = len(labels)
    codes = {label: i for i, label in enumerate(labels)}
    for value in (*gold, *pred):
        codes.setdefault(value, len(codes))
    g = np.fromiter((codes[x] for x in gold), dtype=np.int64, count=len(gold))
    p = np.fromiter((codes[x] for x in pred), dtype=np.int64, count=len(pred))
    n, width = len(g), len(codes)
    precision, recall, f1 = (row[0] for row in class_score_rows(g[None, :], p[None, :], k, width))
    accuracy = float((g == p).mean()) if n else 0.0
    support = np.bincount(g, minlength=width)[:k]
    if n == 0:
        return BootstrapScores(0, support, accuracy, precision, recall, f1, None, None, None, None)
    accs, parts = [], []
    for d in bootstrap_draws(n, n_resamples, seed):
        gd, pd_ = g[d], p[d]
        accs.append((gd == pd_).mean(axis=1))
        parts.append(class_score_rows(gd, pd_, k, width))
    ps, rs, fs = (np.concatenate([part[i] for part in parts]) for i in range(3))
    accuracies = np.concatenate(accs)
    return BootstrapScores(n, support, accuracy, precision, recall, f1, accuracies, ps, rs, fs)


def accuracy_macro_f1_intervals(
    scores: BootstrapScores, *, confidence: float = 0.95
) -> AccuracyF1Intervals:
    """Accuracy and macro-F1 with percentile intervals, from :func:`bootstrap_scores`."""
    k = scores.f1.shape[0]
    macro = float(scores.f1.mean()) if k else 0.0
    if scores.accuracies is None or scores.f1s is None:
        return AccuracyF1Intervals(_point(scores.accuracy), _point(macro))
    f1s = scores.f1s.mean(axis=1) if k else np.zeros(len(scores.accuracies))
    alpha = (1 - confidence) / 2
    return AccuracyF1Intervals(
        Interval(scores.accuracy, *map(float, np.quantile(scores.accuracies, [alpha, 1 - alpha]))),
        Interval(macro, *map(float, np.quantile(f1s, [alpha, 1 - alpha]))),
    )


def bootstrap_accuracy_macro_f1(
    gold: Sequence[str],
    pred: Sequence[str],
    labels: Sequence[str],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> AccuracyF1Intervals:
    """Accuracy and macro-F1 over ``labels`` with percentile bootstrap intervals.

    The same numbers as ``bootstrap_ci(gold, pred, accuracy_of)`` and
    ``bootstrap_ci(gold, pred, macro_f1_of(labels))`` with the same seed (the same draws), but
    counted a block of resamples at a time (:func:`bootstrap_scores`): at 10,000 examples the
    per-draw Python loop over labels took about 5 s per model on the Results screen, this
    takes a few hundredths.
    """
    scores = bootstrap_scores(gold, pred, labels, n_resamples=n_resamples, seed=seed)
    return accuracy_macro_f1_intervals(scores, confidence=confidence)


def _point(value: float) -> Interval:
    return Interval(float(value), float(value), float(value))


def bootstrap_draws(n: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """The resamples' indices, ``BOOTSTRAP_CHUNK`` at a time: the same numbers as one
    ``default_rng(seed).integers(0, n, (n_resamples, n))`` (numpy draws 64-bit integers one
    after the other), without holding all of them (160 MB for 2,000 × 10,000)."""
    rng = np.random.default_rng(seed)
    rows = max(1, BOOTSTRAP_CHUNK // n)
    for start in range(0, n_resamples, rows):
        yield rng.integers(0, n, (min(rows, n_resamples - start), n))


def class_score_rows(
    g: np.ndarray, p: np.ndarray, k: int, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Precision, recall and F1 of classes ``0 … k-1`` for each row (``g``, ``p``: resamples ×
    examples, integer codes below ``width``; codes ≥ k are no class). One ``bincount`` per
    count over the whole block, with each row's codes shifted into a range of its own."""
    r = g.shape[0]
    hit = g == p
    offset = (np.arange(r) * width)[:, None]
    size = r * width
    shifted = g + offset
    tp = np.bincount(shifted[hit], minlength=size).reshape(r, width)[:, :k].astype(float)
    support = np.bincount(shifted.ravel(), minlength=size).reshape(r, width)[:, :k]
    predicted = np.bincount((p + offset).ravel(), minlength=size).reshape(r, width)[:, :k]
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(tp), where=total > 0)
    return precision, recall, f1


def paired_difference_ci(
    correct_a: Sequence[bool],
    correct_b: Sequence[bool],
    *,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Bootstrap interval of accuracy(b) − accuracy(a) on the same examples (paired)."""
    a, b = np.asarray(correct_a, dtype=float), np.asarray(correct_b, dtype=float)
    if len(a) != len(b):
        raise ValueError("the two models were scored on different examples")
    value = float(b.mean() - a.mean()) if len(a) else 0.0
    if len(a) == 0:
        return Interval(value, value, value)
    diffs = np.concatenate(
        [
            b[idx].mean(axis=1) - a[idx].mean(axis=1)
            for idx in bootstrap_draws(len(a), n_resamples, seed)
        ]
    )
    alpha = (1 - confidence) / 2
    return Interval(value, float(np.quantile(diffs, alpha)), float(np.quantile(diffs, 1 - alpha)))


@dataclass(frozen=True, slots=True)
class McNemar:
    """b = A right, B wrong; c = A wrong, B right. ``exact`` when b + c < 25."""

    b: int
    c: int
    statistic: float
    p_value: float
    exact: bool


def mcnemar(
    correct_a: Sequence[bool], correct_b: Sequence[bool], *, exact_below: int = 25
) -> McNemar:
    """McNemar's test on paired correctness: exact binomial for few discordant pairs, else χ²
    with continuity correction."""
    if len(correct_a) != len(correct_b):
        raise ValueError("the two models were scored on different examples")
    b = sum(1 for x, y in zip(correct_a, correct_b, strict=True) if x and not y)
    c = sum(1 for x, y in zip(correct_a, correct_b, strict=True) if y and not x)
    if b + c == 0:
        return McNemar(b, c, 0.0, 1.0, True)
    if b + c < exact_below:
        return McNemar(b, c, float(min(b, c)), _binomial_two_sided(min(b, c), b + c), True)
    statistic = (abs(b - c) - 1) ** 2 / (b + c)
    # χ² with one degree of freedom: P(X > x) = erfc(√(x/2)).
    return McNemar(b, c, float(statistic), math.erfc(math.sqrt(statistic / 2)), False)


def _binomial_two_sided(k: int, n: int) -> float:
    """Two-sided exact binomial p-value of ``k`` successes in ``n`` at p = ½ (what
    ``scipy.stats.binomtest(k, n, 0.5).pvalue`` gives: the distribution is symmetric, so twice
    the tail, at most 1). Written out so that the app does not import scipy.stats (half a
    second on the first evaluation screen) for two lines of arithmetic."""
    tail = sum(math.comb(n, i) for i in range(min(k, n - k) + 1))
    return min(1.0, 2 * tail / 2**n)


# ----------------------------------------------------------------------------- ordinal labels


def as_number(label: str) -> float | None:
    try:
        return float(label)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class Ordinal:
    threshold: float
    exact: float
    binary: float  # gold and prediction on the same side of (≤ threshold | > threshold)
    off_by_one: float  # |gold − prediction| ≤ 1
    n: int
    invalid: int


def ordinal_metrics(gold: Sequence[str], pred: Sequence[str], *, threshold: float) -> Ordinal:
    """Relaxed metrics for numeric labels (stars); an invalid prediction is wrong everywhere."""
    n = len(gold)
    exact = binary = near = invalid = 0
    for g, p in zip(gold, pred, strict=True):
        gv, pv = as_number(g), as_number(p)
        if gv is None:
            raise ValueError(f"gold label {g!r} is not a number: ordinal metrics need numbers")
        if pv is None:
            invalid += 1
            continue
        exact += gv == pv
        binary += (gv <= threshold) == (pv <= threshold)
        near += abs(gv - pv) <= 1
    return Ordinal(
        threshold, _safe_div(exact, n), _safe_div(binary, n), _safe_div(near, n), n, invalid
    )


def is_ordinal(labels: Sequence[str]) -> bool:
    """All labels are numbers (e.g. 1–5 stars) and there are at least three."""
    return len(labels) >= 3 and all(as_number(label) is not None for label in labels)


# ----------------------------------------------------------------------------- confidence


@dataclass(frozen=True, slots=True)
class Bin:
    low: float
    high: float
    count: int
    confidence: float  # mean confidence in the bin
    accuracy: float


@dataclass(frozen=True, slots=True)
class Calibration:
    bins: list[Bin]
    ece: float  # Σ (count/n) · |accuracy − confidence|


def calibration(
    confidences: Sequence[float], correct: Sequence[bool], *, n_bins: int = 10
) -> Calibration:
    """Reliability bins of equal width on [0, 1] and the expected calibration error.

    A confidence of exactly 1.0 falls in the last bin; bin ``i`` holds ``i/n ≤ c < (i+1)/n``.
    """
    conf = np.clip(np.asarray(confidences, dtype=float), 0.0, 1.0)
    right = np.asarray(correct, dtype=float)
    n = len(conf)
    bins: list[Bin] = []
    ece = 0.0
    index = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    for i in range(n_bins):
        mask = index == i
        count = int(mask.sum())
        if count:
            c, a = float(conf[mask].mean()), float(right[mask].mean())
            ece += count / n * abs(a - c)
        else:
            c = a = 0.0
        bins.append(Bin(i / n_bins, (i + 1) / n_bins, count, c, a))
    return Calibration(bins, float(ece))


@dataclass(frozen=True, slots=True)
class CoveragePoint:
    threshold: float
    coverage: float  # share of examples with confidence ≥ threshold
    accuracy: float  # accuracy on those examples
    n: int


def coverage_curve(
    confidences: Sequence[float],
    correct: Sequence[bool],
    *,
    thresholds: Sequence[float] | None = None,
) -> list[CoveragePoint]:
    """Answer only when confident: how many examples remain and how accurate they are."""
    conf = np.asarray(confidences, dtype=float)
    right = np.asarray(correct, dtype=bool)
    steps = thresholds if thresholds is not None else [i / 20 for i in range(21)]
    points = []
    for t in steps:
        mask = conf >= t
        kept = int(mask.sum())
        points.append(
            CoveragePoint(
                float(t),
                _safe_div(kept, len(conf)),
                float(right[mask].mean()) if kept else 0.0,
                kept,
            )
        )
    return points


@dataclass(frozen=True, slots=True)
class Suspicious:
    index: int
    gold: str
    predicted: str
    p_predicted: float
    p_gold: float
    score: float  # p_predicted − p_gold: high = the model is sure the gold label is wrong


def suspicious(
    gold: Sequence[str],
    pred: Sequence[str],
    p_pred: Sequence[float],
    p_gold: Sequence[float],
    *,
    min_confidence: float = 0.8,
) -> list[Suspicious]:
    """Examples a model confidently gets "wrong", most suspicious first (confident learning:
    low self-confidence in the gold label while sure of another one — often a label error)."""
    found = [
        Suspicious(i, g, p, float(pp), float(pg), float(pp) - float(pg))
        for i, (g, p, pp, pg) in enumerate(zip(gold, pred, p_pred, p_gold, strict=True))
        if g != p and p != INVALID and pp >= min_confidence
    ]
    return sorted(found, key=lambda s: (-s.score, s.index))


# ----------------------------------------------------------------------------- generation

_WORD = re.compile(r"\w+", re.UNICODE)


def exact_match(reference: str, output: str) -> float:
    """1.0 when equal after whitespace and case normalisation."""
    return float(" ".join(reference.split()).casefold() == " ".join(output.split()).casefold())


def token_f1(reference: str, output: str) -> float:
    """SQuAD-style F1 over lower-cased word tokens (bag of words overlap)."""
    ref, out = _WORD.findall(reference.casefold()), _WORD.findall(output.casefold())
    if not ref and not out:
        return 1.0
    common = sum((Counter(ref) & Counter(out)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(out), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def chrf(reference: str, output: str, *, max_n: int = 6, beta: float = 2.0) -> float:
    """chrF (Popović 2015): character n-gram F-score, n = 1..6, β = 2, whitespace removed;
    0–1 (sacreBLEU reports the same number ×100, up to its tie-breaking details)."""
    ref, out = "".join(reference.split()), "".join(output.split())
    precisions, recalls = [], []
    for n in range(1, max_n + 1):
        ref_grams = Counter(ref[i : i + n] for i in range(len(ref) - n + 1))
        out_grams = Counter(out[i : i + n] for i in range(len(out) - n + 1))
        if not ref_grams or not out_grams:
            continue
        common = sum((ref_grams & out_grams).values())
        precisions.append(common / sum(out_grams.values()))
        recalls.append(common / sum(ref_grams.values()))
    if not precisions:
        return float(ref == out)
    p, r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    if p + r == 0:
        return 0.0
    return (1 + beta**2) * p * r / (beta**2 * p + r)


@dataclass(frozen=True, slots=True)
class GenerationScores:
    n: int
    exact_match: float
    token_f1: float
    chrf: float
    per_example: list[dict[str, float]] = field(default_factory=list)


def generation_scores(references: Sequence[str], outputs: Sequence[str]) -> GenerationScores:
    """Mean exact match, token F1 and chrF against reference completions."""
    rows = [
        {"exact_match": exact_match(r, o), "token_f1": token_f1(r, o), "chrf": chrf(r, o)}
        for r, o in zip(references, outputs, strict=True)
    ]
    n = len(rows)

    def mean(key: str) -> float:
        return _safe_div(sum(row[key] for row in rows), n)

    return GenerationScores(n, mean("exact_match"), mean("token_f1"), mean("chrf"), rows)
