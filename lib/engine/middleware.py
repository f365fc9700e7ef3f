"""ASGI layers in front of the API: refuse oversized bodies (413) and inject faults.

Both answer in OpenAI's error shape. They sit outside routing so that an oversized upload is
refused before it is parsed, and a fault hits any ``/v1`` path the same way.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from typing import Any

from lib.engine.config import EngineConfig
from lib.engine.errors import ApiError

Scope = dict[str, Any]


async def send_error(send: Any, error: ApiError, headers: list[tuple[bytes, bytes]] = ()) -> None:  # type: ignore[assignment]
    payload = json.dumps(error.body()).encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": error.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class BodyTooLarge(ApiError):
    """Raised from ``receive`` once a body (chunked or not) passes the limit: an
    :class:`ApiError`, so a handler reading the body answers it as the 413 it is."""


class BodyLimit:
    """413 for request bodies over ``limit`` bytes, by header or by counting what arrives."""

    def __init__(self, app: Any, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    def _error(self) -> BodyTooLarge:
        megabytes = self.limit / (1024 * 1024)
        return BodyTooLarge(
            413,
            f"Request body too large: the built-in engine accepts at most {megabytes:g} MB "
            "(see --max-body-mb).",
            code="request_too_large",
        )

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await send_error(send, self._error())
            return
        seen = 0
        started = False

        async def counting_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise self._error()
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as error:
            if not started:
                await send_error(send, error)


class FaultInjector:
    """Answer a share of ``/v1`` requests with 429 (Retry-After) or 500, and add latency."""

    def __init__(self, app: Any, *, config: EngineConfig) -> None:
        self.app = app
        self.config = config
        self._random = random.Random(config.fault_seed)
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        config = self.config
        if scope["type"] != "http" or "/v1/" not in scope["path"]:  # dialects: /<name>/…/v1/
            await self.app(scope, receive, send)
            return
        if config.latency_ms:
            await asyncio.sleep(config.latency_ms / 1000)
        if config.fault_429 or config.fault_500:
            with self._lock:
                draw = self._random.random()
            if draw < config.fault_429:
                seconds = max(config.retry_after_ms / 1000, 0.001)
                error = ApiError(
                    429,
                    "Rate limit reached (injected by the built-in engine's fault injector).",
                    code="rate_limit_exceeded",
                )
                headers = [
                    (b"retry-after", str(max(1, round(seconds))).encode()),
                    (b"retry-after-ms", str(config.retry_after_ms).encode()),
                ]
                await send_error(send, error, headers)
                return
            if draw < config.fault_429 + config.fault_500:
                error = ApiError(
                    500, "Internal error (injected by the built-in engine's fault injector)."
                )
                # A short retry-after-ms keeps clients' backoff (and test runs) brief.
                await send_error(
                    send, error, [(b"retry-after-ms", str(config.retry_after_ms).encode())]
                )
                return
        await self.app(scope, receive, send)
