"""Listing a provider's models for pickers: fine-tunable first, with shutdown dates, and a
connection test that answers in one sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from lib.core.errors import UserError
from lib.core.tokens import base_model, is_fine_tuned
from lib.providers.clients import capabilities, client_for
from lib.providers.config import (
    ADAPTER_KINDS,
    OPENAI_NO_NEW_JOBS,
    OPENAI_SHUTDOWN,
    OPENAI_TUNABLE_BASES,
    ConnectionResult,
    ModelInfo,
    ProviderConfig,
)
from lib.providers.errors import provider_errors

if TYPE_CHECKING:
    import openai

# ---------------------------------------------------------------------------- models


def wind_down_note(config: ProviderConfig, model_id: str, *, today: date | None = None) -> str:
    """A short note for OpenAI models that the self-serve fine-tuning wind-down affects."""
    if config.kind != "openai":
        return ""
    if base_model(model_id) not in OPENAI_TUNABLE_BASES and not is_fine_tuned(model_id):
        return ""
    today = today or date.today()
    if today >= OPENAI_SHUTDOWN:
        return f"shut down {OPENAI_SHUTDOWN:%Y-%m-%d} (OpenAI fine-tuning wind-down)"
    if today >= OPENAI_NO_NEW_JOBS:
        return f"no new jobs; shuts down {OPENAI_SHUTDOWN:%Y-%m-%d}"
    return f"no new jobs from {OPENAI_NO_NEW_JOBS:%Y-%m-%d}; shuts down {OPENAI_SHUTDOWN:%Y-%m-%d}"


def as_date(value: Any) -> date | None:
    """A provider's shutdown date as a date: ``YYYY-MM-DD``, an ISO time, or Unix seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC).date()
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def shutdown_of(
    config: ProviderConfig, model_id: str, *, own: Any = None, base: Any = None
) -> tuple[date | None, str]:
    """When ``model_id`` goes away, and who says so: ``(date, "provider" | "table" | "")``.

    The one rule: the date the provider gives for the model itself (OpenAI's ``Model`` may
    carry ``shutdown_date``), else the date it gives for the model's base (OpenAI: "fine-tuned
    versions follow the same schedule"), else our dated table (:data:`OPENAI_SHUTDOWN` for
    OpenAI's tunable bases and every ``ft:`` model at OpenAI), else unknown.
    """
    for given in (own, base):
        found = as_date(given)
        if found is not None:
            return found, "provider"
    if config.kind == "openai" and (
        is_fine_tuned(model_id) or base_model(model_id) in OPENAI_TUNABLE_BASES
    ):
        return OPENAI_SHUTDOWN, "table"
    return None, ""


def _flags(config: ProviderConfig, model: Any) -> tuple[bool, bool]:
    """(fine-tunable, fine-tuned): adapters say so per model; OpenAI-wire ids say ``ft:``."""
    extra = getattr(model, "model_extra", None) or {}
    if config.kind in ADAPTER_KINDS:
        return bool(extra.get("fine_tunable")), bool(extra.get("fine_tuned"))
    return _is_tunable(config, model), is_fine_tuned(str(model.id))


def _is_tunable(config: ProviderConfig, model: Any) -> bool:
    model_id = str(model.id)
    if is_fine_tuned(model_id):
        return False
    if config.kind == "engine":
        return True
    if config.kind == "openai":
        return model_id in OPENAI_TUNABLE_BASES
    if config.kind == "azure":
        extra = getattr(model, "model_extra", None) or {}
        caps = extra.get("capabilities") or {}
        return bool(caps.get("fine_tune")) if isinstance(caps, Mapping) else False
    return config.can_train


def _sort_key(info: ModelInfo) -> tuple[int, int, str]:
    """Fine-tunable bases first (newest first), then fine-tuned models, then the rest."""
    rank = 0 if info.fine_tunable else 1 if info.fine_tuned else 2
    return rank, -(info.created or 0), info.id


def list_models(
    config: ProviderConfig,
    *,
    secrets: Mapping[str, Any] | None = None,
    client: openai.OpenAI | None = None,
    today: date | None = None,
) -> list[ModelInfo]:
    """The provider's models: fine-tunable bases first, then fine-tuned ones, then the rest.

    Azure deployments configured for the provider are added (they are what chat calls use).
    """
    client = client or client_for(config, secrets=secrets)
    with provider_errors(config, "list its models", secrets=secrets):
        models = list(client.models.list())
    seen: set[str] = set()
    infos: list[ModelInfo] = []
    for model in models:
        model_id = str(model.id)
        if model_id in seen:
            continue
        seen.add(model_id)
        tunable, tuned = _flags(config, model)
        infos.append(
            ModelInfo(
                id=model_id,
                owned_by=str(getattr(model, "owned_by", "") or ""),
                created=getattr(model, "created", None),
                shutdown_date=getattr(model, "shutdown_date", None),
                fine_tunable=tunable,
                fine_tuned=tuned,
                note=wind_down_note(config, model_id, today=today),
            )
        )
    for deployment in config.deployments:
        if deployment not in seen:
            infos.append(ModelInfo(id=deployment, owned_by="deployment", note="deployment"))
    return sorted(infos, key=_sort_key)


def test_connection(
    config: ProviderConfig, *, secrets: Mapping[str, Any] | None = None, timeout: float = 15.0
) -> ConnectionResult:
    """Try the provider once (list its models) and say in one sentence how it went."""
    try:
        client = client_for(config, secrets=secrets, timeout=timeout, max_retries=0)
        models = list_models(config, secrets=secrets, client=client)
    except UserError as exc:
        return ConnectionResult(ok=False, message=str(exc))
    tunable = sum(1 for m in models if m.fine_tunable)
    tuned = sum(1 for m in models if m.fine_tuned)
    caps = capabilities(config)
    trains = (
        f"{tunable} can be fine-tuned, {tuned} are fine-tuned"
        if caps.can_train
        else "this provider is not set up for fine-tuning"
    )
    return ConnectionResult(
        ok=True,
        message=f"Connected to {config.name}: {len(models)} models available ({trains}).",
    )


# pytest would otherwise collect the function wherever a test module imports it.
test_connection.__test__ = False  # type: ignore[attr-defined]
