"""Evaluation: the use cases of Run evaluation and Results.

Starting, resuming and cancelling an evaluation spend (or stop spending) money at the
providers, so they need the trainer role; sending suspicious examples back to review and
voting change what reviewers see, so they need the reviewer role. Everything else — test sets,
plans and estimates, progress, predictions and metrics — is a read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.identity import Actor, Role, require, require_read
from lib.evaluate import results, runs, testset, votes
from lib.evaluate.compare import CandidateCost
from lib.evaluate.reference import Agreement, Disagreement
from lib.evaluate.requests import ModelSpec
from lib.evaluate.results import EvalData, Prediction
from lib.evaluate.review import SentToReview, send_to_review
from lib.evaluate.runs import KIND, CostEstimate
from lib.evaluate.testset import TestSet
from lib.evaluate.try_model import MAX_ANSWER_TOKENS, TokenChoice, TryAnswer, try_model
from lib.evaluate.votes import WinRate, blind_order
from lib.providers.service import ENGINE_NAME, capabilities, providers
from lib.runner import service as runner
from lib.runner.service import Progress
from lib.train.service import trained_models

__all__ = [
    "failed_requests",
    "resume_and_wait",
    "MAX_ANSWER_TOKENS",
    "TokenChoice",
    "TryAnswer",
    "try_model",
    "KIND",
    "Agreement",
    "Disagreement",
    "CandidateCost",
    "CostEstimate",
    "EvalData",
    "ModelSpec",
    "Prediction",
    "Progress",
    "RunStatus",
    "SentToReview",
    "TestSet",
    "WinRate",
    "available_models",
    "batch_table",
    "batches_supported",
    "blind_order",
    "cancel_run",
    "candidate_costs",
    "check_batches",
    "evaluation_plan",
    "evaluation_runs",
    "flag_for_review",
    "predictions",
    "reference_agreement",
    "results_version",
    "version_of",
    "resume_run",
    "run_status",
    "start_evaluation",
    "testset_from_file",
    "testset_from_snapshot",
    "vote",
    "voted",
    "win_rates",
]


@dataclass(frozen=True, slots=True)
class RunStatus:
    """A run as the progress panel shows it: the run, its counts, and whether it is working."""

    run: runner.RunInfo
    progress: runner.Progress
    live: bool  # a thread (here or in another process) is working on it


@dataclass(frozen=True, slots=True)
class EvaluationPlan:
    settings: dict[str, Any]
    n_examples: int
    estimate: CostEstimate


# --- reads ---------------------------------------------------------------------------------


def testset_from_snapshot(
    engine: Engine, snapshot_id: int, *, split: str, actor: Actor | None
) -> TestSet:
    """The frozen examples of one split of a snapshot (lineage kept)."""
    require_read(actor, action="read a test set")
    return testset.from_snapshot(engine, snapshot_id, split=split)


def testset_from_file(data: Any, *, file_name: str) -> TestSet:
    """A test file in any format Tunelab reads; reads no store."""
    return testset.from_file(data, file_name=file_name)


def available_models(
    engine: Engine, provider: str, *, secrets: Mapping[str, Any] | None, actor: Actor | None
) -> list[tuple[str, str]]:
    """(model id, label) of a provider's models, then the ones jobs in this store trained."""
    from lib.providers.service import provider_models

    config = next(p for p in providers(engine, actor=actor) if p.name == provider)
    found = [(m.id, m.label) for m in provider_models(config, secrets=secrets, actor=actor)]
    known = {model for model, _ in found}
    for model in trained_models(engine, provider, actor=actor):
        if model not in known:
            found.append((model, f"{model} · fine-tuned (from Jobs)"))
            known.add(model)
    return found


def batches_supported(engine: Engine, provider: str | None, *, actor: Actor | None) -> bool:
    """Whether the provider has a Batch API (half price, answers within 24 hours)."""
    for config in providers(engine, actor=actor):
        if config.name == provider:
            return capabilities(config).batches
    return False


def evaluation_plan(
    engine: Engine,
    tests: TestSet,
    models: list[ModelSpec],
    *,
    task: str,
    top_k: int,
    batch: bool,
    shots_from: TestSet | None = None,
    actor: Actor | None,
) -> EvaluationPlan:
    """The run's settings and an upper-bound cost estimate (built-in engine: free).

    ``shots_from`` is the training split base models' prompt recipes draw demonstrations from.
    """
    require_read(actor, action="plan an evaluation")
    settings, requests = runs.plan(tests, models, task=task, top_k=top_k, shots_from=shots_from)
    free = {m.model for m in models if m.provider == ENGINE_NAME}
    estimate = runs.estimate_cost(
        requests, free_models=free, table=runs.price_table(engine), batch=batch
    )
    return EvaluationPlan(settings=settings, n_examples=len(tests.examples), estimate=estimate)


def evaluation_runs(engine: Engine, *, actor: Actor | None) -> list[runner.RunInfo]:
    """Evaluation runs, newest first."""
    require_read(actor, action="see the evaluations")
    with engine.connect() as conn:
        return runner.list_runs(conn, kind=KIND)


def run_status(engine: Engine, run_id: int, *, actor: Actor | None) -> RunStatus:
    require_read(actor, action="see an evaluation")
    with engine.connect() as conn:
        run = runner.get_run(conn, run_id)
        progress = runner.get_progress(conn, run_id)
        active = runner.is_active(conn, run_id)  # a dead owner's "running" run is not
    return RunStatus(run, progress, runner.is_running_here(engine, run_id) or active)


def failed_requests(
    engine: Engine, run_id: int, *, actor: Actor | None
) -> dict[str, tuple[int, str]]:
    """The run's failed requests by kind (``runner.FAILURE_REASONS``): how many, one error."""
    require_read(actor, action="see an evaluation")
    with engine.connect() as conn:
        return runner.failures(conn, run_id)


def check_batches(
    engine: Engine, run_id: int, *, secrets: Mapping[str, Any] | None, actor: Actor | None
) -> runner.Progress:
    """Store the answers of the run's completed batches (cheap to call again)."""
    require_read(actor, action="see an evaluation")
    return runs.collect_batch(engine, run_id, secrets=secrets)


def batch_table(engine: Engine, run_id: int, *, actor: Actor | None) -> list[dict[str, Any]]:
    require_read(actor, action="see an evaluation")
    return runner.batch_status(engine, run_id)


def results_version(engine: Engine, run_id: int, *, actor: Actor | None) -> tuple[Any, ...]:
    """Changes whenever the run's predictions do: the key screens cache them under."""
    return version_of(run_status(engine, run_id, actor=actor))


def version_of(status: RunStatus) -> tuple[Any, ...]:
    """:func:`results_version` from a status already read (the Results screen reads it once)."""
    p = status.progress
    # created_at too: SQLite may give a deleted run's id to a new one.
    return (p.done, p.failed, p.status, str(status.run.created_at))


def predictions(engine: Engine, run_id: int, *, actor: Actor | None) -> EvalData:
    """Predictions of a run aligned per example (only examples every model answered)."""
    require_read(actor, action="see an evaluation")
    return results.load(engine, run_id)


def reference_agreement(data: EvalData, reference: str) -> dict[str, Agreement]:
    """Each other candidate of ``data`` against the reference model's answers (see
    :mod:`lib.evaluate.reference`); the data was read with :func:`predictions`."""
    from lib.evaluate.reference import agreement

    return agreement(data, reference)


def candidate_costs(
    engine: Engine, data: EvalData, *, secrets: Mapping[str, Any] | None, actor: Actor | None
) -> dict[str, CandidateCost]:
    """Each candidate's measured accuracy, tokens and cost (training cost when known)."""
    from lib.evaluate.candidates import measured_costs

    require_read(actor, action="see an evaluation")
    return measured_costs(engine, data, secrets=secrets)


def voted(engine: Engine, run_id: int, *, actor: Actor | None) -> set[str]:
    """Examples the acting reviewer has voted on (empty without a name)."""
    require_read(actor, action="see the votes")
    if actor is None:
        return set()
    return votes.voted_examples(engine, run_id=run_id, reviewer=actor.name)


def win_rates(engine: Engine, run_id: int, *, actor: Actor | None) -> list[WinRate]:
    require_read(actor, action="see the votes")
    return votes.win_rates(engine, run_id=run_id)


# --- changes -------------------------------------------------------------------------------


def start_evaluation(
    engine: Engine,
    tests: TestSet,
    models: list[ModelSpec],
    *,
    task: str,
    top_k: int,
    batch: bool,
    concurrency: int,
    secrets: Mapping[str, Any] | None,
    shots_from: TestSet | None = None,
    actor: Actor | None,
) -> int:
    """Store the run and start it (in the background, or through the Batch API); its id."""
    who = require(actor, Role.TRAINER, action="run an evaluation")
    run_id = runs.create_evaluation(
        engine,
        tests,
        models,
        created_by=who.label,
        task=task,
        top_k=top_k,
        batch=batch,
        shots_from=shots_from,
    )
    if batch:
        runs.submit_batch(engine, run_id, secrets=secrets)
    else:
        options = runner.RunOptions(concurrency=concurrency)
        runs.start(engine, run_id, options=options, secrets=secrets)
    return run_id


def resume_run(
    engine: Engine,
    run_id: int,
    *,
    concurrency: int,
    secrets: Mapping[str, Any] | None,
    actor: Actor | None,
) -> bool:
    """Send the requests not answered yet; False when this process already works on it."""
    require(actor, Role.TRAINER, action="resume an evaluation")
    options = runner.RunOptions(concurrency=concurrency)
    return runs.start(engine, run_id, options=options, secrets=secrets)


def cancel_run(engine: Engine, run_id: int, *, actor: Actor | None) -> None:
    """Ask whoever works on the run to stop (finished answers stay stored)."""
    require(actor, Role.TRAINER, action="cancel an evaluation")
    runner.request_cancel(engine, run_id)


def flag_for_review(
    engine: Engine, found: Sequence[Prediction], *, actor: Actor | None
) -> SentToReview:
    """Flag the examples behind these predictions "check label" (one undoable batch)."""
    who = require(actor, Role.REVIEWER, action="send examples to review")
    return send_to_review(engine, found, author=who.label)


def vote(
    engine: Engine,
    run_id: int,
    *,
    example: str,
    shown: tuple[str, str],
    choice: str,
    actor: Actor | None,
) -> None:
    """Store (or replace) the acting reviewer's blind vote on one example."""
    who = require(actor, Role.REVIEWER, action="vote")
    votes.record_vote(
        engine, run_id=run_id, example=example, shown=shown, choice=choice, reviewer=who.name
    )


def resume_and_wait(
    engine: Engine,
    run_id: int,
    *,
    options: runner.RunOptions | None = None,
    secrets: Mapping[str, Any] | None = None,
    on_progress: runner.ProgressCallback | None = None,
    actor: Actor | None,
) -> runner.Progress:
    """Carry an evaluation run on in this thread, in place: requests never answered and those
    that failed are asked again, answers it has are kept (the command line's ``runs resume``)."""
    require(actor, Role.TRAINER, action="resume an evaluation")
    with engine.connect() as conn:
        run = runner.get_run(conn, run_id)
    if run.kind != KIND:
        raise UserError(f"run {run_id} is not an evaluation run")
    if run.status == "batch":
        raise UserError(f"run {run_id} is with the provider's Batch API; collect it in the app")
    return runs.run_evaluation(
        engine, run_id, options=options, secrets=secrets, on_progress=on_progress
    )
