"""A comparison of candidates with a recorded reference model, as the screen, the report and
the command line read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lib.evaluate import service as evaluate


@dataclass(frozen=True, slots=True)
class Comparison:
    """Candidates against the recorded reference: the data and each candidate's agreement."""

    run_id: int
    reference: str
    data: evaluate.EvalData
    agreements: dict[str, evaluate.Agreement]

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "reference": self.reference,
            "n": len(self.data.examples),
            "candidates": {
                m: {
                    **a.as_json(),
                    "per_class": a.per_class,
                    "accuracy": a.accuracy,
                    "reference_accuracy": a.reference_accuracy,
                    "mcnemar_p": None if a.mcnemar is None else a.mcnemar.p_value,
                    "disagreements": len(a.disagreements),
                    "match": a.is_match,
                }
                for m, a in self.agreements.items()
            },
        }
