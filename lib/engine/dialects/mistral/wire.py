"""Mistral dialect: its names, limits and error shape (see the package docstring)."""

from __future__ import annotations

from typing import Any

from lib.engine.dialects import common
from lib.engine.errors import ApiError

NAME = "mistral"
PREFIX = "/mistral"
DEFAULT_LEARNING_RATE = 1e-4
WORKSPACE = "tunelab"
BASE_MODELS = {
    "ministral-3b-latest": "tunelab-base",
    "ministral-8b-latest": "tunelab-base",
    "mistral-small-latest": "tunelab-base",
    "open-mistral-nemo": "tunelab-base",
}
STATUS = {
    "validating_files": "VALIDATING",
    "queued": "VALIDATED",
    "running": "RUNNING",
    "pausing": "RUNNING",
    "paused": "RUNNING",
    "succeeded": "SUCCESS",
    "failed": "FAILED",
    "cancelled": "CANCELLED",
}
FINAL = ("SUCCESS", "FAILED", "FAILED_VALIDATION", "CANCELLED")


class Invalid(ApiError):
    """A request body that fails validation: 422 with FastAPI's ``detail`` list."""

    def __init__(self, loc: list[str | int], message: str, kind: str = "value_error") -> None:
        super().__init__(422, message, param=".".join(map(str, loc)))
        self.loc = loc
        self.kind = kind


def render_error(error: ApiError) -> dict[str, Any]:
    if isinstance(error, Invalid):
        return {
            "detail": [
                {"type": error.kind, "loc": ["body", *error.loc], "msg": error.message,
                 "ctx": {"error": error.message}}
            ]
        }  # fmt: skip
    return {"detail": error.message}


api = common.dialect_api(render_error, provider="Mistral")
