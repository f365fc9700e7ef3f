"""Synthetic data: the use cases of the Synthetic data screen.

Starting, resuming and cancelling a run spend (or stop spending) money at a provider, and
making the new dataset from a run creates a dataset: these need the trainer role. Plans,
estimates, progress and previews are reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from lib.core.identity import Actor, Role, require, require_read
from lib.providers.service import ProviderConfig, price_table
from lib.runner import service as runner
from lib.synth import runs
from lib.synth.columns import column_values, value_fields
from lib.synth.estimate import Estimate, estimate
from lib.synth.plan import Plan, SynthSpec, make_plan
from lib.synth.runs import KIND, SynthResult

__all__ = [
    "ResumedSynthetic",
    "resume_and_wait",
    "KIND",
    "Estimate",
    "ExampleLine",
    "Plan",
    "SynthResult",
    "SynthRunStatus",
    "SynthSpec",
    "cancel_synthetic",
    "dataset_of_run",
    "field_names",
    "field_values",
    "finish_run",
    "make_plan",
    "new_examples",
    "plan_estimate",
    "resume_synthetic",
    "reused_answers",
    "start_synthetic",
    "synthetic_runs",
    "synthetic_status",
]


@dataclass(frozen=True, slots=True)
class SynthRunStatus:
    run: runner.RunInfo
    progress: runner.Progress
    live: bool  # a thread (here or in another process) is working on it
    dataset_id: int | None  # the dataset made from the run, once made


@dataclass(frozen=True, slots=True)
class ExampleLine:
    prompt: str
    completion: str
    status: str
    comment: str


# --- reads ---------------------------------------------------------------------------------


def plan_estimate(
    engine: Engine, plan: Plan, config: ProviderConfig, *, actor: Actor | None
) -> Estimate:
    """Requests, tokens and cost of a plan, with the one price table."""
    table = price_table(engine, actor=actor)
    return estimate(plan, table=table, provider_kind=config.kind, provider_name=config.name)


def reused_answers(engine: Engine, plan: Plan, *, actor: Actor | None) -> int | None:
    """How many of the plan's requests were answered before (their answers are reused)."""
    require_read(actor, action="plan synthetic data")
    return runs.stored_answers(engine, plan)


def field_names(engine: Engine, dataset_id: int, *, actor: Actor | None) -> list[str]:
    """Fields of a dataset whose distinct values can fill a placeholder."""
    require_read(actor, action="read a dataset")
    return value_fields(engine, dataset_id)


def field_values(engine: Engine, dataset_id: int, *, field: str, actor: Actor | None) -> list[str]:
    require_read(actor, action="read a dataset")
    return column_values(engine, dataset_id, field=field)


def synthetic_runs(engine: Engine, *, actor: Actor | None) -> list[runner.RunInfo]:
    require_read(actor, action="see the synthetic runs")
    with engine.connect() as conn:
        return runs.list_synthetic_runs(conn)


def synthetic_status(engine: Engine, run_id: int, *, actor: Actor | None) -> SynthRunStatus:
    require_read(actor, action="see a synthetic run")
    with engine.connect() as conn:
        run = runner.get_run(conn, run_id)
        progress = runner.get_progress(conn, run_id)
        active = runner.is_active(conn, run_id)  # a dead owner's "running" run is not
    return SynthRunStatus(
        run=run,
        progress=progress,
        live=runner.is_running_here(engine, run_id) or active,
        dataset_id=runs.dataset_of_run(engine, run_id),
    )


def dataset_of_run(engine: Engine, run_id: int, *, actor: Actor | None) -> int | None:
    require_read(actor, action="see a synthetic run")
    return runs.dataset_of_run(engine, run_id)


def new_examples(
    engine: Engine, dataset_id: int, *, limit: int, actor: Actor | None
) -> list[ExampleLine]:
    """The first examples of a made dataset, as the screen previews them."""
    from lib.core.example_store import list_examples

    require_read(actor, action="read a dataset")
    with engine.connect() as conn:
        rows = list_examples(conn, dataset_id, limit=limit)
    return [
        ExampleLine(r.prompt or "", r.completion or "", r.status, r.comment or "") for r in rows
    ]


# --- changes (trainer) ---------------------------------------------------------------------


def start_synthetic(
    engine: Engine,
    spec: SynthSpec,
    *,
    concurrency: int,
    secrets: Mapping[str, Any] | None,
    actor: Actor | None,
) -> int:
    """Store the run and start it in the background; its id."""
    who = require(actor, Role.TRAINER, action="generate synthetic data")
    run_id = runs.create_synthetic_run(engine, spec, created_by=who.label)
    runs.start(engine, run_id, options=runner.RunOptions(concurrency=concurrency), secrets=secrets)
    return run_id


def resume_synthetic(
    engine: Engine,
    run_id: int,
    *,
    concurrency: int,
    secrets: Mapping[str, Any] | None,
    actor: Actor | None,
) -> bool:
    """Send the requests not answered yet (and retry failed ones)."""
    require(actor, Role.TRAINER, action="resume a synthetic run")
    options = runner.RunOptions(concurrency=concurrency)
    return runs.start(engine, run_id, options=options, secrets=secrets)


def cancel_synthetic(engine: Engine, run_id: int, *, actor: Actor | None) -> None:
    require(actor, Role.TRAINER, action="cancel a synthetic run")
    runner.request_cancel(engine, run_id)


def finish_run(
    engine: Engine, run_id: int, *, allow_partial: bool, actor: Actor | None
) -> SynthResult:
    """Make the run's dataset (once) and flag its duplicates for review."""
    who = require(actor, Role.TRAINER, action="create a dataset from a synthetic run")
    return runs.finish(engine, run_id, author=who.label, allow_partial=allow_partial)


@dataclass(frozen=True, slots=True)
class ResumedSynthetic:
    progress: runner.Progress
    dataset: SynthResult | None  # None while requests are failed or unanswered


def resume_and_wait(
    engine: Engine,
    run_id: int,
    *,
    options: runner.RunOptions | None = None,
    secrets: Mapping[str, Any] | None = None,
    on_progress: runner.ProgressCallback | None = None,
    actor: Actor | None,
) -> ResumedSynthetic:
    """Carry a synthetic run on in this thread (unanswered and failed requests), then make its
    dataset when nothing is missing, as the screen does (the command line's ``runs resume``)."""
    who = require(actor, Role.TRAINER, action="resume a synthetic run")
    runs.spec_of_run(engine, run_id)  # refuses a run that is not synthetic
    progress = runs.run_synthetic(
        engine, run_id, options=options, secrets=secrets, on_progress=on_progress
    )
    if progress.status != "done" or progress.failed or progress.pending:
        return ResumedSynthetic(progress, None)
    return ResumedSynthetic(progress, runs.finish(engine, run_id, author=who.label))
