"""Executing a run: a thread pool sends, the calling thread stores answers as they arrive."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.tables import utcnow
from lib.runner.calls import ClientFor, Outcome, Price, RunOptions, call_with_retries, canonical
from lib.runner.runs import INSERT_CHUNK, Progress, claim, get_progress, owner_id, release
from lib.runner.tables import runner_items, runner_results, runner_runs

if TYPE_CHECKING:
    import openai  # annotations only: the SDK loads when a client is built

HEARTBEAT_S = 1.0
STORE_EVERY_S = 0.1  # answers wait at most this long in memory before they are stored
STORE_BATCH = 64
PROGRESS_EVERY_S = 0.5
DEFAULT_OPTIONS = RunOptions()
ProgressCallback = Callable[[Progress], None]


# ----------------------------------------------------------------------------- executing


def pending_requests(
    engine: Engine, run_id: int, *, retry_failed: bool
) -> dict[str, tuple[str, str, str]]:
    """Request key -> (model, endpoint, body JSON) for items still to answer."""
    statuses = ["pending", "failed"] if retry_failed else ["pending"]
    query = (
        sa.select(runner_items.c.request_key, runner_items.c.model, runner_items.c.endpoint, runner_items.c.body)
        .where(runner_items.c.run_id == run_id, runner_items.c.status.in_(statuses))
        .order_by(runner_items.c.position)
    )  # fmt: skip
    with engine.connect() as conn:
        return {row.request_key: (row.model, row.endpoint, row.body) for row in conn.execute(query)}


def answer_from_cache(
    engine: Engine, run_id: int, keys: list[str], statuses: list[str]
) -> set[str]:
    """Mark items whose request key has a stored answer done; returns those keys."""
    found: set[str] = set()
    for start in range(0, len(keys), INSERT_CHUNK):
        chunk = keys[start : start + INSERT_CHUNK]
        with engine.begin() as conn:
            hits = set(
                conn.execute(
                    sa.select(runner_results.c.request_key).where(
                        runner_results.c.request_key.in_(chunk)
                    )
                ).scalars()
            )
            if hits:
                conn.execute(
                    runner_items.update()
                    .where(runner_items.c.run_id == run_id, runner_items.c.request_key.in_(hits), runner_items.c.status.in_(statuses))
                    .values(status="done", from_cache=True, error=None, updated_at=utcnow())
                )  # fmt: skip
        found |= hits
    return found


def store_outcomes(
    engine: Engine,
    run_id: int,
    outcomes: list[Outcome],
    models: dict[str, str],
    endpoints: dict[str, str],
    price: Price | None,
    me: str,
) -> bool:
    """Write answers and item states in one transaction; True if a cancel was requested."""
    now = utcnow()
    with engine.begin() as conn:
        ok = [o for o in outcomes if o.answer is not None]
        if ok:
            keys = [o.key for o in ok]
            have = set(
                conn.execute(
                    sa.select(runner_results.c.request_key).where(
                        runner_results.c.request_key.in_(keys)
                    )
                ).scalars()
            )
            rows = []
            for o in ok:
                if o.key in have:
                    continue
                a = o.answer
                assert a is not None
                model = models[o.key]
                cost = price(model, a.prompt_tokens, a.completion_tokens) if price else 0.0
                rows.append(
                    {
                        "request_key": o.key,
                        "model": model,
                        "endpoint": endpoints[o.key],
                        "output": a.output,
                        "finish_reason": a.finish_reason,
                        "logprobs": canonical(a.logprobs) if a.logprobs is not None else None,
                        "latency_ms": o.latency_ms,
                        "prompt_tokens": a.prompt_tokens,
                        "completion_tokens": a.completion_tokens,
                        "cost": float(cost or 0.0),
                        "created_at": now,
                    }
                )
                have.add(o.key)
            if rows:
                conn.execute(runner_results.insert(), rows)
        updates = [
            {
                "k": o.key,
                "st": "done" if o.answer else "failed",
                "err": None if o.answer else o.error,
                "n": o.attempts,
            }  # fmt: skip
            for o in outcomes
            if o.error != "cancelled"
        ]
        if updates:  # one statement, many parameter sets (executemany)
            conn.execute(
                runner_items.update()
                .where(runner_items.c.run_id == run_id, runner_items.c.request_key == sa.bindparam("k"), runner_items.c.status != "done")
                .values(status=sa.bindparam("st"), error=sa.bindparam("err"), attempts=runner_items.c.attempts + sa.bindparam("n"), from_cache=False, updated_at=now),
                updates,
            )  # fmt: skip
        conn.execute(
            runner_runs.update()
            .where(runner_runs.c.id == run_id, runner_runs.c.owner == me)
            .values(heartbeat_at=now)
        )
        flag = conn.execute(
            sa.select(runner_runs.c.cancel_requested).where(runner_runs.c.id == run_id)
        ).scalar_one_or_none()
    return bool(flag)


def execute(
    engine: Engine,
    run_id: int,
    *,
    client_for: ClientFor,
    options: RunOptions = DEFAULT_OPTIONS,
    price: Price | None = None,
    cancel: threading.Event | None = None,
    on_progress: ProgressCallback | None = None,
) -> Progress:
    """Send the run's unanswered requests and store each answer as it arrives.

    Returns the final progress; the run's status is ``done`` (failed items possible),
    ``cancelled`` or ``failed`` (an unexpected error, kept in ``RunInfo.error``).
    """
    if options.concurrency < 1:
        raise UserError("concurrency must be at least 1")
    me = owner_id()
    claim(engine, run_id, me)
    stop = cancel or threading.Event()
    status, error = "done", None
    try:
        statuses = ["pending", "failed"] if options.retry_failed else ["pending"]
        todo = pending_requests(engine, run_id, retry_failed=options.retry_failed)
        if options.use_cache and todo:
            for key in answer_from_cache(engine, run_id, list(todo), statuses):
                todo.pop(key, None)
        models = {k: v[0] for k, v in todo.items()}
        endpoints = {k: v[1] for k, v in todo.items()}
        clients: dict[str, openai.OpenAI] = {}
        queue = list(todo.items())
        queue.reverse()  # pop() from the end keeps run order
        inflight: set[Future[Outcome]] = set()
        buffer: list[Outcome] = []
        last_store = last_progress = 0.0
        with ThreadPoolExecutor(
            max_workers=options.concurrency, thread_name_prefix=f"run{run_id}"
        ) as pool:
            while True:
                while queue and not stop.is_set() and len(inflight) < options.concurrency * 2:
                    key, (model, endpoint, body) = queue.pop()
                    if model not in clients:
                        clients[model] = client_for(model)
                    inflight.add(pool.submit(call_with_retries, clients[model], endpoint, json.loads(body),
                                             options=options, cancel=stop, key=key))  # fmt: skip
                if not inflight:
                    break
                finished, inflight = wait(inflight, timeout=0.25, return_when=FIRST_COMPLETED)
                buffer.extend(f.result() for f in finished)
                now = time.monotonic()
                # Answers are written within STORE_EVERY_S of arriving, many per transaction.
                due = (
                    now - last_store >= STORE_EVERY_S or len(buffer) >= STORE_BATCH or not inflight
                )
                if (buffer and due) or now - last_store >= HEARTBEAT_S:
                    if store_outcomes(engine, run_id, buffer, models, endpoints, price, me):
                        stop.set()
                    buffer, last_store = [], now
                    if on_progress and (now - last_progress >= PROGRESS_EVERY_S or not inflight):
                        with engine.connect() as conn:
                            on_progress(get_progress(conn, run_id))
                        last_progress = now
        if stop.is_set():
            status = "cancelled"
    except Exception as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        release(engine, run_id, me, status=status, error=error)
        raise
    release(engine, run_id, me, status=status, error=error)
    with engine.connect() as conn:
        final = get_progress(conn, run_id)
    if on_progress:
        on_progress(final)
    return final


_threads: dict[tuple[str, int], threading.Thread] = {}
_threads_lock = threading.Lock()


def is_running_here(engine: Engine, run_id: int) -> bool:
    """Whether this process has a live thread working on the run."""
    with _threads_lock:
        thread = _threads.get((str(engine.url), run_id))
        return thread is not None and thread.is_alive()


def start_background(
    engine: Engine,
    run_id: int,
    *,
    client_for: ClientFor,
    options: RunOptions = DEFAULT_OPTIONS,
    price: Price | None = None,
) -> bool:
    """Run :func:`execute` in a daemon thread; False if this process already works on it.

    Errors end up in the run (status ``failed`` and ``RunInfo.error``), never in the caller.
    """
    key = (str(engine.url), run_id)
    with _threads_lock:
        existing = _threads.get(key)
        if existing is not None and existing.is_alive():
            return False

        def work() -> None:
            # Errors are recorded in the run by execute; a thread has nobody to raise to.
            with contextlib.suppress(Exception):
                execute(engine, run_id, client_for=client_for, options=options, price=price)

        thread = threading.Thread(target=work, name=f"tunelab-run-{run_id}", daemon=True)
        _threads[key] = thread
        thread.start()
    return True
