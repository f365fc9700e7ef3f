"""Measured comparison of a stored run's candidates (reads the store; no Streamlit).

Joins what :mod:`lib.evaluate.compare` computes with what the store knows: the one price table
and the trained tokens of a fine-tuned candidate's job — from the Tunelab job that launched it,
else from the provider's own job list (``fine_tuning.jobs.list``, whose jobs carry
``trained_tokens``; OpenAI API reference, "Fine-tuning → List fine-tuning jobs").
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Engine

from lib.core.pricing import PriceTable, get_price_table
from lib.evaluate import metrics
from lib.evaluate.compare import CandidateCost, candidate_costs
from lib.evaluate.results import EvalData, confidences

_PROVIDER_TOKENS: dict[tuple[str, str], int | None] = {}  # (server, model) → trained tokens
_LOCK = threading.Lock()
MAX_JOBS_LISTED = 1_000
LIST_TIMEOUT_S = 10.0


def _from_provider(client: Any, model: str) -> int | None:
    """Trained tokens of the provider's job that produced ``model`` (a finished job's number
    never changes, so it is remembered for the process)."""
    key = (str(getattr(client, "base_url", "")), model)
    with _LOCK:
        if key in _PROVIDER_TOKENS:
            return _PROVIDER_TOKENS[key]
    found: int | None = None
    try:
        jobs = client.with_options(timeout=LIST_TIMEOUT_S).fine_tuning.jobs.list(limit=100)
        for index, job in enumerate(jobs):
            if index >= MAX_JOBS_LISTED:
                break
            if job.fine_tuned_model == model:
                found = job.trained_tokens
                break
    except Exception:  # noqa: BLE001 - unreachable or no fine-tuning API: the cost is unknown
        found = None  # remembered too: a results screen must not wait on it at every rerun
    with _LOCK:
        _PROVIDER_TOKENS[key] = found
    return found


def _from_tunelab_jobs(engine: Engine, model: str) -> int | None:
    from lib.train.service import jobs_that_made

    jobs = jobs_that_made(engine, model)
    return next((j.trained_tokens for j in reversed(jobs) if j.trained_tokens), None)


def trained_tokens_lookup(
    engine: Engine, settings: Mapping[str, Any], *, secrets: Mapping[str, Any] | None = None
):  # noqa: ANN201 - Callable[[str], int | None]
    """``model → trained tokens``: the Tunelab job that produced it, else the provider's job."""

    def lookup(model: str) -> int | None:
        known = _from_tunelab_jobs(engine, model)
        if known:
            return known
        from lib.evaluate.runs import clients_for_run

        try:
            client_for, _free = clients_for_run(engine, settings, secrets=secrets)
            client = client_for(model)
        except Exception:  # noqa: BLE001 - a provider that is no longer configured
            return None
        return _from_provider(client, model)

    return lookup


def measured_costs(
    engine: Engine,
    data: EvalData,
    *,
    table: PriceTable | None = None,
    secrets: Mapping[str, Any] | None = None,
) -> dict[str, CandidateCost]:
    """Every candidate's measured accuracy, tokens and cost (training cost when known)."""
    if table is None:
        with engine.connect() as conn:
            table = get_price_table(conn)
    lookup = trained_tokens_lookup(engine, data.run.settings, secrets=secrets)
    return candidate_costs(data, table=table, trained_tokens=lookup)


def calibration_or_none(data: EvalData, model: str) -> metrics.Calibration | None:
    """Reliability of a candidate's confidences, or None when it never answered with a label
    (an ECE over answers that are all wrong and unsure reads "calibrated" and says nothing)."""
    if all(p.label == metrics.INVALID for p in data.by_model[model]):
        return None
    conf, correct = confidences(data, model)
    return metrics.calibration(conf, correct) if conf else None
