"""Fireworks AI's control-plane wire format for supervised fine-tuning, served under
``/fireworks`` by the built-in engine.

Follows Fireworks' official Python SDK, generated from its OpenAPI document
(github.com/fw-ai-external/python-sdk ``api.md`` and ``src/fireworks/types/``, release 1.2.2,
2026-07-21), and the API reference pages at docs.fireworks.ai (``get-supervised-fine-tuning-job``,
firectl ``supervised-fine-tuning-job create|cancel|delete``; read 2026-11-30):

- Datasets: ``POST /v1/accounts/{account}/datasets`` (body ``datasetId`` and ``dataset``);
  ``POST …/datasets/{id}:upload`` (multipart ``file``); ``GET …/datasets``,
  ``GET|DELETE …/datasets/{id}``. A dataset is ``UPLOADING`` until its file arrives, then
  ``READY``.
- Jobs: ``POST /v1/accounts/{account}/supervisedFineTuningJobs?supervisedFineTuningJobId=ID``
  (body ``dataset``, ``baseModel`` or ``warmStartFrom``, ``outputModel``, ``epochs``,
  ``learningRate``, ``loraRank``, ``batchSize``, ``evaluationDataset``, ``displayName``);
  ``GET`` list (``pageSize`` ≤ 200, default 50; ``pageToken`` → ``nextPageToken``) and get;
  ``DELETE`` (stops a running job and removes it: the REST reference has no separate cancel
  for supervised jobs, firectl's ``cancel`` aside). ``state`` is ``JOB_STATE_*``; a failure is
  ``status: {code, message}``.
- Models: ``GET /v1/accounts/{account}/models`` (``{"models", "nextPageToken", "totalSize"}``),
  ``GET|DELETE …/models/{id}``; a tuned model is a ``HF_PEFT_ADDON`` named
  ``accounts/{account}/models/{outputModel}`` (default: the job's id).
- Inference: ``POST /inference/v1/chat/completions`` and ``/inference/v1/completions`` are
  OpenAI-compatible (logprobs in OpenAI's shape), so the engine answers them as it answers
  OpenAI.
- Errors: gRPC-gateway JSON ``{"code": <gRPC code>, "message", "details": []}`` (as the SDK's
  tests show: ``{"message": "… not found", "code": 5}`` with 404, code 7 with 403); a client
  job id that exists already is ``409`` ``ALREADY_EXISTS`` — the natural idempotency key.

The engine's own choices: ``learningRate / 1e-4`` is its learning-rate multiplier; the LoRA
rank is echoed (the engine trains the same small model at any rank).
"""

from __future__ import annotations

from starlette.routing import Route

from lib.engine.dialects.fireworks.files import (
    create_dataset,
    delete_dataset,
    get_dataset,
    list_datasets,
    upload_dataset,
)
from lib.engine.dialects.fireworks.jobs import create_job, delete_job, get_job, list_jobs
from lib.engine.dialects.fireworks.models import delete_model, get_model, inference, list_models
from lib.engine.dialects.fireworks.wire import NAME, PREFIX

__all__ = ["NAME", "PREFIX", "ROUTES"]

ACCOUNT = "/v1/accounts/{account}"
ROUTES = [
    Route(f"{ACCOUNT}/datasets/{{dataset}}:upload", upload_dataset, methods=["POST"]),
    Route(f"{ACCOUNT}/datasets", create_dataset, methods=["POST"]),
    Route(f"{ACCOUNT}/datasets", list_datasets, methods=["GET"]),
    Route(f"{ACCOUNT}/datasets/{{dataset}}", get_dataset, methods=["GET"]),
    Route(f"{ACCOUNT}/datasets/{{dataset}}", delete_dataset, methods=["DELETE"]),
    Route(f"{ACCOUNT}/supervisedFineTuningJobs", create_job, methods=["POST"]),
    Route(f"{ACCOUNT}/supervisedFineTuningJobs", list_jobs, methods=["GET"]),
    Route(f"{ACCOUNT}/supervisedFineTuningJobs/{{job}}", get_job, methods=["GET"]),
    Route(f"{ACCOUNT}/supervisedFineTuningJobs/{{job}}", delete_job, methods=["DELETE"]),
    Route(f"{ACCOUNT}/models", list_models, methods=["GET"]),
    Route(f"{ACCOUNT}/models/{{model}}", get_model, methods=["GET"]),
    Route(f"{ACCOUNT}/models/{{model}}", delete_model, methods=["DELETE"]),
    Route("/inference/v1/chat/completions", inference("chat"), methods=["POST"]),
    Route("/inference/v1/completions", inference("legacy"), methods=["POST"]),
]
