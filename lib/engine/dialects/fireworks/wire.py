"""Fireworks dialect: its names, limits and error shape (see the package docstring)."""

from __future__ import annotations

import re
import secrets
import string
from typing import Any

from starlette.requests import Request

from lib.engine.dialects import common
from lib.engine.errors import ApiError

NAME = "fireworks"
PREFIX = "/fireworks"
DEFAULT_LEARNING_RATE = 1e-4
DEFAULT_LORA_RANK = 8
MAX_EPOCHS = 50
BASE_MODELS = {
    "accounts/fireworks/models/qwen3-8b": "tunelab-base",
    "accounts/fireworks/models/llama-v3p1-8b-instruct": "tunelab-base",
    "accounts/fireworks/models/tunelab-base": "tunelab-base",
}
_RESOURCE_ID = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# HTTP status → gRPC code name and number (google.rpc.Code), as the gateway maps them.
GRPC = {
    400: ("INVALID_ARGUMENT", 3),
    401: ("UNAUTHENTICATED", 16),
    403: ("PERMISSION_DENIED", 7),
    404: ("NOT_FOUND", 5),
    405: ("UNIMPLEMENTED", 12),
    409: ("ALREADY_EXISTS", 6),
    412: ("FAILED_PRECONDITION", 9),
    413: ("INVALID_ARGUMENT", 3),
    429: ("RESOURCE_EXHAUSTED", 8),
    500: ("INTERNAL", 13),
}
STATE = {
    "validating_files": "JOB_STATE_VALIDATING",
    "queued": "JOB_STATE_PENDING",
    "running": "JOB_STATE_RUNNING",
    "pausing": "JOB_STATE_RUNNING",
    "paused": "JOB_STATE_PAUSED",
    "succeeded": "JOB_STATE_COMPLETED",
    "failed": "JOB_STATE_FAILED",
    "cancelled": "JOB_STATE_CANCELLED",
}


def render_error(error: ApiError) -> dict[str, Any]:
    code = GRPC.get(error.status, ("UNKNOWN", 2))[1]
    return {"code": code, "message": error.message, "details": []}


api = common.dialect_api(render_error, provider="Fireworks")


def invalid(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(kind: str, name: str) -> ApiError:
    return ApiError(404, f"{kind} {name!r} not found")


def _new_id() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return secrets.choice(string.ascii_lowercase) + "".join(
        secrets.choice(alphabet) for _ in range(11)
    )


def check_id(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _RESOURCE_ID.match(value):
        raise invalid(
            f"{field} {value!r} is not a valid resource id: 1-63 lowercase letters, digits or "
            "hyphens, starting and ending with a letter or digit."
        )
    return value


def page(request: Request, items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """AIP-158 paging: ``pageSize`` (default 50, at most 200) and an opaque ``pageToken``."""
    raw = request.query_params.get("pageSize") or "50"
    if not raw.isdigit():
        raise invalid(f"pageSize must be a positive integer; got {raw!r}.")
    size = min(200, max(1, int(raw)))
    token = request.query_params.get("pageToken") or "0"
    if not token.isdigit():
        raise invalid(f"pageToken {token!r} is not a page token this server issued.")
    start = int(token)
    page = items[start : start + size]
    more = start + size < len(items)
    return {key: page, "nextPageToken": str(start + size) if more else "", "totalSize": len(items)}
