"""What every route module shares: the :class:`Engine` the handlers act on, body and query
parsing, and :func:`api`, which turns any failure into OpenAI's error shape.

Its own module (not ``server``) so that the route modules and the server that mounts them do not
import each other: ``server`` → ``*_api`` → ``handlers``, one way.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.engine.config import EngineConfig
from lib.engine.errors import ApiError, bad_request
from lib.engine.registry import Registry
from lib.engine.state import State

log = logging.getLogger("tunelab.engine")
Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class Engine:
    """Everything the handlers share: settings, stored state, models, jobs and batches."""

    config: EngineConfig
    state: State
    registry: Registry
    jobs: Any = None  # lib.engine.jobs.JobManager
    batches: Any = None  # lib.engine.batches.BatchManager


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def int_query(request: Request, name: str, *, low: int = 1, high: int = 10_000) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"'{name}' must be an integer; got {raw!r}.", param=name) from None
    if not low <= value <= high:
        raise bad_request(f"'{name}' must be between {low} and {high}; got {value}.", param=name)
    return value


def api(handler: Handler) -> Handler:
    """Translate :class:`ApiError` (and anything unexpected) into OpenAI's error response."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:  # also a body over the limit (413), chunked or not
            return JSONResponse(exc.body(), status_code=exc.status)
        except HTTPException as exc:  # Starlette's own refusals, e.g. a malformed multipart form
            error = ApiError(exc.status_code, str(exc.detail))
            return JSONResponse(error.body(), status_code=error.status)
        except Exception:  # a bug: log it, answer a clean 500 the SDK will retry
            log.exception("engine error on %s %s", request.method, request.url.path)
            error = ApiError(500, "The built-in engine had an internal error; see its log.")
            return JSONResponse(error.body(), status_code=500)

    wrapped.__name__ = handler.__name__
    return wrapped
