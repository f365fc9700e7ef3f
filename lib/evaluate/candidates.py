"""Measured comparison of a stored run's candidates (reads the store; no Streamlit).

Joins what :mod:`lib.evaluate.compare` computes with what the store knows: the one price table
and, for a fine-tuned candidate Tunelab launched, its job's trained tokens.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from lib.core.pricing import PriceTable, get_price_table
from lib.evaluate import metrics
from lib.evaluate.compare import CandidateCost, candidate_costs
from lib.evaluate.results import EvalData, confidences


def trained_tokens_lookup(engine: Engine):  # noqa: ANN201 - Callable[[str], int | None]
    """``model → trained tokens`` of the Tunelab job that produced it (None if none did)."""

    def lookup(model: str) -> int | None:
        try:
            from lib.train.repo import jobs_for_model
        except ImportError:  # pragma: no cover - training feature absent
            return None
        with engine.connect() as conn:
            jobs = [j for j in jobs_for_model(conn, model) if j.fine_tuned_model == model]
        return next((j.trained_tokens for j in reversed(jobs) if j.trained_tokens), None)

    return lookup


def measured_costs(
    engine: Engine, data: EvalData, *, table: PriceTable | None = None
) -> dict[str, CandidateCost]:
    """Every candidate's measured accuracy, tokens and cost (training cost when known)."""
    if table is None:
        with engine.connect() as conn:
            table = get_price_table(conn)
    return candidate_costs(data, table=table, trained_tokens=trained_tokens_lookup(engine))


def calibration_or_none(data: EvalData, model: str) -> metrics.Calibration | None:
    """Reliability of a candidate's confidences, or None when it never answered with a label
    (an ECE over answers that are all wrong and unsure reads "calibrated" and says nothing)."""
    if all(p.label == metrics.INVALID for p in data.by_model[model]):
        return None
    conf, correct = confidences(data, model)
    return metrics.calibration(conf, correct) if conf else None
