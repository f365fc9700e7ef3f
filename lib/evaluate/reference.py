"""An evaluation with a *reference model*: how closely each candidate answers like it.

When a fine-tuned model is about to be shut down, its recorded answers become the reference a
replacement is judged by: agreement with those answers (overall and per reference label),
Cohen's kappa (:func:`lib.core.stats.cohen_kappa`, the one kappa), accuracy against gold where
the test set has gold, McNemar's test of candidate against reference on correctness, and the
examples where they disagree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from lib.core.errors import UserError
from lib.core.stats import cohen_kappa
from lib.evaluate import metrics
from lib.evaluate.results import EvalData, Prediction

# A candidate is called a match when its kappa with the reference is "almost perfect"
# (above 0.8 on Landis & Koch's scale) and, where there is gold, it is not significantly less
# accurate than the reference (McNemar at the 5 % level).
MATCH_KAPPA = 0.8
MATCH_ALPHA = 0.05
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Disagreement:
    example: str
    gold: str
    reference: str
    candidate: str


@dataclass(frozen=True, slots=True)
class Agreement:
    """One candidate against the reference, on the examples both answered."""

    model: str
    reference: str
    n: int
    agreement: float  # share of examples whose normalised answer equals the reference's
    kappa: float  # NaN when undefined (both answered one and the same label throughout)
    per_class: dict[str, float]  # reference's label → share the candidate answered alike
    accuracy: float | None  # against gold (None without gold)
    reference_accuracy: float | None
    mcnemar: metrics.McNemar | None  # candidate vs reference on correctness (None without gold)
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def is_match(self) -> bool:
        if math.isnan(self.kappa) and self.agreement < 1.0:
            return False
        if not math.isnan(self.kappa) and self.kappa < MATCH_KAPPA:
            return False
        if self.mcnemar is None or self.accuracy is None or self.reference_accuracy is None:
            return True
        worse = self.accuracy < self.reference_accuracy
        return not (worse and self.mcnemar.p_value < MATCH_ALPHA)

    def as_json(self) -> dict[str, object]:
        return {
            "agreement": self.agreement,
            "agreement_kappa": None if math.isnan(self.kappa) else self.kappa,
        }


def answer(prediction: Prediction, *, classification: bool) -> str:
    """The normalised answer compared: the label (classification) or the output with its
    white space collapsed (free text)."""
    if classification:
        return prediction.label
    return _SPACE.sub(" ", prediction.output).strip()


def _has_gold(data: EvalData) -> bool:
    return any(p.gold for p in data.by_model[data.models[0]]) if data.models else False


def agreement(data: EvalData, reference: str) -> dict[str, Agreement]:
    """Every other candidate of ``data`` against ``reference`` (which must be one of them)."""
    if reference not in data.models:
        raise UserError(
            f"the reference {reference!r} is not one of the candidates ({', '.join(data.models)})"
        )
    classification = data.task == "classification"
    ref = data.by_model[reference]
    ref_answers = [answer(p, classification=classification) for p in ref]
    gold = _has_gold(data)
    out: dict[str, Agreement] = {}
    for model in data.models:
        if model == reference:
            continue
        cand = data.by_model[model]
        answers = [answer(p, classification=classification) for p in cand]
        n = len(answers)
        same = [a == r for a, r in zip(answers, ref_answers, strict=True)]
        per_class: dict[str, float] = {}
        for label in sorted(set(ref_answers)) if classification else []:
            rows = [s for s, r in zip(same, ref_answers, strict=True) if r == label]
            per_class[label] = sum(rows) / len(rows)
        out[model] = Agreement(
            model=model,
            reference=reference,
            n=n,
            agreement=sum(same) / n if n else math.nan,
            kappa=cohen_kappa(answers, ref_answers),
            per_class=per_class,
            accuracy=sum(p.correct for p in cand) / n if gold and n else None,
            reference_accuracy=sum(p.correct for p in ref) / n if gold and n else None,
            mcnemar=metrics.mcnemar([p.correct for p in ref], [p.correct for p in cand])
            if gold
            else None,
            disagreements=[
                Disagreement(example=c.example, gold=c.gold_text, reference=r.output, candidate=c.output)
                for c, r, s in zip(cand, ref, same, strict=True)
                if not s
            ],
        )  # fmt: skip
    return out
