"""Mistral AI's fine-tuning wire format, served under ``/mistral`` by the built-in engine.

Follows Mistral's official Python SDK (github.com/mistralai/client-python, SDK 2.5.1 generated
from Mistral's OpenAPI document, commit 05629d23 of 2026-06-30: ``fine_tuning_jobs.py``,
``files.py``, ``classifiers.py``, ``models/createfinetuningjobrequest.py``,
``completionfinetuningjob.py``, ``classifierfinetuningjob.py``, ``fileschema.py``,
``errors/httpvalidationerror.py``) and Mistral's issue reports of real answers
(client-python#450 of 2026-03-27, client-ts#70 of 2025-01-08):

- ``POST /v1/files`` (multipart ``file``, ``purpose``) → ``FileSchema``; ``GET /v1/files``
  (``{"data", "object", "total"}``), ``GET|DELETE /v1/files/{id}``, ``…/content``.
- ``POST /v1/fine_tuning/jobs`` with ``model``, ``training_files: [{file_id, weight}]``,
  ``validation_files``, ``suffix``, ``hyperparameters`` (``training_steps`` or ``epochs``,
  ``learning_rate``, …), ``auto_start``, ``job_type`` ``completion``/``classifier`` and
  ``classifier_targets: [{name, labels, weight, loss_function}]``; ``GET`` list (``page``,
  ``page_size``, ``model``, ``status``, ``suffix`` filters → ``{"data", "object", "total"}``);
  ``GET /v1/fine_tuning/jobs/{id}`` (with ``events`` and ``checkpoints``); ``POST …/start`` and
  ``…/cancel``.
- ``GET /v1/models``, ``GET|DELETE /v1/models/{id}`` (``{"id", "object", "deleted"}``).
- ``POST /v1/classifications`` (``model``, ``input``: text or texts) →
  ``{"id", "model", "results": [{target: {"scores": {label: probability}}}]}``: a classifier
  job's model answers with real class probabilities.
- ``POST /v1/chat/completions``: OpenAI's shape without logprobs (Mistral's request has no
  logprobs fields, so they are refused as extra inputs).
- Errors: FastAPI's ``{"detail": [{"type", "loc", "msg", "ctx"}]}`` with 422 for a body that
  fails validation (as in client-ts#70), ``{"detail": "<message>"}`` otherwise (as in
  client-python#450).

Statuses: ``QUEUED → VALIDATING → VALIDATED → (auto_start or /start) → RUNNING → SUCCESS``,
``FAILED_VALIDATION``, ``FAILED``, ``CANCELLED``. The engine validates the files while it
answers the create request, so a job is ``VALIDATED`` (or ``FAILED_VALIDATION``) at once.
Mistral's job ``metadata`` is a cost estimate, not the client's, so an idempotency key travels
in ``suffix`` (and the list filters by it).

Not verified against the live service: ``auto_start``'s default (taken as true), the event
names (``status-updated`` with the new status in ``data``) and 404 bodies. The engine's own
choices: ``learning_rate / 1e-4`` is its learning-rate multiplier; ``training_steps`` becomes
whole epochs; a classifier job trains one target (the engine's classifier is single-label).
"""

from __future__ import annotations

from starlette.routing import Route

from lib.engine.dialects.mistral.files import (
    delete_file,
    file_content,
    list_files,
    retrieve_file,
    upload_file,
)
from lib.engine.dialects.mistral.jobs import control_route, create_job, list_jobs, retrieve_job
from lib.engine.dialects.mistral.models import (
    chat_completions,
    classifications,
    delete_model,
    list_models,
    retrieve_model,
)
from lib.engine.dialects.mistral.wire import NAME, PREFIX

__all__ = ["NAME", "PREFIX", "ROUTES"]

ROUTES = [
    Route("/v1/files", upload_file, methods=["POST"]),
    Route("/v1/files", list_files, methods=["GET"]),
    Route("/v1/files/{file_id}", retrieve_file, methods=["GET"]),
    Route("/v1/files/{file_id}", delete_file, methods=["DELETE"]),
    Route("/v1/files/{file_id}/content", file_content, methods=["GET"]),
    Route("/v1/fine_tuning/jobs", create_job, methods=["POST"]),
    Route("/v1/fine_tuning/jobs", list_jobs, methods=["GET"]),
    Route("/v1/fine_tuning/jobs/{job_id}", retrieve_job, methods=["GET"]),
    Route("/v1/fine_tuning/jobs/{job_id}/start", control_route("start"), methods=["POST"]),
    Route("/v1/fine_tuning/jobs/{job_id}/cancel", control_route("cancel"), methods=["POST"]),
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models/{model:path}", retrieve_model, methods=["GET"]),
    Route("/v1/models/{model:path}", delete_model, methods=["DELETE"]),
    Route("/v1/classifications", classifications, methods=["POST"]),
    Route("/v1/chat/completions", chat_completions, methods=["POST"]),
]
