"""Together dialect: its names, limits and error shape (see the package docstring)."""

from __future__ import annotations

from typing import Any

from lib.engine.dialects import common
from lib.engine.errors import ApiError

NAME = "together"
PREFIX = "/together/v1"
OWNER = "tunelab"
DEFAULT_LEARNING_RATE = 1e-5
MAX_EPOCHS = 20  # Together's CLI reference: n-epochs 1..20
MAX_SUFFIX = 40
# Together model names the engine answers for, all backed by its untrained prior.
BASE_MODELS = {
    "Qwen/Qwen3-8B": "tunelab-base",
    "meta-llama/Meta-Llama-3.1-8B-Instruct-Reference": "tunelab-base",
    "tunelab-base": "tunelab-base",
}
FILE_PURPOSES = (
    "fine-tune", "eval", "eval-sample", "eval-output", "eval-summary", "batch-generated",
    "batch-api",
)  # fmt: skip
STATUS = {
    "validating_files": "pending",
    "queued": "queued",
    "running": "running",
    "pausing": "running",
    "paused": "running",
    "succeeded": "completed",
    "failed": "error",
    "cancelled": "cancelled",
}
# Engine event messages (by their first words) as Together's event types.
EVENT_TYPES = (
    ("Created fine-tuning job", "job_pending"),
    ("Validating training file", "training_data_downloading"),
    ("Files validated", "training_data_download_complete"),
    ("Fine-tuning job started", "training_start"),
    ("The engine restarted", "job_restarted"),
    ("Checkpoint created", "checkpoint_save"),
    ("New fine-tuned model created", "model_upload_complete"),
    ("The job has successfully completed", "job_complete"),
    ("Job cancelled", "cancel_requested"),
)


def render_error(error: ApiError) -> dict[str, Any]:
    return error.body()


api = common.dialect_api(render_error, provider="Together")
