"""Together AI fine-tuning behind the ``openai`` client's shape (plain HTTP with httpx2).

API followed: Together's OpenAPI document, github.com/togethercomputer/openapi ``openapi.yaml``
at commit 090263a (2026-04-28; servers ``https://api.together.ai/v1``), and its Python SDK v1,
togethercomputer/together-python ``src/together/resources/finetune.py`` and
``types/finetune.py`` (2025-12-23). Paths: ``POST /files/upload`` (multipart ``purpose``,
``file_name``, ``file_type``, ``file``), ``GET /files[/{id}[/content]]``, ``POST|GET
/fine-tunes``, ``GET /fine-tunes/{id}``, ``POST /fine-tunes/{id}/cancel``, ``GET
/fine-tunes/{id}/events|checkpoints|metrics``, ``DELETE /fine-tunes/{id}``,
``GET /fine-tunes/models/supported`` (which bases can be tuned), ``GET /models``;
errors ``{"error": {"message", "type", "param", "code"}}``.

Upload formats: JSONL — conversational ``{"messages"}``, instruction ``{"prompt",
"completion"}`` and, for DPO, ``{"input", "preferred_output", "non_preferred_output"}`` (the
same preference format OpenAI uses); Parquet and CSV exist at Together but Tunelab sends JSONL.

Exactly once: Together keeps no job metadata, so the idempotency key travels as a 14-character
tag at the end of ``suffix`` (≤ 40 characters), and a launch is found again by listing jobs.
A fine-tuned model is deleted with its job (Together documents no model deletion).
Mapping: ``learning_rate_multiplier`` × 1e-5 (Together's default rate) = ``learning_rate``;
DPO's ``beta`` = ``dpo_beta``; continuing from a fine-tuned model = ``from_checkpoint``.
Metrics: ``GET /fine-tunes/{id}/metrics`` rows with ``train/global_step``, ``train/loss``
and ``eval/*`` keys (Together's "Training metrics" guide, docs.together.ai, 2026). Logprobs are
not offered: Together takes ``logprobs`` as an integer and answers ``LogprobsPart``
(``tokens``, ``token_logprobs``), not OpenAI's shape the evaluation reads.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from lib.providers.adapters import base
from lib.providers.adapters.base import JobSpec, jobs_of_key, key_tag
from lib.providers.config import Capabilities

if TYPE_CHECKING:
    import httpx2
    from openai.types import FileObject, Model
    from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
    from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint

KIND = "together"
LABEL = "Together AI"
DEFAULT_BASE_URL = "https://api.together.ai/v1"
KEY_ENV = "TOGETHER_API_KEY"
INFERENCE_PATH = ""  # its base URL is the OpenAI-compatible one
DEFAULT_LEARNING_RATE = 1e-5
MAX_SUFFIX = 40
CAPABILITIES = Capabilities(
    can_train=True, methods=("supervised", "dpo"), list_models=True, logprobs=False,
    max_top_logprobs=0, batches=False, pause_resume=False, delete_models=True,
    continue_training=True,
)  # fmt: skip
STATUS = {
    "pending": "validating_files",
    "queued": "queued",
    "running": "running",
    "compressing": "running",
    "uploading": "running",
    "cancel_requested": "running",
    "cancelled": "cancelled",
    "error": "failed",
    "user_error": "failed",
    "completed": "succeeded",
}
FINAL = ("cancelled", "error", "user_error", "completed")


def error_message(response: httpx2.Response) -> tuple[str, str | None]:
    try:
        body = response.json()
    except ValueError:
        return base.body_message(response), None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or base.body_message(response)), error.get("code")
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"]), None
    return base.body_message(response), None


def _epoch(stamp: Any) -> int | None:
    if not stamp:
        return None
    try:
        return int(datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def tagged_suffix(suffix: str | None, key: str | None) -> str | None:
    """The user's suffix with the key's tag at its end, within Together's 40 characters."""
    if not key:
        return suffix[:MAX_SUFFIX] if suffix else None
    tag = key_tag(key)
    room = MAX_SUFFIX - len(tag) - 1
    return f"{suffix[:room]}-{tag}" if suffix else tag


class TogetherAdapter(base.Adapter):
    """Together's ``/fine-tunes`` API as ``client.files`` / ``.fine_tuning.jobs`` / ``.models``."""

    # ---------------------------------------------------------------- files

    def _file(self, raw: dict[str, Any]) -> FileObject:
        return base.file_object(
            id=raw["id"], bytes=int(raw.get("bytes") or 0), created_at=int(raw.get("created_at") or 0),
            filename=raw.get("filename") or "", purpose=raw.get("purpose") or "fine-tune",
            status="processed" if raw.get("Processed", True) else "uploaded",
        )  # fmt: skip

    def upload(self, filename: str, data: bytes) -> FileObject:
        raw = self.http.json(
            "POST",
            "/files/upload",
            data={"purpose": "fine-tune", "file_name": filename, "file_type": "jsonl"},
            files={"file": (filename, data, "application/jsonl")},
        )
        return self._file(raw)

    def get_file(self, file_id: str) -> FileObject:
        return self._file(self.http.json("GET", f"/files/{file_id}"))

    def list_files(self) -> list[FileObject]:
        return [self._file(f) for f in self.http.json("GET", "/files").get("data") or []]

    def file_content(self, file_id: str) -> bytes:
        return self.http.call("GET", f"/files/{file_id}/content").content

    def delete_file(self, file_id: str) -> None:
        self.http.call("DELETE", f"/files/{file_id}")

    # ---------------------------------------------------------------- jobs

    def _job(self, raw: dict[str, Any], *, key: str | None = None) -> FineTuningJob:
        status = STATUS.get(str(raw.get("status")), "running")
        method = (raw.get("training_method") or {}).get("method", "sft")
        rate = raw.get("learning_rate")
        hyper = {
            "n_epochs": raw.get("n_epochs") or "auto",
            "batch_size": raw.get("batch_size") or "auto",
            "learning_rate_multiplier": (
                round(rate / DEFAULT_LEARNING_RATE, 6) if isinstance(rate, (int, float)) else "auto"
            ),
        }
        error = None
        if status == "failed":
            failures = [e for e in raw.get("events") or [] if e.get("type") == "job_error"]
            message = failures[-1]["message"] if failures else "the job failed"
            error = {"code": "job_error", "message": message, "param": None}
        progress = raw.get("progress") or {}
        finish = None
        if progress.get("estimate_available") and status == "running":
            finish = int(time.time()) + int(progress.get("seconds_remaining") or 0)
        return base.job_object(
            id=raw["id"], model=raw.get("model") or "", status=status,
            created_at=_epoch(raw.get("created_at")) or 0,
            finished_at=_epoch(raw.get("updated_at")) if raw.get("status") in FINAL else None,
            fine_tuned_model=raw.get("model_output_name") if status == "succeeded" else None,
            trained_tokens=raw.get("token_count") if status == "succeeded" else None,
            training_file=raw.get("training_file") or "", validation_file=raw.get("validation_file"),
            hyperparameters=hyper, error=error, estimated_finish=finish,
            method={"type": "dpo" if method == "dpo" else "supervised"},
            seed=raw.get("random_seed") or 0, user_provided_suffix=raw.get("suffix"),
            metadata={base.METADATA_KEY: key} if key else None,
        )  # fmt: skip

    def _jobs(self) -> list[dict[str, Any]]:
        return list(self.http.json("GET", "/fine-tunes").get("data") or [])

    def create_job(self, spec: JobSpec) -> FineTuningJob:
        body: dict[str, Any] = {"training_file": spec.training_file}
        tuned = [j for j in self._jobs() if j.get("model_output_name") == spec.model]
        if tuned:
            body["from_checkpoint"] = spec.model
        else:
            body["model"] = spec.model
        if spec.validation_file:
            body["validation_file"] = spec.validation_file
        hyper = spec.hyperparameters
        if "n_epochs" in hyper:
            body["n_epochs"] = int(hyper["n_epochs"])
        if "batch_size" in hyper:
            body["batch_size"] = int(hyper["batch_size"])
        if "learning_rate_multiplier" in hyper:
            body["learning_rate"] = float(hyper["learning_rate_multiplier"]) * DEFAULT_LEARNING_RATE
        if spec.method == "dpo":
            body["training_method"] = {"method": "dpo"}
            if "beta" in hyper:
                body["training_method"]["dpo_beta"] = float(hyper["beta"])
        else:
            body["training_method"] = {"method": "sft", "train_on_inputs": "auto"}
        suffix = tagged_suffix(spec.suffix, spec.key)
        if suffix:
            body["suffix"] = suffix
        if spec.seed is not None:
            body["random_seed"] = int(spec.seed)
        return self._job(self.http.json("POST", "/fine-tunes", json=body), key=spec.key)

    def find_jobs(self, key: str | None) -> list[FineTuningJob]:
        raws = self._jobs()
        return jobs_of_key(raws, key, lambda r: self._job(r, key=key))

    def get_job(self, job_id: str) -> FineTuningJob:
        return self._job(self.http.json("GET", f"/fine-tunes/{job_id}"))

    def cancel_job(self, job_id: str) -> FineTuningJob:
        return self._job(self.http.json("POST", f"/fine-tunes/{job_id}/cancel"))

    def job_events(self, job_id: str) -> list[FineTuningJobEvent]:
        import openai

        raws = self.http.json("GET", f"/fine-tunes/{job_id}/events").get("data") or []
        events = [
            base.event_object(
                id=e.get("hash") or f"{job_id}-{n}", created_at=_epoch(e.get("created_at")) or 0,
                level="error" if e.get("level") == "error" else "info",
                message=str(e.get("message") or e.get("type") or ""), type="message",
            )
            for n, e in enumerate(raws)
        ]  # fmt: skip
        last = events[-1].created_at if events else int(time.time())
        try:
            rows = self.http.json("GET", f"/fine-tunes/{job_id}/metrics").get("metrics") or []
        except openai.NotFoundError:
            rows = []
        for row in rows:
            step = row.get("train/global_step", row.get("eval/global_step"))
            if step is None:
                continue
            data: dict[str, Any] = {"step": int(step)}
            if row.get("train/loss") is not None:
                data["train_loss"] = row["train/loss"]
            if row.get("eval/loss") is not None:
                data["valid_loss"] = row["eval/loss"]
            which = "training" if "train_loss" in data else "validation"
            value = data.get("train_loss", data.get("valid_loss"))
            message = f"Step {int(step)}: {which} loss={value}"
            events.append(
                base.event_object(
                    id=f"{job_id}-metrics-{int(step)}",
                    created_at=last,
                    message=message,
                    type="metrics",
                    data=data,
                )  # fmt: skip
            )
        return list(reversed(events))

    def job_checkpoints(self, job_id: str) -> list[FineTuningJobCheckpoint]:
        raws = self.http.json("GET", f"/fine-tunes/{job_id}/checkpoints").get("data") or []
        return [
            base.checkpoint_object(
                id=f"{job_id}-{c['step']}-{n}", step_number=int(c["step"]),
                fine_tuned_model_checkpoint=c.get("path") or "", fine_tuning_job_id=job_id,
                created_at=_epoch(c.get("created_at")) or 0, metrics=None,
            )
            for n, c in enumerate(raws)
            if c.get("checkpoint_type") != "Final"
        ]  # fmt: skip

    # ---------------------------------------------------------------- models

    def list_models(self) -> list[Model]:
        raws = self.http.json("GET", "/models")
        raws = raws.get("data", []) if isinstance(raws, dict) else raws
        outputs = {
            j.get("model_output_name") for j in self._jobs() if j.get("status") == "completed"
        }
        supported = set(self.http.json("GET", "/fine-tunes/models/supported").get("models") or [])
        return [
            base.model_object(
                id=m["id"], created=int(m.get("created") or 0),
                owned_by=str(m.get("organization") or ""), fine_tuned=m["id"] in outputs,
                fine_tunable=m["id"] in supported,
            )
            for m in raws
        ]  # fmt: skip

    def delete_model(self, model_id: str) -> None:
        import httpx2

        jobs = [j for j in self._jobs() if j.get("model_output_name") == model_id]
        if not jobs:
            request = httpx2.Request("DELETE", f"{self.http.client.base_url}/fine-tunes")
            response = httpx2.Response(404, request=request)
            raise base.status_error(response, f"no fine-tuning job produced the model {model_id!r}")
        for job in jobs:
            self.http.call("DELETE", f"/fine-tunes/{job['id']}")
