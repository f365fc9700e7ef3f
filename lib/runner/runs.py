"""Runs in the store: create, list, progress, results, cancel flag and ownership."""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.core.db import inserted_id
from lib.core.errors import NotFoundError, UserError
from lib.core.tables import utcnow
from lib.runner.calls import Request, canonical, failure_kind, full_body, request_key
from lib.runner.tables import runner_items, runner_results, runner_runs

STALE_AFTER_S = 30.0  # a run whose owner has not written a heartbeat for this long is free
INSERT_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Progress:
    run_id: int
    status: str
    total: int
    done: int
    failed: int
    cached: int
    cost: float
    elapsed_s: float
    eta_s: float | None

    @property
    def pending(self) -> int:
        return self.total - self.done - self.failed

    @property
    def fraction(self) -> float:
        return (self.done + self.failed) / self.total if self.total else 1.0


@dataclass(frozen=True, slots=True)
class RunInfo:
    id: int
    kind: str
    name: str
    status: str
    settings: dict[str, Any]
    n_items: int
    created_at: Any
    created_by: str
    finished_at: Any
    error: str | None


@dataclass(frozen=True, slots=True)
class ItemResult:
    position: int
    item: str
    model: str
    endpoint: str
    body: dict[str, Any]  # the request body sent (model included)
    meta: dict[str, Any]
    status: str
    error: str | None
    from_cache: bool
    output: str | None
    logprobs: list[dict[str, Any]] | None
    latency_ms: float | None
    prompt_tokens: int
    completion_tokens: int
    cost: float
    finish_reason: str | None = None
    request_key: str = ""


# ----------------------------------------------------------------------------- runs in the store


def create_run(
    engine: Engine,
    *,
    kind: str,
    name: str,
    settings: Mapping[str, Any],
    requests: Iterable[Request],
    created_by: str,
    fresh: bool = False,
) -> int:
    """Store a run and its requests (all or nothing); nothing is sent yet.

    ``fresh``: the run asks its servers again instead of taking answers stored by earlier
    runs (its request keys carry a salt of its own; resuming it still reuses its own answers).
    """
    now = utcnow()
    salt = uuid.uuid4().hex if fresh else ""
    with engine.begin() as conn:
        run_id = inserted_id(
            conn.execute(
                runner_runs.insert().values(
                    kind=kind,
                    name=name.strip() or kind,
                    status="pending",
                    settings=canonical(dict(settings)),
                    n_items=0,
                    cancel_requested=False,
                    created_at=now,
                    created_by=created_by or "unknown",
                )  # fmt: skip
            )
        )
        rows: list[dict[str, Any]] = []
        seen: set[str] = set()
        n = 0
        for request in requests:
            if request.item in seen:
                raise UserError(f"request item {request.item!r} appears twice in the run")
            seen.add(request.item)
            if request.endpoint not in ("chat", "completions"):
                raise UserError(f"unknown endpoint {request.endpoint!r}")
            rows.append(
                {
                    "run_id": run_id,
                    "position": n,
                    "item": request.item,
                    "model": request.model,
                    "endpoint": request.endpoint,
                    "request_key": request_key(
                        request.model,
                        request.endpoint,
                        request.body,
                        server=request.server,
                        salt=salt,
                    ),
                    "body": canonical(full_body(request.model, request.body)),
                    "meta": canonical(dict(request.meta)),
                    "status": "pending",
                    "from_cache": False,
                    "attempts": 0,
                    "updated_at": now,
                }  # fmt: skip
            )
            n += 1
            if len(rows) >= INSERT_CHUNK:
                conn.execute(runner_items.insert(), rows)
                rows = []
        if rows:
            conn.execute(runner_items.insert(), rows)
        if n == 0:
            raise UserError("there is nothing to run: no requests")
        conn.execute(runner_runs.update().where(runner_runs.c.id == run_id).values(n_items=n))
    return run_id


def interrupted(row: Any) -> bool:
    """A run stored as running whose owner is gone: its process died or stopped writing its
    heartbeat. Nobody works on it; it is shown as ``interrupted`` and can be resumed in place."""
    if row.status != "running":
        return False
    if not row.owner or row.heartbeat_at is None:
        return True
    stale = utcnow() - row.heartbeat_at >= timedelta(seconds=STALE_AFTER_S)
    return stale or owner_dead(row.owner)


def shown_status(row: Any) -> str:
    """The status a person is shown: ``interrupted`` instead of a dead owner's ``running``."""
    return "interrupted" if interrupted(row) else str(row.status)


def _info(row: Any) -> RunInfo:
    return RunInfo(
        id=row.id, kind=row.kind, name=row.name, status=shown_status(row),
        settings=json.loads(row.settings), n_items=row.n_items, created_at=row.created_at,
        created_by=row.created_by, finished_at=row.finished_at, error=row.error,
    )  # fmt: skip


def get_run(conn: sa.Connection, run_id: int) -> RunInfo:
    row = conn.execute(sa.select(runner_runs).where(runner_runs.c.id == run_id)).first()
    if row is None:
        raise NotFoundError(f"run {run_id} does not exist (it may have been deleted)")
    return _info(row)


def list_runs(conn: sa.Connection, *, kind: str | None = None) -> list[RunInfo]:
    """Runs, newest first."""
    query = sa.select(runner_runs).order_by(runner_runs.c.id.desc())
    if kind:
        query = query.where(runner_runs.c.kind == kind)
    return [_info(row) for row in conn.execute(query)]


def delete_run(engine: Engine, run_id: int) -> None:
    """Delete a run and its items (cached answers stay: other runs may use them).

    Rows of other features that point at the run (evaluation votes, synthetic outputs) go
    too: found by their foreign key to ``runner_runs``, so the runner needs not know them
    (their ``ON DELETE CASCADE`` does the same where the database enforces foreign keys).
    """
    from lib.core.tables import metadata
    from lib.runner.tables import runner_batches

    dependants = [
        table
        for table in metadata.sorted_tables
        if table not in (runner_items, runner_batches)
        and "run_id" in table.c
        and any(fk.column.table is runner_runs for fk in table.c.run_id.foreign_keys)
    ]
    with engine.begin() as conn:
        for table in reversed(dependants):
            conn.execute(table.delete().where(table.c.run_id == run_id))
        conn.execute(runner_batches.delete().where(runner_batches.c.run_id == run_id))
        conn.execute(runner_items.delete().where(runner_items.c.run_id == run_id))
        conn.execute(runner_runs.delete().where(runner_runs.c.id == run_id))


def request_cancel(engine: Engine, run_id: int) -> str:
    """Ask whoever works on the run to stop (finished answers stay stored); the new status.

    A run nobody works on (pending, or interrupted: its owner died) is cancelled at once; a
    live one stops within about a second and then says ``cancelled``. Resuming either later
    carries on where it stopped.
    """
    with engine.begin() as conn:
        row = conn.execute(sa.select(runner_runs).where(runner_runs.c.id == run_id)).first()
        if row is None:
            raise NotFoundError(f"run {run_id} does not exist (it may have been deleted)")
        conn.execute(
            runner_runs.update().where(runner_runs.c.id == run_id).values(cancel_requested=True)
        )
        if row.status == "pending" or interrupted(row):
            conn.execute(
                runner_runs.update()
                .where(runner_runs.c.id == run_id, runner_runs.c.owner == row.owner
                       if row.owner else runner_runs.c.owner.is_(None))
                .values(status="cancelled", owner=None, finished_at=utcnow())
            )  # fmt: skip
            return "cancelled"
        return str(row.status)


def get_progress(conn: sa.Connection, run_id: int) -> Progress:
    """Progress as the store knows it (any process); ETA from this attempt's pace."""
    run = conn.execute(sa.select(runner_runs).where(runner_runs.c.id == run_id)).first()
    if run is None:
        raise NotFoundError(f"run {run_id} does not exist (it may have been deleted)")
    counts: dict[str, int] = dict(
        conn.execute(
            sa.select(runner_items.c.status, sa.func.count())
            .where(runner_items.c.run_id == run_id)
            .group_by(runner_items.c.status)
        ).all()
    )
    cached = conn.execute(
        sa.select(sa.func.count()).where(
            runner_items.c.run_id == run_id, runner_items.c.from_cache.is_(True)
        )
    ).scalar_one()
    cost = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(runner_results.c.cost), 0.0))
        .select_from(runner_items.join(runner_results, runner_results.c.request_key == runner_items.c.request_key))
        .where(runner_items.c.run_id == run_id, runner_items.c.status == "done", runner_items.c.from_cache.is_(False))
    ).scalar_one()  # fmt: skip
    elapsed, eta = 0.0, None
    total, done, failed = run.n_items, counts.get("done", 0), counts.get("failed", 0)
    if run.started_at is not None:
        end = run.finished_at or utcnow()
        elapsed = max(0.0, (end - run.started_at).total_seconds())
        recent = conn.execute(
            sa.select(sa.func.count()).where(
                runner_items.c.run_id == run_id,
                runner_items.c.status != "pending",
                runner_items.c.updated_at >= run.started_at,
            )
        ).scalar_one()
        remaining = total - done - failed
        if shown_status(run) == "running" and recent and elapsed > 0:
            eta = remaining * elapsed / recent
    return Progress(
        run_id=run_id, status=shown_status(run), total=total, done=done, failed=failed,
        cached=int(cached), cost=float(cost), elapsed_s=elapsed, eta_s=eta,
    )  # fmt: skip


def failures(conn: sa.Connection, run_id: int) -> dict[str, tuple[int, str]]:
    """Failed requests of a run by kind (:data:`FAILURE_REASONS`): how many, and one error."""
    rows = conn.execute(
        sa.select(runner_items.c.error).where(
            runner_items.c.run_id == run_id, runner_items.c.status == "failed"
        )
    ).scalars()
    found: dict[str, tuple[int, str]] = {}
    for error in rows:
        kind = failure_kind(error)
        count, example = found.get(kind, (0, error or ""))
        found[kind] = (count + 1, example)
    return found


def iter_results(engine: Engine, run_id: int, *, batch: int = 2_000) -> Iterator[ItemResult]:
    """Every item of a run with its answer (None while pending or failed), in run order."""
    last = -1
    columns: list[Any] = [
        runner_items,
        *[
            c
            for c in runner_results.c
            if c.name not in ("request_key", "model", "endpoint", "created_at")
        ],
    ]
    while True:
        query = (
            sa.select(*columns)
            .select_from(runner_items.outerjoin(runner_results, sa.and_(runner_results.c.request_key == runner_items.c.request_key, runner_items.c.status == "done")))
            .where(runner_items.c.run_id == run_id, runner_items.c.position > last)
            .order_by(runner_items.c.position)
            .limit(batch)
        )  # fmt: skip
        with engine.connect() as conn:
            rows = conn.execute(query).fetchall()
        if not rows:
            return
        for row in rows:
            yield ItemResult(
                position=row.position, item=row.item, model=row.model, endpoint=row.endpoint,
                body=json.loads(row.body),
                meta=json.loads(row.meta), status=row.status, error=row.error,
                from_cache=bool(row.from_cache), output=row.output,
                logprobs=json.loads(row.logprobs) if row.logprobs else None,
                latency_ms=row.latency_ms, prompt_tokens=row.prompt_tokens or 0,
                completion_tokens=row.completion_tokens or 0, cost=row.cost or 0.0,
                finish_reason=row.finish_reason, request_key=row.request_key,
            )  # fmt: skip
        last = rows[-1].position


def result_rows(engine: Engine, run_id: int) -> list[Any]:
    """Every item of a run with its answer, in run order, as the database's rows (one query).

    For readers of a whole run (the Results screen reads 20,000 answers at 10,000 examples ×
    2 models): no ``ItemResult`` per row and no JSON decoded here, so a reader decodes only
    what it uses (``iter_results`` decoded every request body and answer, about a third of the
    screen's first render). Columns: ``position, item, model, body, meta, status, error,
    from_cache, output, logprobs, latency_ms, prompt_tokens, completion_tokens, cost`` (the
    answer's columns are None while an item is pending or failed)."""
    query = (
        sa.select(
            runner_items.c.position, runner_items.c.item, runner_items.c.model,
            runner_items.c.body, runner_items.c.meta, runner_items.c.status,
            runner_items.c.error, runner_items.c.from_cache, runner_results.c.output,
            runner_results.c.logprobs, runner_results.c.latency_ms,
            runner_results.c.prompt_tokens, runner_results.c.completion_tokens,
            runner_results.c.cost,
        )
        .select_from(runner_items.outerjoin(runner_results, sa.and_(runner_results.c.request_key == runner_items.c.request_key, runner_items.c.status == "done")))
        .where(runner_items.c.run_id == run_id)
        .order_by(runner_items.c.position)
    )  # fmt: skip
    with engine.connect() as conn:
        return list(conn.execute(query).fetchall())


# ----------------------------------------------------------------------------- ownership


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def owner_dead(owner: str | None) -> bool:
    """True when the owner is a process on this host that no longer exists."""
    if not owner:
        return True
    host, _, rest = owner.partition(":")
    if host != socket.gethostname():
        return False
    try:
        os.kill(int(rest.split(":")[0]), 0)
    except ProcessLookupError:
        return True
    except (ValueError, PermissionError):
        return False
    return False


def is_active(conn: sa.Connection, run_id: int) -> bool:
    """Whether some thread (here or elsewhere) is working on the run right now."""
    row = conn.execute(sa.select(runner_runs).where(runner_runs.c.id == run_id)).first()
    if row is None or row.status != "running" or not row.owner or row.heartbeat_at is None:
        return False
    fresh = utcnow() - row.heartbeat_at < timedelta(seconds=STALE_AFTER_S)
    return fresh and not owner_dead(row.owner)


def claim(engine: Engine, run_id: int, me: str) -> None:
    now = utcnow()
    with engine.begin() as conn:
        row = conn.execute(sa.select(runner_runs).where(runner_runs.c.id == run_id)).first()
        if row is None:
            raise NotFoundError(f"run {run_id} does not exist (it may have been deleted)")
        fresh = row.heartbeat_at is not None and now - row.heartbeat_at < timedelta(
            seconds=STALE_AFTER_S
        )
        if (
            row.owner
            and row.owner != me
            and row.status == "running"
            and fresh
            and not owner_dead(row.owner)
        ):
            raise UserError(
                f"run {run_id} is already running (started elsewhere); wait or cancel it"
            )
        updated = conn.execute(
            runner_runs.update()
            .where(runner_runs.c.id == run_id, sa.or_(runner_runs.c.owner.is_(None), runner_runs.c.owner == row.owner))
            .values(owner=me, heartbeat_at=now, status="running", started_at=now,
                    finished_at=None, cancel_requested=False, error=None)
        )  # fmt: skip
        if updated.rowcount != 1:
            raise UserError(f"run {run_id} was just started by someone else")


def release(engine: Engine, run_id: int, me: str, *, status: str, error: str | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(
            runner_runs.update()
            .where(runner_runs.c.id == run_id, runner_runs.c.owner == me)
            .values(owner=None, status=status, finished_at=utcnow(), heartbeat_at=utcnow(), error=error)
        )  # fmt: skip


def wait_until_finished(
    engine: Engine, run_id: int, *, timeout_s: float, poll_s: float = 0.2
) -> Progress:
    """Block until nobody works on the run any more (tests, command lines); the last progress.

    Raises ``TimeoutError`` when the run is still being worked on after ``timeout_s``.
    """
    import time

    from lib.runner.execute import is_running_here  # the thread outlives its last store write

    deadline = time.monotonic() + timeout_s
    while True:
        with engine.connect() as conn:
            progress = get_progress(conn, run_id)
            busy = is_active(conn, run_id) or progress.status == "pending"
        busy = busy or is_running_here(engine, run_id)
        if not busy:
            return progress
        if time.monotonic() > deadline:
            raise TimeoutError(f"run {run_id} is still {progress.status} after {timeout_s:.0f} s")
        time.sleep(poll_s)


_KEY_CHUNK = 500  # request keys per IN (...) query


def runs_with_model(conn: sa.Connection, model: str, *, kind: str | None = None) -> list[RunInfo]:
    """Runs (of ``kind``, or any) that sent a request to ``model``, newest first: lineage."""
    ids = (
        sa.select(runner_items.c.run_id)
        .join(runner_runs, runner_runs.c.id == runner_items.c.run_id)
        .where(runner_items.c.model == model)
        .distinct()
    )
    if kind:
        ids = ids.where(runner_runs.c.kind == kind)
    run_ids = set(conn.execute(ids).scalars())
    return [run for run in list_runs(conn, kind=kind) if run.id in run_ids]


def finish_reasons(engine: Engine, keys: list[str]) -> dict[str, str | None]:
    """The stored finish reason of each answered request key (unanswered keys left out)."""
    found: dict[str, str | None] = {}
    with engine.connect() as conn:
        for start in range(0, len(keys), _KEY_CHUNK):
            chunk = keys[start : start + _KEY_CHUNK]
            query = sa.select(runner_results.c.request_key, runner_results.c.finish_reason).where(
                runner_results.c.request_key.in_(chunk)
            )
            found.update({row.request_key: row.finish_reason for row in conn.execute(query)})
    return found


def count_stored(engine: Engine, keys: list[str]) -> int:
    """How many of these request keys have a stored answer (the runner would reuse it)."""
    found = 0
    with engine.connect() as conn:
        for start in range(0, len(keys), _KEY_CHUNK):
            chunk = keys[start : start + _KEY_CHUNK]
            found += conn.execute(
                sa.select(sa.func.count())
                .select_from(runner_results)
                .where(runner_results.c.request_key.in_(chunk))
            ).scalar_one()
    return int(found)
