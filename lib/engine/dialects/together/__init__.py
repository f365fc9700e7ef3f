"""Together AI's fine-tuning wire format, served under ``/together/v1`` by the built-in engine.

Follows Together's OpenAPI document (github.com/togethercomputer/openapi, ``openapi.yaml`` at
commit 090263a, 2026-04-28) and its Python SDK v1 (togethercomputer/together-python
``src/together/types/finetune.py`` and ``resources/finetune.py``, 2025-12-23):

- ``POST /files/upload`` (multipart ``purpose``, ``file_name``, ``file``, ``file_type``) →
  ``FileResponse``; ``GET /files``, ``GET|DELETE /files/{id}``, ``GET /files/{id}/content``.
- ``POST /fine-tunes`` (``training_file`` and ``model`` or ``from_checkpoint``; ``n_epochs``,
  ``batch_size`` int or ``"max"``, ``learning_rate``, ``suffix``, ``random_seed``,
  ``training_type`` ``Full``/``Lora``, ``training_method`` ``sft``/``dpo`` with ``dpo_beta``)
  → ``FinetuneResponseTruncated``; ``GET /fine-tunes`` → ``{"data": [...]}``;
  ``GET /fine-tunes/{id}`` → ``FinetuneResponse``; ``POST /fine-tunes/{id}/cancel``;
  ``DELETE /fine-tunes/{id}`` → ``{"message"}``; ``GET /fine-tunes/{id}/events``,
  ``/checkpoints``, ``/metrics``.
- ``GET /fine-tunes/models/supported`` → ``{"models": [names]}`` (the engine's stand-ins).
- ``GET /models`` → a bare array of ``ModelInfo`` (Together documents no model deletion: a
  fine-tuned model goes with its job, ``DELETE /fine-tunes/{id}``).
- ``POST /chat/completions`` and ``/completions`` (OpenAI's shapes, except ``logprobs``: an
  integer 0..20 in the request, ``LogprobsPart`` — ``tokens``, ``token_logprobs``,
  ``top_logprobs`` — in the answer; the document types ``top_logprobs`` as one map, the engine
  gives one map per token).
- Errors: ``{"error": {"message", "type", "param", "code"}}`` (``ErrorData``).

Statuses: ``pending → queued → running → completed | error | cancelled`` (the engine has no
``compressing``/``uploading`` phase). Fine-tuning jobs keep no metadata, so a client's
idempotency key can only travel in ``suffix`` (≤ 40 characters), which the job echoes.

The engine's own choices, not Together's: LoRA and full training train the same small model;
``learning_rate / 1e-5`` (Together's default) is the engine's learning-rate multiplier;
``batch_size="max"`` is the engine's automatic batch size. ``/metrics`` rows follow
Together's "Training metrics" guide (docs.together.ai/docs/fine-tuning/monitoring, 2026; the
endpoint came with openapi PR #253 of 2026-04-27): ``train/global_step``, ``train/loss``,
``train/epoch`` rows and separate ``eval/global_step``, ``eval/loss`` rows, each with a
nanosecond ``timestamp``.
"""

from __future__ import annotations

from starlette.routing import Route

from lib.engine.dialects.together.files import (
    delete_file,
    file_content,
    list_files,
    retrieve_file,
    upload_file,
)
from lib.engine.dialects.together.jobs import (
    cancel_job,
    create_job,
    delete_job,
    job_metrics,
    list_checkpoints,
    list_events,
    list_jobs,
    retrieve_job,
)
from lib.engine.dialects.together.models import inference, list_models, supported_models
from lib.engine.dialects.together.wire import NAME, PREFIX

__all__ = ["NAME", "PREFIX", "ROUTES"]

ROUTES = [
    Route("/files/upload", upload_file, methods=["POST"]),
    Route("/files", list_files, methods=["GET"]),
    Route("/files/{file_id}", retrieve_file, methods=["GET"]),
    Route("/files/{file_id}", delete_file, methods=["DELETE"]),
    Route("/files/{file_id}/content", file_content, methods=["GET"]),
    Route("/fine-tunes/models/supported", supported_models, methods=["GET"]),
    Route("/fine-tunes", create_job, methods=["POST"]),
    Route("/fine-tunes", list_jobs, methods=["GET"]),
    Route("/fine-tunes/{job_id}", retrieve_job, methods=["GET"]),
    Route("/fine-tunes/{job_id}", delete_job, methods=["DELETE"]),
    Route("/fine-tunes/{job_id}/cancel", cancel_job, methods=["POST"]),
    Route("/fine-tunes/{job_id}/events", list_events, methods=["GET"]),
    Route("/fine-tunes/{job_id}/checkpoints", list_checkpoints, methods=["GET"]),
    Route("/fine-tunes/{job_id}/metrics", job_metrics, methods=["GET"]),
    Route("/models", list_models, methods=["GET"]),
    Route("/chat/completions", inference("chat"), methods=["POST"]),
    Route("/completions", inference("legacy"), methods=["POST"]),
]
