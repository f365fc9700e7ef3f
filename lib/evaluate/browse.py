"""Which examples the token-probability browser lists: filters over a run's predictions.

Looking through examples one number at a time finds nothing; the interesting ones are those a
model got wrong, those the candidates disagree on, and those answered with low confidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.evaluate.results import EvalData

LOW_CONFIDENCE = 0.6


@dataclass(frozen=True, slots=True)
class Filters:
    wrong: bool = False  # some candidate's answer is not the gold label
    disagree: bool = False  # the candidates give different labels
    low_confidence: bool = False  # some candidate is below ``threshold``
    threshold: float = LOW_CONFIDENCE


def matching(data: EvalData, filters: Filters) -> list[int]:
    """Indices (into ``data.examples``) of the examples every chosen filter keeps."""
    out = []
    for i in range(len(data.examples)):
        answers = [data.by_model[m][i] for m in data.models]
        if filters.wrong and all(p.correct for p in answers):
            continue
        if filters.disagree and len({p.label for p in answers}) < 2:
            continue
        if filters.low_confidence and not any(
            p.confidence is not None and p.confidence < filters.threshold for p in answers
        ):
            continue
        out.append(i)
    return out


def row(data: EvalData, i: int) -> dict[str, object]:
    """One line of the list: the example, its gold label and each candidate's answer."""
    key = data.examples[i]
    first = data.by_model[data.models[0]][i]
    line: dict[str, object] = {
        "#": i + 1,
        "prompt": data.prompts.get(key, "")[:200],
        "gold": first.gold,
    }
    for m in data.models:
        p = data.by_model[m][i]
        mark = "✓" if p.correct else "✗"
        confidence = "" if p.confidence is None else f" ({p.confidence:.2f})"
        line[m] = f"{mark} {p.label}{confidence}"
    return line
