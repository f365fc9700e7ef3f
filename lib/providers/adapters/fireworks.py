"""Fireworks AI supervised fine-tuning behind the ``openai`` client's shape (plain httpx2).

API followed: Fireworks' official Python SDK, generated from its OpenAPI document,
github.com/fw-ai-external/python-sdk ``api.md`` and ``src/fireworks/types/`` (release 1.2.2,
2026-07-21), and docs.fireworks.ai (``get-supervised-fine-tuning-job``, firectl
``supervised-fine-tuning-job create|delete``, the fine-tuning guide; read 2026-11-30).
Paths under ``/v1/accounts/{account}``: ``POST datasets`` (``datasetId``, ``dataset``) and
``POST datasets/{id}:upload`` (multipart), ``GET|DELETE datasets/{id}``,
``POST supervisedFineTuningJobs?supervisedFineTuningJobId=…``, ``GET`` list/get, ``DELETE``;
``GET|DELETE models/{id}``. Errors: ``{"code": <gRPC code>, "message"}``. The SDK adds the
official-SDK alternative, but it is large and generated, so plain HTTP is used here.

Upload formats: JSONL of ``{"messages"}`` conversations (Fireworks' fine-tuning guide:
at least 3 examples; roles system, user, assistant; an optional ``weight`` 0 or 1).

Exactly once: the job's id is chosen by the client, so it is derived from the idempotency key
(``tl-`` + 24 hex digits of its sha256); a repeated create answers 409 ALREADY_EXISTS and the
existing job is adopted, and reconciling is a GET of that id. Datasets are named by their
content's sha256, so the same bytes are uploaded once. Cancelling deletes the job: the REST
reference has no cancel for supervised jobs (firectl's ``cancel`` aside). Mapping: ``n_epochs``
= ``epochs``; ``learning_rate_multiplier`` × 1e-4 = ``learningRate``; ``batch_size`` is not
sent (Fireworks counts ``batchSize`` in tokens); continuing a fine-tuned model is
``warmStartFrom``. Inference is OpenAI-compatible at ``/inference/v1`` with logprobs.
Not available through this REST surface: job events and the loss series (a signed metrics
file URL is documented without its format), so watching shows the state and progress.
"""

from __future__ import annotations

import hashlib
import re
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lib.providers.adapters import base
from lib.providers.adapters.base import JobSpec
from lib.providers.config import Capabilities

if TYPE_CHECKING:
    import httpx2
    from openai.types import FileObject, Model
    from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
    from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint

KIND = "fireworks"
LABEL = "Fireworks AI"
DEFAULT_BASE_URL = "https://api.fireworks.ai"
KEY_ENV = "FIREWORKS_API_KEY"
INFERENCE_PATH = "/inference/v1"
DEFAULT_LEARNING_RATE = 1e-4
CAPABILITIES = Capabilities(
    can_train=True, methods=("supervised",), list_models=True, logprobs=True,
    max_top_logprobs=5, batches=False, pause_resume=False, delete_models=True,
    continue_training=True,
)  # fmt: skip
# Public bases Fireworks' guide names as tunable; the account's own models are listed too.
SUGGESTED_BASES = (
    "accounts/fireworks/models/qwen3-8b",
    "accounts/fireworks/models/llama-v3p1-8b-instruct",
)
STATE = {
    "JOB_STATE_CREATING": "validating_files",
    "JOB_STATE_VALIDATING": "validating_files",
    "JOB_STATE_CREATING_INPUT_DATASET": "validating_files",
    "JOB_STATE_PENDING": "queued",
    "JOB_STATE_RE_QUEUEING": "queued",
    "JOB_STATE_RUNNING": "running",
    "JOB_STATE_WRITING_RESULTS": "running",
    "JOB_STATE_COMPLETED": "succeeded",
    "JOB_STATE_EARLY_STOPPED": "succeeded",
    "JOB_STATE_FAILED": "failed",
    "JOB_STATE_EXPIRED": "failed",
    "JOB_STATE_CANCELLING": "cancelled",
    "JOB_STATE_CANCELLED": "cancelled",
    "JOB_STATE_DELETING": "cancelled",
    "JOB_STATE_DELETING_CLEANING_UP": "cancelled",
    "JOB_STATE_PAUSED": "paused",
    "JOB_STATE_IDLE": "paused",
}


def error_message(response: httpx2.Response) -> tuple[str, str | None]:
    try:
        body = response.json()
    except ValueError:
        return base.body_message(response), None
    if isinstance(body, dict):
        error = body.get("error")
        inner: dict[str, Any] = error if isinstance(error, dict) else body
        if inner.get("message"):
            return str(inner["message"]), str(inner.get("code")) if inner.get("code") else None
    return base.body_message(response), None


def _epoch(stamp: Any) -> int | None:
    if not stamp:
        return None
    try:
        return int(datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def job_id_for(key: str) -> str:
    return "tl-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]


def _resource_id(text: str) -> str:
    """A valid Fireworks resource id from free text (lowercase, digits, '-')."""
    clean = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    return clean[:40].strip("-")


class FireworksAdapter(base.Adapter):
    """Fireworks' supervised fine-tuning API as ``client.files`` / ``.fine_tuning.jobs`` /
    ``.models``."""

    def __init__(self, http: base.Http, *, account: str, inference: Any = None) -> None:
        super().__init__(http, inference=inference)
        self.account = account
        self.prefix = f"/v1/accounts/{account}"

    # ---------------------------------------------------------------- files (datasets)

    def _file(self, raw: dict[str, Any], *, size: int = 0) -> FileObject:
        return base.file_object(
            id=raw["name"], bytes=size, created_at=_epoch(raw.get("createTime")) or 0,
            filename=raw.get("displayName") or raw["name"],
            status="processed" if raw.get("state") == "READY" else "error",
        )  # fmt: skip

    def _dataset_id(self, file_id: str) -> str:
        return file_id.rsplit("/", 1)[-1]

    def upload(self, filename: str, data: bytes) -> FileObject:
        import openai

        dataset_id = "tl-" + hashlib.sha256(data).hexdigest()[:24]
        spec = {"displayName": filename[:120], "userUploaded": {}, "format": "CHAT",
                "exampleCount": str(data.count(b"\n"))}  # fmt: skip
        try:
            raw = self.http.json(
                "POST", f"{self.prefix}/datasets", json={"datasetId": dataset_id, "dataset": spec}
            )
        except openai.ConflictError:  # the same bytes were sent before
            raw = self.http.json("GET", f"{self.prefix}/datasets/{dataset_id}")
        if raw.get("state") != "READY":
            self.http.call(
                "POST",
                f"{self.prefix}/datasets/{dataset_id}:upload",
                files={"file": (filename, data, "application/jsonl")},
            )
            raw = self.http.json("GET", f"{self.prefix}/datasets/{dataset_id}")
        return self._file(raw, size=len(data))

    def get_file(self, file_id: str) -> FileObject:
        return self._file(
            self.http.json("GET", f"{self.prefix}/datasets/{self._dataset_id(file_id)}")
        )

    def list_files(self) -> list[FileObject]:
        def page(token: str) -> tuple[list[dict[str, Any]], str]:
            params = {"pageSize": 200, **({"pageToken": token} if token else {})}
            raw = self.http.json("GET", f"{self.prefix}/datasets", params=params)
            return raw.get("datasets") or [], raw.get("nextPageToken") or ""

        return [self._file(d) for d in base.iter_pages("", page)]

    def file_content(self, file_id: str) -> bytes:
        raise NotImplementedError(
            "Fireworks hands dataset contents out through signed download URLs; "
            "download the file from Fireworks' console"
        )

    def delete_file(self, file_id: str) -> None:
        self.http.call("DELETE", f"{self.prefix}/datasets/{self._dataset_id(file_id)}")

    # ---------------------------------------------------------------- jobs

    def _job(self, raw: dict[str, Any], *, key: str | None = None) -> FineTuningJob:
        status = STATE.get(str(raw.get("state")), "queued")
        job_id = str(raw["name"]).rsplit("/", 1)[-1]
        rate = raw.get("learningRate")
        error = None
        detail = raw.get("status") or {}
        if status == "failed":
            error = {"code": str(detail.get("code") or "FAILED"),
                     "message": str(detail.get("message") or "the job failed"), "param": None}  # fmt: skip
        return base.job_object(
            id=job_id, model=raw.get("baseModel") or raw.get("warmStartFrom") or "",
            status=status, created_at=_epoch(raw.get("createTime")) or 0,
            finished_at=_epoch(raw.get("completedTime")),
            fine_tuned_model=raw.get("outputModel") if status == "succeeded" else None,
            training_file=raw.get("dataset") or "", validation_file=raw.get("evaluationDataset"),
            hyperparameters={
                "n_epochs": raw.get("epochs") or "auto",
                "learning_rate_multiplier": (
                    round(rate / DEFAULT_LEARNING_RATE, 6) if isinstance(rate, (int, float)) else "auto"
                ),
            },
            error=error, method={"type": "supervised"}, user_provided_suffix=raw.get("displayName"),
            metadata={base.METADATA_KEY: key} if key else None,
            progress_percent=(raw.get("jobProgress") or {}).get("percent"),
        )  # fmt: skip

    def create_job(self, spec: JobSpec) -> FineTuningJob:
        import openai

        if spec.method != "supervised":
            raise ValueError("Fireworks jobs here are supervised only")
        job_id = job_id_for(spec.key) if spec.key else None
        body: dict[str, Any] = {"dataset": spec.training_file}
        if spec.model.startswith(f"accounts/{self.account}/models/"):
            body["warmStartFrom"] = spec.model
        else:
            body["baseModel"] = spec.model
        if spec.validation_file:
            body["evaluationDataset"] = spec.validation_file
        hyper = spec.hyperparameters
        if "n_epochs" in hyper:
            body["epochs"] = int(hyper["n_epochs"])
        if "learning_rate_multiplier" in hyper:
            body["learningRate"] = float(hyper["learning_rate_multiplier"]) * DEFAULT_LEARNING_RATE
        if spec.suffix:
            body["displayName"] = spec.suffix
            name = _resource_id(spec.suffix)
            if name:
                body["outputModel"] = f"{name}-{(job_id or '')[3:11] or int(time.time())}"
        url = f"{self.prefix}/supervisedFineTuningJobs"
        params = {"supervisedFineTuningJobId": job_id} if job_id else None
        try:
            raw = self.http.json("POST", url, json=body, params=params)
        except openai.ConflictError:
            if job_id is None:
                raise
            raw = self.http.json("GET", f"{url}/{job_id}")  # this key's job exists: adopt it
        return self._job(raw, key=spec.key)

    def find_jobs(self, key: str | None) -> list[FineTuningJob]:
        import openai

        url = f"{self.prefix}/supervisedFineTuningJobs"
        if key:
            try:
                return [self._job(self.http.json("GET", f"{url}/{job_id_for(key)}"), key=key)]
            except openai.NotFoundError:
                return []

        def page(token: str) -> tuple[list[dict[str, Any]], str]:
            params = {"pageSize": 200, **({"pageToken": token} if token else {})}
            raw = self.http.json("GET", url, params=params)
            return raw.get("supervisedFineTuningJobs") or [], raw.get("nextPageToken") or ""

        jobs = [self._job(j) for j in base.iter_pages("", page)]
        return sorted(jobs, key=lambda j: (-j.created_at, j.id))

    def get_job(self, job_id: str) -> FineTuningJob:
        return self._job(self.http.json("GET", f"{self.prefix}/supervisedFineTuningJobs/{job_id}"))

    def cancel_job(self, job_id: str) -> FineTuningJob:
        job = self.get_job(job_id)
        self.http.call("DELETE", f"{self.prefix}/supervisedFineTuningJobs/{job_id}")
        if job.status in ("succeeded", "failed", "cancelled"):
            return job
        return job.model_copy(update={"status": "cancelled", "finished_at": int(time.time())})

    def job_events(self, job_id: str) -> list[FineTuningJobEvent]:
        job = self.get_job(job_id)
        percent = (job.model_extra or {}).get("progress_percent")
        message = f"State: {job.status}" + (f" ({percent}% done)" if percent is not None else "")
        events = [
            base.event_object(id=f"{job_id}-state", created_at=job.created_at, message=message)
        ]
        if job.error is not None:
            events.append(
                base.event_object(
                    id=f"{job_id}-error",
                    created_at=job.finished_at or job.created_at,
                    level="error",
                    message=job.error.message,
                )  # fmt: skip
            )
        return list(reversed(events))

    def job_checkpoints(self, job_id: str) -> list[FineTuningJobCheckpoint]:
        return []

    # ---------------------------------------------------------------- models

    def list_models(self) -> list[Model]:
        def page(token: str) -> tuple[list[dict[str, Any]], str]:
            params = {"pageSize": 200, **({"pageToken": token} if token else {})}
            raw = self.http.json("GET", f"{self.prefix}/models", params=params)
            return raw.get("models") or [], raw.get("nextPageToken") or ""

        own = [
            base.model_object(
                id=m["name"], created=_epoch(m.get("createTime")) or 0, owned_by=self.account,
                fine_tuned=bool(m.get("fineTuningJob")) or m.get("kind") == "HF_PEFT_ADDON",
                fine_tunable=False,
            )
            for m in base.iter_pages("", page)
        ]  # fmt: skip
        bases = [
            base.model_object(id=name, owned_by="fireworks", fine_tuned=False, fine_tunable=True)
            for name in SUGGESTED_BASES
        ]
        return bases + own

    def delete_model(self, model_id: str) -> None:
        import httpx2

        prefix = f"accounts/{self.account}/models/"
        if not model_id.startswith(prefix):
            request = httpx2.Request("DELETE", f"{self.http.client.base_url}{self.prefix}/models")
            raise base.status_error(
                httpx2.Response(403, request=request),
                f"{model_id!r} does not belong to account {self.account!r}; only its own "
                "models can be deleted",
            )
        self.http.call("DELETE", f"{self.prefix}/models/{model_id[len(prefix) :]}")
