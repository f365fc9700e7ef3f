"""One request with the runner's retries, request keys and the answer's stored shape.

Kept apart from the store so a caller (or a test) can send one request exactly as a run would.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    # Loaded where a request is sent, not on import: a screen that only reads stored answers
    # (Results) must not pay for the SDK (bench/import_time_bench.py).
    import openai

Endpoint = Literal["chat", "completions"]
ClientFor = Callable[[str], "openai.OpenAI"]
Price = Callable[[str, int, int], float]
RETRY_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True, slots=True)
class Request:
    item: str
    model: str
    endpoint: Endpoint
    body: Mapping[str, Any]
    meta: Mapping[str, Any] = field(default_factory=dict)
    # Which server answers (``lib.providers.server_identity``): part of the request key, so an
    # answer stored from one server is never served for another that has a model of that name.
    server: str = ""


@dataclass(frozen=True, slots=True)
class RunOptions:
    concurrency: int = 8
    timeout_s: float = 60.0
    max_attempts: int = 6
    backoff_base_s: float = 0.5
    backoff_max_s: float = 60.0
    use_cache: bool = True
    retry_failed: bool = True


# ----------------------------------------------------------------------------- keys, parsing


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def full_body(model: str, body: Mapping[str, Any]) -> dict[str, Any]:
    return {**dict(body), "model": model}


def request_key(
    model: str, endpoint: str, body: Mapping[str, Any], *, server: str = "", salt: str = ""
) -> str:
    """sha256 of the server, endpoint and full request body (model included), canonical JSON.

    ``salt`` makes the keys of one run its own (a run asked for fresh answers): its answers
    are stored and resumed like any others but never served to, or taken from, another run.
    """
    text = endpoint + "\n" + canonical(full_body(model, body))
    if server or salt:
        text = f"server {server}\nsalt {salt}\n{text}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Answer:
    output: str
    finish_reason: str | None
    logprobs: list[dict[str, Any]] | None
    prompt_tokens: int
    completion_tokens: int


def parse_response(endpoint: str, response: Mapping[str, Any]) -> Answer:
    """Output text, finish reason, per-token logprobs and usage from either endpoint's JSON."""
    choice = (response.get("choices") or [{}])[0]
    usage = response.get("usage") or {}
    logprobs: list[dict[str, Any]] | None = None
    if endpoint == "chat":
        message = choice.get("message") or {}
        output = message.get("content")
        if output is None and message.get("tool_calls"):
            output = canonical(message["tool_calls"])
        content = (choice.get("logprobs") or {}).get("content")
        if content is not None:
            logprobs = [
                {
                    "token": e["token"],
                    "logprob": float(e["logprob"]),
                    "top": [[t["token"], float(t["logprob"])] for t in e.get("top_logprobs") or []],
                }
                for e in content
            ]
    else:
        output = choice.get("text")
        lp = choice.get("logprobs") or {}
        if lp.get("tokens") is not None:
            tops = lp.get("top_logprobs") or [None] * len(lp["tokens"])
            logprobs = [
                {
                    "token": token,
                    "logprob": float(value if value is not None else -9999.0),
                    "top": sorted(
                        ([t, float(v)] for t, v in (top or {}).items()), key=lambda x: -x[1]
                    ),
                }
                for token, value, top in zip(
                    lp["tokens"], lp.get("token_logprobs") or [], tops, strict=False
                )
            ]
    return Answer(
        output=output or "",
        finish_reason=choice.get("finish_reason"),
        logprobs=logprobs,
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
    )


# ----------------------------------------------------------------------------- retries


def retry_after_s(headers: Mapping[str, str] | None) -> float | None:
    """Seconds a server asked us to wait (``retry-after-ms``, ``retry-after`` secs or date)."""
    if not headers:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(raw) if raw else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def _retryable(exc: Exception) -> tuple[bool, float | None]:
    import openai  # loaded once a request has been sent (see the imports above)

    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        return True, None
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status in RETRY_STATUSES or status >= 500:
            return True, retry_after_s(exc.response.headers)
    return False, None


def backoff_s(attempt: int, *, options: RunOptions, retry_after: float | None) -> float:
    """Wait before attempt ``attempt + 1``: Retry-After when given, else exponential + jitter."""
    if retry_after is not None:
        return min(options.backoff_max_s, retry_after) + random.uniform(0, 0.05)
    base = options.backoff_base_s * 2 ** (attempt - 1)
    return min(options.backoff_max_s, base) * random.uniform(0.5, 1.0)


def _describe(exc: Exception) -> str:
    import openai

    if isinstance(exc, openai.APIStatusError):
        message = exc.message or str(exc)
        return f"HTTP {exc.status_code}: {message}"[:2000]
    return f"{type(exc).__name__}: {exc}"[:2000]


# Kinds of failure a person acts on differently, and the one line that says what to do.
FAILURE_REASONS: dict[str, str] = {
    "unknown model": "the server does not know the model (HTTP 404): check its name and server",
    "connection refused": "nothing answered at the server's address: is it running, is the URL right?",
    "auth": "the server refused the key (HTTP 401/403): name the right key variable",
    "quota": "the server kept saying too many requests or no quota left (HTTP 429), even after retries",
    "timeout": "the server did not answer in time, even after retries",
    "server error": "the server kept failing (HTTP 5xx), even after retries",
    "bad request": "the server refused the request as sent (HTTP 400/413/422)",
    "other": "another error",
}


def failure_kind(error: str | None) -> str:
    """Which kind of failure a stored error is (a key of :data:`FAILURE_REASONS`)."""
    text = (error or "").strip()
    if text.startswith("HTTP "):
        code = text[5:8]
        if code == "404":
            return "unknown model"
        if code in ("401", "403"):
            return "auth"
        if code == "429":
            return "quota"
        if code in ("400", "413", "422"):
            return "bad request"
        if code.startswith("5"):
            return "server error"
        return "other"
    if text.startswith("APITimeoutError"):
        return "timeout"
    if text.startswith("APIConnectionError"):
        return "connection refused"
    return "other"


@dataclass(slots=True)
class Outcome:
    key: str
    attempts: int
    answer: Answer | None = None
    latency_ms: float = 0.0
    error: str | None = None


PATHS = {"chat": "/chat/completions", "completions": "/completions"}


def _call_once(client: openai.OpenAI, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST the body through the SDK's generic request method and return the JSON as sent.

    Same client, auth, base URL, Azure deployment routing and errors as the typed
    ``chat.completions.create``, without building typed params and pydantic models: for
    thousands of requests that costs the runner more CPU than the engine spends answering.
    """
    path = PATHS.get(endpoint)
    if path is None:
        raise ValueError(f"unknown endpoint {endpoint!r}")
    import httpx2

    response = client.post(path, body=body, cast_to=httpx2.Response)
    return json.loads(response.content)


def call_with_retries(
    client: openai.OpenAI,
    endpoint: str,
    body: dict[str, Any],
    *,
    options: RunOptions,
    cancel: threading.Event,
    key: str = "",
) -> Outcome:
    """One request with the runner's retries; never raises (errors are in the outcome)."""
    quiet = client.with_options(max_retries=0, timeout=options.timeout_s)
    attempt = 0
    while True:
        attempt += 1
        started = time.perf_counter()
        try:
            response = _call_once(quiet, endpoint, body)
        except Exception as exc:  # noqa: BLE001 - every failure becomes the item's error
            again, wait_hint = _retryable(exc)
            if not again or attempt >= options.max_attempts:
                return Outcome(key=key, attempts=attempt, error=_describe(exc))
            if cancel.wait(backoff_s(attempt, options=options, retry_after=wait_hint)):
                return Outcome(key=key, attempts=attempt, error="cancelled")
            continue
        latency = (time.perf_counter() - started) * 1000
        return Outcome(
            key=key, attempts=attempt, answer=parse_response(endpoint, response), latency_ms=latency
        )
