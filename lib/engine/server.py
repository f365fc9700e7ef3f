"""The engine's HTTP application (Starlette): routes, error translation and lifecycle.

Handlers read the JSON body, run the work in a thread (models and SQLite are blocking) and
answer OpenAI's shapes. Every failure leaves as an :class:`ApiError` in OpenAI's error shape.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from lib.engine import batches_api, completions, files_api, jobs_api
from lib.engine.batches import BatchManager
from lib.engine.config import EngineConfig
from lib.engine.dialects import mounts
from lib.engine.errors import ApiError
from lib.engine.handlers import Engine, api, engine_of, json_body
from lib.engine.jobs import JobManager
from lib.engine.middleware import BodyLimit, FaultInjector
from lib.engine.registry import Registry
from lib.engine.state import State

# ---------------------------------------------------------------------------- misc


async def health(request: Request) -> Response:
    """Liveness for launchers; ``data_dir`` tells a launcher whether this is *its* engine."""
    folder = str(engine_of(request).config.data_dir.resolve())
    return JSONResponse({"status": "ok", "engine": "tunelab", "data_dir": folder})


# ---------------------------------------------------------------------------- models


@api
async def list_models(request: Request) -> Response:
    data = await run_in_threadpool(engine_of(request).registry.list_objects)
    return JSONResponse({"object": "list", "data": data})


@api
async def retrieve_model(request: Request) -> Response:
    model_id = request.path_params["model"]
    obj = await run_in_threadpool(engine_of(request).registry.get_object, model_id)
    if obj is None:
        raise ApiError(
            404, f"The model '{model_id}' does not exist", param="model", code="model_not_found"
        )
    return JSONResponse(obj)


@api
async def delete_model(request: Request) -> Response:
    engine = engine_of(request)
    model_id = request.path_params["model"]
    obj = await run_in_threadpool(engine.registry.get_object, model_id)
    if obj is None:
        raise ApiError(
            404, f"The model '{model_id}' does not exist", param="model", code="model_not_found"
        )
    if not model_id.startswith("ft:"):
        raise ApiError(
            400,
            f"The model '{model_id}' is a base model; only fine-tuned models can be deleted.",
            param="model",
        )
    await run_in_threadpool(engine.registry.delete, model_id)
    return JSONResponse({"id": model_id, "object": "model", "deleted": True})


# ---------------------------------------------------------------------------- completions


@api
async def chat_completions(request: Request) -> Response:
    body = await json_body(request)
    result = await run_in_threadpool(completions.chat_completion, engine_of(request).registry, body)
    return JSONResponse(result)


@api
async def legacy_completions(request: Request) -> Response:
    body = await json_body(request)
    result = await run_in_threadpool(completions.completion, engine_of(request).registry, body)
    return JSONResponse(result)


def _routes() -> list[BaseRoute]:
    return [
        Route("/health", health),
        Route("/v1/health", health),
        Route("/v1/models", list_models),
        Route("/v1/models/{model:path}", retrieve_model, methods=["GET"]),
        Route("/v1/models/{model:path}", delete_model, methods=["DELETE"]),
        Route("/v1/chat/completions", chat_completions, methods=["POST"]),
        Route("/v1/completions", legacy_completions, methods=["POST"]),
        *files_api.ROUTES,
        *jobs_api.ROUTES,
        *batches_api.ROUTES,
        *mounts(),  # other providers' wire formats (lib/engine/dialects)
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        error = ApiError(404, f"Invalid URL ({request.method} {request.url.path})")
    elif exc.status_code == 405:
        error = ApiError(405, f"Method {request.method} not allowed for {request.url.path}")
    else:
        error = ApiError(exc.status_code, str(exc.detail))
    return JSONResponse(error.body(), status_code=error.status)


def create_app(config: EngineConfig) -> Any:
    """The ASGI application: body limit → fault injector → routes; jobs resume on startup."""
    state = State(config.data_dir)
    engine = Engine(config=config, state=state, registry=Registry(state))
    engine.jobs = JobManager(engine)
    engine.batches = BatchManager(engine)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        engine.jobs.start()
        engine.batches.start()
        try:
            yield
        finally:
            engine.jobs.stop()
            engine.batches.stop()

    app = Starlette(
        routes=_routes(),
        exception_handlers={HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.engine = engine
    return BodyLimit(FaultInjector(app, config=config), limit=config.max_body_bytes)
