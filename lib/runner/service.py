"""The request runner as other features use it: evaluation and synthetic data.

The runner has no screen of its own; evaluate and synth put its runs behind their own use
cases (which check the acting person's role) and reach the runner only through this module.
See :mod:`lib.runner` for how runs are stored, resumed, cancelled and batched.

Runs as people manage them from any screen or the command line — list, show, cancel — are
use cases here (:func:`run_rows`, :func:`run_row`, :func:`cancel_run`); resuming one needs
its feature (which server to ask, what to do with the answers), so it lives in
``lib.evaluate.service`` and ``lib.synth.service``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from lib.core.identity import Actor, Role, require, require_read
from lib.runner import (
    FAILURE_REASONS,
    STALE_AFTER_S,
    Answer,
    ClientFor,
    Endpoint,
    ItemResult,
    Price,
    Progress,
    ProgressCallback,
    Request,
    RunInfo,
    RunOptions,
    backoff_s,
    batch_status,
    call_with_retries,
    collect_batches,
    count_stored,
    create_run,
    delete_run,
    execute,
    failure_kind,
    failures,
    finish_reasons,
    get_progress,
    get_run,
    is_active,
    is_running_here,
    iter_results,
    list_runs,
    parse_response,
    request_cancel,
    request_key,
    result_rows,
    retry_after_s,
    runs_with_model,
    start_background,
    submit_batches,
    wait_until_finished,
)

__all__ = [
    "FAILURE_REASONS",
    "RunRow",
    "cancel_run",
    "failure_kind",
    "failures",
    "run_row",
    "run_rows",
    "Answer",
    "ClientFor",
    "Endpoint",
    "ItemResult",
    "Price",
    "Progress",
    "ProgressCallback",
    "Request",
    "RunInfo",
    "RunOptions",
    "STALE_AFTER_S",
    "backoff_s",
    "batch_status",
    "call_with_retries",
    "collect_batches",
    "count_stored",
    "create_run",
    "delete_run",
    "execute",
    "finish_reasons",
    "get_progress",
    "get_run",
    "is_active",
    "is_running_here",
    "iter_results",
    "result_rows",
    "list_runs",
    "parse_response",
    "request_cancel",
    "request_key",
    "retry_after_s",
    "runs_with_model",
    "start_background",
    "submit_batches",
    "wait_until_finished",
]


@dataclass(frozen=True, slots=True)
class RunRow:
    """One run as a list shows it: what it is, how far it got, what failed and why."""

    id: int
    kind: str
    name: str
    status: str  # pending, running, interrupted, batch, done, cancelled, failed
    total: int
    done: int
    failed: int
    reused: int  # answers taken from earlier runs of the same server
    cost: float
    created_at: datetime
    created_by: str
    error: str | None
    failures: dict[str, tuple[int, str]]  # kind → (count, one error)

    @property
    def pending(self) -> int:
        return self.total - self.done - self.failed

    @property
    def resumable(self) -> bool:
        """Something is left to ask (unanswered or failed) and nobody is asking it now."""
        return self.status not in ("running", "batch") and (self.pending > 0 or self.failed > 0)

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id, "kind": self.kind, "name": self.name, "status": self.status,
            "total": self.total, "done": self.done, "failed": self.failed,
            "pending": self.pending, "reused": self.reused, "cost": round(self.cost, 6),
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "created_by": self.created_by, "error": self.error,
            "failures": {k: {"count": n, "example": e[:500]} for k, (n, e) in self.failures.items()},
        }  # fmt: skip


def run_row(engine: Engine, run_id: int, *, actor: Actor | None) -> RunRow:
    """One run with its progress; a dead owner's run says ``interrupted``."""
    require_read(actor, action="see a run")
    with engine.connect() as conn:
        run = get_run(conn, run_id)
        progress = get_progress(conn, run_id)
        found = failures(conn, run_id) if progress.failed else {}
    return RunRow(
        id=run.id, kind=run.kind, name=run.name, status=progress.status, total=progress.total,
        done=progress.done, failed=progress.failed, reused=progress.cached, cost=progress.cost,
        created_at=run.created_at, created_by=run.created_by, error=run.error, failures=found,
    )  # fmt: skip


def run_rows(engine: Engine, *, kind: str | None = None, actor: Actor | None) -> list[RunRow]:
    """Runs (of one kind, or all), newest first."""
    require_read(actor, action="see the runs")
    with engine.connect() as conn:
        ids = [run.id for run in list_runs(conn, kind=kind)]
    return [run_row(engine, run_id, actor=actor) for run_id in ids]


def cancel_run(engine: Engine, run_id: int, *, actor: Actor | None) -> str:
    """Stop a run (trainer): at once when nobody works on it, else within about a second.

    Finished answers stay; resuming carries on. Returns the status it has now.
    """
    require(actor, Role.TRAINER, action="cancel a run")
    return request_cancel(engine, run_id)
