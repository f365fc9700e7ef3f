"""What every provider dialect shares: auth, error rendering, engine jobs, files and times.

A dialect is a thin translation: it checks a request the way the provider documents it, turns
it into an ordinary engine job (the same trainer, worker threads and model registry the
OpenAI-format jobs use) and renders the engine's state in the provider's shapes. Each dialect
keeps its own records (kind ``"<dialect>.job"``, ``"<dialect>.file"``, …) in the engine's state
that point at engine objects, so one engine serves several providers without mixing their
lists.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.engine.errors import ApiError
from lib.engine.files import store_file
from lib.engine.handlers import Engine, engine_of
from lib.engine.jobs_api import create_job_object, get_job
from lib.engine.state import now
from lib.engine.trainer import MAX_BATCH_SIZE

log = logging.getLogger("tunelab.engine.dialects")
Handler = Callable[[Request], Awaitable[Response]]
Renderer = Callable[[ApiError], dict[str, Any]]
# What the engine's status means in every dialect's vocabulary.
ACTIVE = ("validating_files", "queued", "running", "pausing", "paused")
# The base learning rates the providers document as defaults; a request's rate divided by the
# default is the engine's learning-rate multiplier (its own optimiser has its own scale).
MULTIPLIER_RANGE = (1e-4, 100.0)
REQUIRED_KEY_ENV = "TUNELAB_ENGINE_DIALECT_KEY"


def iso(timestamp: int | float | None) -> str | None:
    """Unix seconds as RFC 3339 in UTC (``2026-11-30T15:04:05Z``), as Together and Fireworks
    answer times."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def short_uuid() -> str:
    return uuid.uuid4().hex[:8]


def dialect_api(render: Renderer, *, provider: str) -> Callable[[Handler], Handler]:
    """Wrap a handler: a bearer key is required — any non-empty one, or exactly
    ``TUNELAB_ENGINE_DIALECT_KEY`` when that is set, so that clients' authentication paths can
    be exercised — and every :class:`ApiError` leaves in the provider's documented error
    shape."""

    def decorate(handler: Handler) -> Handler:
        async def wrapped(request: Request) -> Response:
            try:
                header = request.headers.get("authorization", "")
                scheme, _, key = header.partition(" ")
                required = os.environ.get(REQUIRED_KEY_ENV, "")
                if scheme.lower() != "bearer" or not key.strip():
                    raise ApiError(
                        401,
                        f"Missing API key: send 'Authorization: Bearer <key>' ({provider} "
                        "dialect of the built-in engine).",
                        code="invalid_api_key",
                    )
                if required and key.strip() != required:
                    raise ApiError(401, "Invalid API key provided.", code="invalid_api_key")
                return await handler(request)
            except ApiError as exc:
                return JSONResponse(render(exc), status_code=exc.status)
            except Exception:  # a bug: log it, answer a clean 500
                log.exception("%s dialect error on %s %s", provider, request.method, request.url)
                error = ApiError(500, "The built-in engine had an internal error; see its log.")
                return JSONResponse(render(error), status_code=500)

        wrapped.__name__ = handler.__name__
        return wrapped

    return decorate


async def json_object(request: Request) -> dict[str, Any]:
    """The JSON body, or a 400 that says why not (the dialect renders it)."""
    from lib.engine.handlers import json_body

    return await json_body(request)


async def read_upload(
    request: Request, *, file_field: str = "file"
) -> tuple[bytes, str, dict[str, str]]:
    """A multipart upload: the file's bytes, its file name and the other (text) fields."""
    form = await request.form(max_files=1, max_fields=20)
    try:
        upload = form.get(file_field)
        if not isinstance(upload, UploadFile):
            raise ApiError(400, f"'{file_field}' is required (a multipart file part).")
        content = await upload.read()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        return content, upload.filename or "upload.jsonl", fields
    finally:
        await form.close()


def keep_file(engine: Engine, *, content: bytes, filename: str) -> dict[str, Any]:
    """Store uploaded training data as an engine file (purpose ``fine-tune``)."""
    return store_file(engine.state, content=content, filename=filename, purpose="fine-tune")


def count_lines(engine: Engine, file_id: str) -> int:
    path = engine.state.file_path(file_id)
    if not path.exists():
        return 0
    return sum(1 for line in path.read_bytes().splitlines() if line.strip())


def multiplier(rate: float, default: float) -> float:
    low, high = MULTIPLIER_RANGE
    return min(high, max(low, rate / default))


def engine_hyper(
    *, n_epochs: int | None, batch_size: int | None, rate_multiplier: float | None
) -> dict[str, Any]:
    """Engine hyperparameters from a dialect's values ("auto" where the dialect has none)."""
    hyper: dict[str, Any] = {}
    if n_epochs is not None:
        hyper["n_epochs"] = n_epochs
    if batch_size is not None:
        hyper["batch_size"] = min(MAX_BATCH_SIZE, max(1, batch_size))
    if rate_multiplier is not None:
        hyper["learning_rate_multiplier"] = rate_multiplier
    return hyper


def start_job(
    engine: Engine,
    *,
    dialect: str,
    model: str,
    training_file: str,
    validation_file: str | None,
    method: str,
    hyper: dict[str, Any],
    output_model: str,
    seed: int | None = None,
) -> dict[str, Any]:
    """Create and queue an engine job whose model is published as ``output_model``.

    ``model`` is an engine base model or a stored fine-tuned model (a warm start). Checkpoints
    are published as ``<output_model>:ckpt-step-<N>``.
    """
    body: dict[str, Any] = {
        "model": model,
        "training_file": training_file,
        "validation_file": validation_file,
        "method": {"type": method, method: {"hyperparameters": hyper}},
    }
    if seed is not None:
        body["seed"] = seed
    return create_job_object(
        engine, body, extra={"_dialect": dialect, "_output_model": output_model}
    )


def cancel_job(engine: Engine, job_id: str) -> dict[str, Any]:
    """Cancel an engine job if it is still active; the job as it is afterwards."""
    manager = engine.jobs
    job = manager.transition(
        job_id, ACTIVE, status="cancelled", finished_at=now(), events=("Job cancelled",)
    )
    if job is not None:
        return job
    return get_job(engine, job_id)


def job_or_none(engine: Engine, job_id: str | None) -> dict[str, Any] | None:
    return engine.state.get("job", job_id) if job_id else None


def events(engine: Engine, job_id: str) -> list[dict[str, Any]]:
    """The engine job's events, oldest first."""
    return engine.state.list("event", parent=job_id, newest_first=False)


def metric_rows(engine: Engine, job_id: str) -> list[dict[str, Any]]:
    """The ``data`` of the job's metrics events (step, losses, accuracies), oldest first."""
    return [e["data"] for e in events(engine, job_id) if e.get("type") == "metrics"]


def checkpoints(engine: Engine, job_id: str) -> list[dict[str, Any]]:
    """The engine's kept checkpoints of a job, oldest first."""
    return engine.state.list("checkpoint", parent=job_id, newest_first=False)


def delete_models(engine: Engine, job_id: str) -> list[str]:
    """Delete every model (final and checkpoints) a job published; their ids."""
    gone = [m["id"] for m in engine.state.list("model") if m.get("fine_tuning_job") == job_id]
    for model_id in gone:
        engine.registry.delete(model_id)
    return gone


def progress(engine: Engine, job: dict[str, Any] | None) -> tuple[int, int]:
    """Steps done and total steps of a job, from its latest metrics event ((0, 0) before)."""
    if job is None:
        return 0, 0
    latest = engine.state.list("event", parent=job["id"])
    for event in latest:
        if event.get("type") == "metrics":
            return int(event["data"]["step"]), int(event["data"]["total_steps"])
    if job["status"] == "succeeded":
        return 1, 1
    return 0, 0


async def threaded(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await run_in_threadpool(func, *args, **kwargs)


def engine_for(request: Request) -> Engine:
    return engine_of(request)


def inference_handler(
    kind: str,
    *,
    base_models: dict[str, str],
    render: Renderer,
    provider: str,
    adapt_request: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    adapt_response: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]] | None = None,
) -> Handler:
    """Chat (``kind="chat"``) or legacy completions answered by the engine's own code, with the
    dialect's base-model names mapped to the engine's and the model named back as asked.
    ``adapt_request`` / ``adapt_response`` translate where a provider's shape differs from
    OpenAI's (the response hook also sees the original request)."""
    from lib.engine import completions

    async def handler(request: Request) -> Response:
        asked_body = await json_object(request)
        body = adapt_request(dict(asked_body)) if adapt_request else dict(asked_body)
        asked = body.get("model")
        if isinstance(asked, str) and asked in base_models:
            body["model"] = base_models[asked]
        engine = engine_for(request)
        work = completions.chat_completion if kind == "chat" else completions.completion
        result = await threaded(work, engine.registry, body)
        result["model"] = asked
        if adapt_response:
            result = adapt_response(asked_body, result)
        return JSONResponse(result)

    handler.__name__ = f"{kind}_completion"
    return dialect_api(render, provider=provider)(handler)
