"""Fine-tuned models: listing them per provider with the jobs that made them, and deleting.

Deleting a model is irreversible on every provider, so the screen asks for confirmation and
this module refuses base models outright.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.tokens import is_fine_tuned
from lib.providers.service import (
    ADAPTER_KINDS,
    ModelInfo,
    capabilities,
    client_for,
    get_provider,
    list_models,
    provider_errors,
)
from lib.train.repo import JobRow, jobs_for_model


@dataclass(frozen=True, slots=True)
class FineTunedModel:
    provider: str
    model: ModelInfo
    job: JobRow | None  # the job in this store that produced it, when there is one


def fine_tuned_models(
    engine: Engine, provider: str, *, secrets: Mapping[str, Any] | None = None
) -> list[FineTunedModel]:
    """The provider's fine-tuned models, newest first, each with the job that made it."""
    config = get_provider(engine, provider)
    models = [m for m in list_models(config, secrets=secrets) if m.fine_tuned]
    models.sort(key=lambda m: (-(m.created or 0), m.id))
    out = []
    with engine.connect() as conn:
        for model in models:
            made = [j for j in jobs_for_model(conn, model.id) if j.fine_tuned_model == model.id]
            out.append(
                FineTunedModel(provider=provider, model=model, job=made[0] if made else None)
            )
    return out


def delete_model(
    engine: Engine, provider: str, model: str, *, secrets: Mapping[str, Any] | None = None
) -> str:
    """Delete a fine-tuned model at its provider; returns the sentence to show."""
    config = get_provider(engine, provider)
    if not capabilities(config).delete_models:
        raise UserError(f"{config.name} does not let Tunelab delete models")
    if config.kind not in ADAPTER_KINDS and not is_fine_tuned(model):  # adapters ask the provider
        raise UserError(
            f"{model!r} is not a fine-tuned model; only fine-tuned models can be deleted"
        )
    client = client_for(config, secrets=secrets)
    with provider_errors(config, f"delete the model {model}", secrets=secrets):
        result = client.models.delete(model)
    if not getattr(result, "deleted", False):
        raise UserError(f"{config.name} did not delete {model}; it may still be in use")
    return f"Deleted {model} from {config.name}."


def runs_with_model(engine: Engine, model: str) -> list[Any]:
    """Runs (evaluations, synthetic data) that used ``model``, newest first: its lineage."""
    from lib.runner.service import runs_with_model as find_runs

    with engine.connect() as conn:
        return list(find_runs(conn, model))
