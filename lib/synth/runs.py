"""Synthetic runs: stored and executed by :mod:`lib.runner`, then turned into a new dataset.

A run's settings hold the whole specification (providers by name, never a key), so any
process can resume it. Answers are stored by the runner as they arrive; a cancelled, killed
or failed run resumes without sending a finished request again. :func:`finish` makes the
dataset once per run (claimed in ``synth_outputs``) and flags duplicates, near-duplicates,
empty and cut-off texts as one undoable revision batch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.core.errors import NotFoundError, UserError
from lib.core.pricing import get_price_table
from lib.core.tables import utcnow
from lib.datasets.service import get_dataset, name_taken
from lib.providers.service import client_for, get_provider, server_identity
from lib.runner import service as runner
from lib.synth.estimate import model_rates, price_function
from lib.synth.output import build_examples, flag_changes, import_output
from lib.synth.plan import Plan, SynthSpec, make_plan
from lib.synth.tables import synth_outputs

KIND = "synthetic"
CLAIM_STALE_AFTER = timedelta(minutes=10)
MAX_CHECKED_REQUESTS = 5_000


@dataclass(frozen=True, slots=True)
class SynthResult:
    """What :func:`finish` made (or had made before: ``already``)."""

    dataset_id: int
    name: str
    n_examples: int
    n_flagged: int
    n_missing: int  # requests without an answer (failed or never sent) left out
    already: bool = False


def create_synthetic_run(
    engine: Engine, spec: SynthSpec, *, created_by: str, fresh: bool = False
) -> int:
    """Check ``spec`` and store its run; nothing is sent until :func:`run_synthetic`/:func:`start`."""
    plan = make_plan(spec)
    config = get_provider(engine, spec.provider)
    name = " ".join(spec.dataset_name.split())
    with engine.connect() as conn:
        if name_taken(conn, name):
            raise UserError(f"a dataset named {name!r} exists already; choose another name")
    settings = {
        "spec": spec.to_json(),
        "provider_kind": config.kind,
        "n_combinations": plan.n_combinations,
    }
    return runner.create_run(
        engine,
        kind=KIND,
        name=f"{name} · {spec.model}"[:300],
        settings=settings,
        requests=_on_server(plan, config),
        created_by=created_by,
        fresh=fresh,
    )


def _on_server(plan: Plan, config: Any) -> Iterator[runner.Request]:
    """The plan's requests, each marked with the server that answers it (its stored answers)."""
    server = server_identity(config)
    for request in plan.requests():
        yield replace(request, server=server)


def spec_of_run(engine: Engine, run_id: int) -> SynthSpec:
    with engine.connect() as conn:
        run = runner.get_run(conn, run_id)
    if run.kind != KIND:
        raise UserError(f"run {run_id} is not a synthetic-data run")
    return SynthSpec.from_json(run.settings["spec"])


def _runner_args(engine: Engine, run_id: int, secrets: Mapping[str, Any] | None) -> dict[str, Any]:
    spec = spec_of_run(engine, run_id)
    config = get_provider(engine, spec.provider)
    client = client_for(config, secrets=secrets, max_retries=0)
    with engine.connect() as conn:
        table = get_price_table(conn)
    rates = model_rates(
        table, provider_kind=config.kind, provider_name=config.name, model=spec.model
    )
    return {"client_for": lambda _model: client, "price": price_function(rates)}


def run_synthetic(
    engine: Engine,
    run_id: int,
    *,
    options: runner.RunOptions | None = None,
    secrets: Mapping[str, Any] | None = None,
    cancel: threading.Event | None = None,
    on_progress: runner.ProgressCallback | None = None,
) -> runner.Progress:
    """Execute (or resume) a synthetic run in this thread."""
    return runner.execute(
        engine,
        run_id,
        options=options or runner.RunOptions(),
        cancel=cancel,
        on_progress=on_progress,
        **_runner_args(engine, run_id, secrets),
    )


def start(
    engine: Engine,
    run_id: int,
    *,
    options: runner.RunOptions | None = None,
    secrets: Mapping[str, Any] | None = None,
) -> bool:
    """Execute (or resume) in a background thread; False if this process already runs it."""
    return runner.start_background(
        engine,
        run_id,
        options=options or runner.RunOptions(),
        **_runner_args(engine, run_id, secrets),
    )


def dataset_of_run(engine: Engine, run_id: int) -> int | None:
    """The dataset a run became, if it was made and still exists."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(synth_outputs.c.dataset_id).where(synth_outputs.c.run_id == run_id)
        ).first()
        if row is None or row.dataset_id is None:
            return None
        try:
            get_dataset(conn, row.dataset_id)
        except NotFoundError:
            return None
    return int(row.dataset_id)


def _claim(engine: Engine, run_id: int, who: str) -> None:
    """Take the right to create the run's dataset; refused while someone else is at it."""
    now = utcnow()
    try:
        with engine.begin() as conn:
            row = conn.execute(
                sa.select(synth_outputs).where(synth_outputs.c.run_id == run_id)
            ).first()
            if row is not None:
                if row.dataset_id is None and now - row.claimed_at < CLAIM_STALE_AFTER:
                    raise UserError(
                        f"the dataset of run {run_id} is being created right now (by "
                        f"{row.claimed_by}); wait a moment and look again"
                    )
                conn.execute(synth_outputs.delete().where(synth_outputs.c.run_id == run_id))
            conn.execute(
                synth_outputs.insert().values(run_id=run_id, claimed_at=now, claimed_by=who)
            )
    except sa.exc.IntegrityError as exc:  # another session claimed it between our read and write
        raise UserError(
            f"the dataset of run {run_id} is being created right now; wait a moment"
        ) from exc


def _release(engine: Engine, run_id: int, dataset_id: int | None) -> None:
    with engine.begin() as conn:
        if dataset_id is None:
            conn.execute(synth_outputs.delete().where(synth_outputs.c.run_id == run_id))
        else:
            conn.execute(
                synth_outputs.update()
                .where(synth_outputs.c.run_id == run_id)
                .values(dataset_id=dataset_id)
            )


def finish(engine: Engine, run_id: int, *, author: str, allow_partial: bool = False) -> SynthResult:
    """Make the run's dataset (once) and flag its duplicates; returns what was made.

    Refused while the run is still running, and — unless ``allow_partial`` — while some
    requests have no answer (resume the run first, or accept the answers there are).
    """
    who = (author or "").strip()
    if not who:
        raise UserError("choose a reviewer name first: the new dataset records who made it")
    spec = spec_of_run(engine, run_id)
    existing = dataset_of_run(engine, run_id)
    if existing is not None:
        with engine.connect() as conn:
            info = get_dataset(conn, existing)
        return SynthResult(existing, info.name, info.n_examples, 0, 0, already=True)
    with engine.connect() as conn:
        progress = runner.get_progress(conn, run_id)
        active = runner.is_active(conn, run_id)
    if active or runner.is_running_here(engine, run_id):
        raise UserError(f"run {run_id} is still running; wait for it to end or cancel it")
    results = list(runner.iter_results(engine, run_id))
    answered = [r for r in results if r.status == "done" and r.output is not None]
    missing = len(results) - len(answered)
    if not answered:
        raise UserError(f"run {run_id} has no answers yet; run or resume it first")
    if missing and not allow_partial:
        raise UserError(
            f"{missing:,} of {len(results):,} requests of run {run_id} have no answer "
            f"({progress.failed:,} failed); resume the run, or create the dataset from the "
            f"{len(answered):,} answers there are"
        )
    _claim(engine, run_id, who)
    dataset_id: int | None = None
    try:
        rows = build_examples(engine, spec, run_id, answered)
        summary = import_output(engine, spec, run_id, rows, n_missing=missing)
        dataset_id = summary.dataset_id
    finally:
        _release(engine, run_id, dataset_id)
    n_flagged = flag_changes(engine, spec, summary.dataset_id, rows, author=who)
    return SynthResult(summary.dataset_id, summary.name, summary.n_examples, n_flagged, missing)


def stored_answers(engine: Engine, plan: Plan, *, limit: int = MAX_CHECKED_REQUESTS) -> int | None:
    """How many of the plan's requests the store has answered before (reused, not sent again).

    The same template, values, model, temperature and seed ask the same requests, and the
    runner answers a request it has seen from the store: free, and the same text. The screen
    says so, since a user wanting fresh samples must change the seed. None for plans too big
    to check on every rerun.
    """
    if plan.n_requests > limit:
        return None
    config = get_provider(engine, plan.spec.provider)
    keys = [
        runner.request_key(r.model, r.endpoint, r.body, server=r.server)
        for r in _on_server(plan, config)
    ]
    return runner.count_stored(engine, keys)


def list_synthetic_runs(conn: sa.Connection) -> list[runner.RunInfo]:
    """Synthetic runs, newest first."""
    return runner.list_runs(conn, kind=KIND)
