"""A run through the provider's Batch API: half price, answered within 24 hours.

:func:`submit_batches` sends the run's unanswered requests as one batch per model (a JSONL
file whose ``custom_id`` is the request key); :func:`collect_batches` asks the provider how
far each batch got and stores the answers of finished ones exactly as :func:`execute` would.
Both can be called again at any time: a submission is claimed in the store before the
provider is called (one batch per run and model, never two), and collecting twice stores
nothing twice. A batch that fails, expires or is cancelled leaves its items pending, so the
run can still be finished directly with :func:`lib.runner.execute`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.core.db import inserted_id
from lib.core.errors import UserError
from lib.core.tables import utcnow
from lib.runner.calls import ClientFor, Outcome, Price, parse_response
from lib.runner.execute import answer_from_cache, pending_requests, store_outcomes
from lib.runner.runs import Progress, get_progress
from lib.runner.tables import runner_batches, runner_runs

URLS = {"chat": "/v1/chat/completions", "completions": "/v1/completions"}
OPEN = ("submitting", "validating", "in_progress", "finalizing", "cancelling")
FINISHED_BADLY = ("failed", "expired", "cancelled")
WAITING = "batch"  # the run's status while its batches are with the provider


if TYPE_CHECKING:
    import openai  # annotations only: the SDK loads when a batch is sent


def _open_batches(engine: Engine, run_id: int) -> list[Any]:
    with engine.connect() as conn:
        query = sa.select(runner_batches).where(
            runner_batches.c.run_id == run_id, runner_batches.c.status.in_(OPEN)
        )
        return list(conn.execute(query).fetchall())


def _set(engine: Engine, row_id: int, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(
            runner_batches.update()
            .where(runner_batches.c.id == row_id)
            .values(updated_at=utcnow(), **values)
        )


def _set_run(engine: Engine, run_id: int, status: str) -> None:
    with engine.begin() as conn:
        conn.execute(runner_runs.update().where(runner_runs.c.id == run_id).values(status=status))


def submit_batches(engine: Engine, run_id: int, *, client_for: ClientFor) -> list[str]:
    """Send the unanswered requests of a run as batches; returns the provider's batch ids."""
    import openai

    if _open_batches(engine, run_id):
        raise UserError(f"run {run_id} already has batches with the provider; collect them first")
    todo = pending_requests(engine, run_id, retry_failed=True)
    for key in answer_from_cache(engine, run_id, list(todo), ["pending", "failed"]):
        todo.pop(key, None)
    groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for key, (model, endpoint, body) in todo.items():
        groups.setdefault((model, endpoint), []).append((key, body))
    ids: list[str] = []
    for (model, endpoint), rows in groups.items():
        now = utcnow()
        with engine.begin() as conn:  # the claim: written before any money is spent
            row_id = inserted_id(
                conn.execute(
                    runner_batches.insert().values(
                        run_id=run_id,
                        model=model,
                        endpoint=endpoint,
                        status="submitting",
                        n_requests=len(rows),
                        created_at=now,
                        updated_at=now,
                    )  # fmt: skip
                )
            )
        lines = [
            json.dumps(
                {
                    "custom_id": key,
                    "method": "POST",
                    "url": URLS[endpoint],
                    "body": json.loads(body),
                },
                ensure_ascii=False,
            )
            for key, body in rows
        ]
        client = client_for(model)
        try:
            upload = client.files.create(
                file=(f"tunelab-run{run_id}-{row_id}.jsonl", ("\n".join(lines) + "\n").encode()),
                purpose="batch",
            )
            batch = client.batches.create(
                input_file_id=upload.id, endpoint=URLS[endpoint], completion_window="24h",  # type: ignore[arg-type]
                metadata={"tunelab_run": str(run_id), "tunelab_batch": str(row_id)},
            )  # fmt: skip
        except openai.OpenAIError as exc:
            _set(engine, row_id, status="failed", error=f"{type(exc).__name__}: {exc}"[:2000])
            raise UserError(f"the provider refused the batch for {model}: {exc}") from exc
        _set(engine, row_id, status=str(batch.status), provider_batch_id=batch.id)
        ids.append(batch.id)
    if ids:
        _set_run(engine, run_id, WAITING)
    return ids


def _outcomes(client: openai.OpenAI, file_id: str | None, endpoint: str) -> list[Outcome]:
    if not file_id:
        return []
    text = client.files.content(file_id).text
    found: list[Outcome] = []
    for raw in text.splitlines():
        if not raw.strip():
            continue
        line = json.loads(raw)
        response = line.get("response") or {}
        key = str(line.get("custom_id"))
        if response.get("status_code") == 200 and isinstance(response.get("body"), dict):
            found.append(
                Outcome(key=key, attempts=1, answer=parse_response(endpoint, response["body"]))
            )
        else:
            error = line.get("error") or (response.get("body") or {}).get("error") or {}
            message = error.get("message") if isinstance(error, dict) else str(error)
            found.append(Outcome(key=key, attempts=1, error=f"batch: {message or 'failed'}"))
    return found


def collect_batches(
    engine: Engine, run_id: int, *, client_for: ClientFor, price: Price | None = None
) -> Progress:
    """Check the run's batches; store the answers of completed ones. Cheap to call often."""
    for row in _open_batches(engine, run_id):
        if row.provider_batch_id is None:
            continue  # a submission that never reached the provider
        client = client_for(row.model)
        batch = client.batches.retrieve(row.provider_batch_id)
        if batch.status == "completed":
            outcomes = _outcomes(client, batch.output_file_id, row.endpoint) + _outcomes(
                client, batch.error_file_id, row.endpoint
            )
            models = {o.key: row.model for o in outcomes}
            endpoints = {o.key: row.endpoint for o in outcomes}
            store_outcomes(engine, run_id, outcomes, models, endpoints, price, me="")
            _set(engine, row.id, status="collected")
        elif batch.status in FINISHED_BADLY:
            _set(
                engine,
                row.id,
                status=str(batch.status),
                error=json.dumps(batch.errors.model_dump() if batch.errors else None),
            )
        elif batch.status != row.status:
            _set(engine, row.id, status=str(batch.status))
    with engine.connect() as conn:
        progress = get_progress(conn, run_id)
    if not _open_batches(engine, run_id) and progress.status == WAITING:
        _set_run(engine, run_id, "done" if progress.pending == 0 else "cancelled")
        with engine.connect() as conn:
            progress = get_progress(conn, run_id)
    return progress


def batch_status(engine: Engine, run_id: int) -> list[dict[str, Any]]:
    """The run's batches as the screen lists them."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(runner_batches)
            .where(runner_batches.c.run_id == run_id)
            .order_by(runner_batches.c.id)
        )
        return [
            {
                "model": r.model,
                "status": r.status,
                "requests": r.n_requests,
                "batch": r.provider_batch_id,
                "error": r.error,
            }
            for r in rows
        ]
