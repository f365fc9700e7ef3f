"""Fine-tuning: the use cases of Fine-tune and Jobs & models.

Launching, cancelling, pausing and resuming a job spend (or stop spending) money, so they need
the trainer role; deleting a fine-tuned model at its provider cannot be undone and needs the
admin role. Reading jobs, their events and metrics, and the checks and estimate before a
launch are reads (refreshing a job stores what its provider says, which changes nothing the
provider does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from lib.core.activity import log_activity
from lib.core.identity import Actor, Role, require, require_read
from lib.providers.service import ProviderConfig, get_provider
from lib.train import models, repo, watch
from lib.train.launch import launch
from lib.train.models import FineTunedModel
from lib.train.readiness import Readiness, readiness
from lib.train.repo import JobRow, UploadRow
from lib.train.request import LaunchRequest, LaunchResult, launch_key
from lib.train.watch import JobDetail

__all__ = [
    "FineTunedModel",
    "JobDetail",
    "JobLineage",
    "JobRow",
    "LaunchPlan",
    "LaunchRequest",
    "LaunchResult",
    "Readiness",
    "UploadRow",
    "cancel_or_pause",
    "check_before_launch",
    "delete_model",
    "job_list",
    "jobs_that_made",
    "job_lineage",
    "launch_job",
    "launch_plan",
    "model_list",
    "refresh_job",
    "refresh_open_jobs",
    "trained_models",
]


@dataclass(frozen=True, slots=True)
class LaunchPlan:
    """The idempotency key a launch of these settings uses, and the job it would repeat.

    ``existing`` is the job already made with exactly these settings (attempt 1), if any;
    ``again_key`` launches another one with the same settings (the next free attempt).
    """

    key: str
    again_key: str
    existing: JobRow | None


@dataclass(frozen=True, slots=True)
class JobLineage:
    """Where a job came from and what was made with its model."""

    uploads: list[UploadRow]
    runs: list[Any]  # runner RunInfo: evaluations and synthetic runs with the model


# --- reads ---------------------------------------------------------------------------------


def job_list(engine: Engine, *, provider: str | None = None, actor: Actor | None) -> list[JobRow]:
    """Jobs across providers (or of one), newest first."""
    require_read(actor, action="see the jobs")
    with engine.connect() as conn:
        return repo.list_jobs(conn, provider=provider)


def trained_models(engine: Engine, provider: str, *, actor: Actor | None) -> list[str]:
    """Models that jobs in this store produced at ``provider``."""
    return [
        j.fine_tuned_model
        for j in job_list(engine, provider=provider, actor=actor)
        if j.fine_tuned_model
    ]


def jobs_that_made(engine: Engine, model: str) -> list[JobRow]:
    """The jobs in this store that produced ``model`` (for other features: lineage, costs)."""
    with engine.connect() as conn:
        return [j for j in repo.jobs_for_model(conn, model) if j.fine_tuned_model == model]


def refresh_open_jobs(
    engine: Engine, *, secrets: Mapping[str, Any] | None, actor: Actor | None
) -> list[JobDetail]:
    """Ask the providers about every job that has not finished and store what changed."""
    require_read(actor, action="see the jobs")
    return watch.refresh_open_jobs(engine, secrets=secrets)


def refresh_job(
    engine: Engine, job_id: int, *, secrets: Mapping[str, Any] | None, actor: Actor | None
) -> JobDetail:
    """One job as its provider sees it now: status, events, checkpoints, metrics."""
    require_read(actor, action="see a job")
    return watch.refresh_job(engine, job_id, secrets=secrets)


def job_lineage(engine: Engine, job: JobRow, *, actor: Actor | None) -> JobLineage:
    require_read(actor, action="see a job")
    with engine.connect() as conn:
        uploads = [
            repo.get_upload(conn, job.train_upload_id),
            repo.get_upload(conn, job.valid_upload_id),
        ]
    runs = models.runs_with_model(engine, job.fine_tuned_model) if job.fine_tuned_model else []
    return JobLineage(uploads=[u for u in uploads if u is not None], runs=runs)


def model_list(
    engine: Engine, provider: str, *, secrets: Mapping[str, Any] | None, actor: Actor | None
) -> list[FineTunedModel]:
    """A provider's fine-tuned models, newest first, each with the job that made it."""
    require_read(actor, action="see the fine-tuned models")
    return models.fine_tuned_models(engine, provider, secrets=secrets)


def check_before_launch(
    engine: Engine,
    snapshot_id: int,
    config: ProviderConfig,
    *,
    model: str,
    epochs: int | str,
    use_valid: bool,
    actor: Actor | None,
) -> Readiness:
    """The format checks on the splits to upload, and the cost and time estimate."""
    require_read(actor, action="check a launch")
    return readiness(engine, snapshot_id, config, model=model, epochs=epochs, use_valid=use_valid)


def launch_plan(engine: Engine, request: LaunchRequest, *, actor: Actor | None) -> LaunchPlan:
    """The key these settings launch under, and the job they would repeat (if any)."""
    require_read(actor, action="check a launch")
    with engine.connect() as conn:
        existing = repo.find_job_by_key(conn, launch_key(engine, request))
        attempt = 1
        while repo.find_job_by_key(conn, launch_key(engine, request, attempt=attempt)) is not None:
            attempt += 1
    return LaunchPlan(
        key=launch_key(engine, request),
        again_key=launch_key(engine, request, attempt=attempt),
        existing=existing,
    )


# --- changes -------------------------------------------------------------------------------


def launch_job(
    engine: Engine,
    request: LaunchRequest,
    *,
    key: str,
    secrets: Mapping[str, Any] | None,
    override_warnings: bool = False,
    ready: Readiness | None = None,
    actor: Actor | None,
) -> LaunchResult:
    """Upload the files and create the job, exactly once per ``key`` (trainer)."""
    who = require(actor, Role.TRAINER, action="launch a fine-tuning job")
    return launch(
        engine,
        request,
        key=key,
        author=who.label,
        secrets=secrets,
        override_warnings=override_warnings,
        ready=ready,
    )


def cancel_or_pause(
    engine: Engine,
    job_id: int,
    action: str,
    *,
    secrets: Mapping[str, Any] | None,
    actor: Actor | None,
) -> JobRow:
    """Cancel, pause or resume a job where its provider supports that (trainer)."""
    require(actor, Role.TRAINER, action=f"{action} a fine-tuning job")
    return watch.job_action(engine, job_id, action, secrets=secrets)


def delete_model(
    engine: Engine,
    provider: str,
    model: str,
    *,
    secrets: Mapping[str, Any] | None,
    actor: Actor | None,
) -> str:
    """Delete a fine-tuned model at its provider (admin: it cannot be undone)."""
    who = require(actor, Role.ADMIN, action="delete a fine-tuned model")
    get_provider(engine, provider)
    deleted = models.delete_model(engine, provider, model, secrets=secrets)
    with engine.begin() as conn:
        log_activity(
            conn, person=who.label, action="deleted model", detail=f"{model} on {provider}"
        )
    return deleted
