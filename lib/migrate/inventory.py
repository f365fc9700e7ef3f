"""Inventory: every fine-tuned model an account owns, with what made it and when it goes away.

Read through the provider's client (the ``openai`` SDK, or an adapter with the same surface):
``models.list`` for the models, ``fine_tuning.jobs.list`` for the jobs that made them (the
job's ``fine_tuned_model``), following OpenAI's API reference for Models and Fine-tuning
(platform.openai.com/docs/api-reference/models, …/fine-tuning, read 2026-11). The shutdown
date follows the one rule in :func:`lib.providers.service.shutdown_of`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from lib.core.tokens import base_model, is_fine_tuned
from lib.providers.service import ProviderConfig, shutdown_of


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """One fine-tuned model as the inventory lists it (plain values: JSON as is)."""

    id: str
    provider: str
    base_model: str
    shutdown_date: str | None  # YYYY-MM-DD
    shutdown_source: str  # "provider", "table" or "" (unknown)
    days_left: int | None  # from today; negative once it has shut down
    job: str | None
    job_status: str | None
    training_file: str | None
    validation_file: str | None
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    trained_tokens: int | None = None
    created_at: str | None = None  # ISO time, UTC
    suffix: str | None = None
    at_provider: bool = True  # False: the provider no longer lists it (known from our records)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _extra(obj: Any) -> Mapping[str, Any]:
    return getattr(obj, "model_extra", None) or {}


def _iso(stamp: Any) -> str | None:
    if stamp in (None, ""):
        return None
    try:
        return datetime.fromtimestamp(float(stamp), tz=UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError):
        return str(stamp)


def _dump(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if hasattr(value, "model_dump"):
        value = value.model_dump(exclude_none=True)
    return {str(k): v for k, v in dict(value).items() if v is not None}


def hyperparameters_of(job: Any) -> dict[str, Any]:
    """The job's hyperparameters: the method's (newer jobs) over the top-level ones (older)."""
    found = _dump(getattr(job, "hyperparameters", None))
    method = getattr(job, "method", None)
    kind = getattr(method, "type", None) if method is not None else None
    inner = getattr(method, str(kind), None) if kind else None
    if inner is not None:
        found.update(_dump(getattr(inner, "hyperparameters", None)))
    return found


def build_inventory(
    config: ProviderConfig,
    models: Iterable[Any],
    jobs: Iterable[Any],
    *,
    today: date,
) -> list[ModelRecord]:
    """The fine-tuned models among ``models``, each joined with the job that made it.

    Sorted by shutdown date (soonest first; unknown dates last), then by id.
    """
    models = list(models)
    by_model: dict[str, Any] = {}
    for job in jobs:  # newest first at OpenAI: keep the first (latest) job per model
        made = getattr(job, "fine_tuned_model", None)
        if made and made not in by_model:
            by_model[str(made)] = job
    base_dates = {
        str(m.id): getattr(m, "shutdown_date", None) or _extra(m).get("shutdown_date")
        for m in models
    }
    records: list[ModelRecord] = []
    for model in models:
        model_id = str(model.id)
        extra = _extra(model)
        job = by_model.get(model_id)
        tuned = is_fine_tuned(model_id) or bool(extra.get("fine_tuned")) or job is not None
        if not tuned or extra.get("checkpoint"):
            continue
        base = str(
            (getattr(job, "model", None) if job is not None else None)
            or extra.get("base_model")
            or base_model(model_id)
        )
        own = getattr(model, "shutdown_date", None) or extra.get("shutdown_date")
        when, source = shutdown_of(config, model_id, own=own, base=base_dates.get(base))
        records.append(
            ModelRecord(
                id=model_id,
                provider=config.name,
                base_model=base,
                shutdown_date=when.isoformat() if when else None,
                shutdown_source=source,
                days_left=(when - today).days if when else None,
                job=str(job.id) if job is not None else extra.get("fine_tuning_job"),
                job_status=str(job.status) if job is not None else None,
                training_file=getattr(job, "training_file", None) if job is not None else None,
                validation_file=getattr(job, "validation_file", None) if job is not None else None,
                hyperparameters=hyperparameters_of(job) if job is not None else {},
                trained_tokens=getattr(job, "trained_tokens", None) if job is not None else None,
                created_at=_iso(getattr(model, "created", None)),
                suffix=getattr(job, "user_provided_suffix", None) if job is not None else None,
            )
        )  # fmt: skip
    return sort_records(records)


def sort_records(records: list[ModelRecord]) -> list[ModelRecord]:
    """Soonest shutdown first; unknown dates last; then by id."""
    return sorted(records, key=lambda r: (r.shutdown_date is None, r.shutdown_date or "", r.id))


def gone_record(
    config: ProviderConfig,
    model_id: str,
    *,
    job: str | None,
    files: Mapping[str, str | None],
    today: date,
) -> ModelRecord:
    """A model the provider no longer lists but this store pulled or recorded: still movable
    (its data and recording are here), its dates from our table."""
    when, source = shutdown_of(config, model_id)
    return ModelRecord(
        id=model_id, provider=config.name, base_model=base_model(model_id),
        shutdown_date=when.isoformat() if when else None, shutdown_source=source,
        days_left=(when - today).days if when else None, job=job, job_status=None,
        training_file=files.get("training"), validation_file=files.get("validation"),
        at_provider=False,
    )  # fmt: skip
