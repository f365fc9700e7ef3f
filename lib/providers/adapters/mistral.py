"""Mistral AI fine-tuning behind the ``openai`` client's shape (plain HTTP with httpx2).

API followed: Mistral's official Python SDK, github.com/mistralai/client-python (SDK 2.5.1,
generated from Mistral's OpenAPI document; commit 05629d23 of 2026-06-30): ``files.py``,
``fine_tuning_jobs.py``, ``models/createfinetuningjobrequest.py``, ``completionfinetuningjob.py``,
``classifierfinetuningjob.py``, ``classifiertarget.py``, ``errors/httpvalidationerror.py``; and
Mistral's answers quoted in client-python#450 (2026-03-27) and client-ts#70 (2025-01-08).
Paths: ``POST|GET /v1/files``, ``GET|DELETE /v1/files/{id}``, ``…/content``,
``POST|GET /v1/fine_tuning/jobs`` (``training_files: [{file_id, weight}]``, ``hyperparameters``,
``suffix``, ``auto_start``, ``job_type``, ``classifier_targets``), ``GET …/jobs/{id}`` (with
``events`` and ``checkpoints``), ``POST …/cancel``, ``GET|DELETE /v1/models[/{id}]``. Errors:
422 ``{"detail": [{"loc", "msg", …}]}``, else ``{"detail": "…"}``. The official SDK is
maintained but large (generated for every Mistral API), so plain HTTP is used here.

Upload formats: JSONL of ``{"messages"}`` conversations for completion jobs, and
``{"text" | "messages", "labels": {target: label}}`` for classifier jobs (written by this
adapter from the chat file).

Exactly once: Mistral's job ``metadata`` is its cost estimate, not the client's, so the
idempotency key travels as a tag at the end of ``suffix``; a launch is found again by listing
jobs. Jobs are created with ``auto_start`` so a launch trains at once (the dialect and
Mistral also allow ``auto_start=false`` and ``/start``). The ``classifier`` method fits
classification datasets: the chat file is rewritten as ``{"text", "labels": {"label": …}}``
lines (system and user text → ``text``, the final assistant reply → the label) and the job is a
``job_type="classifier"`` job with one target named ``label``; its model answers
``/v1/classifications`` with class probabilities rather than chat logprobs.
Mapping: ``n_epochs`` = ``epochs``; ``learning_rate_multiplier`` × 1e-4 = ``learning_rate``;
``batch_size`` has no Mistral counterpart. The loss series comes from the job's checkpoints.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from lib.providers.adapters import base
from lib.providers.adapters.base import JobSpec, jobs_of_key, key_tag
from lib.providers.config import Capabilities

if TYPE_CHECKING:
    import httpx2
    from openai.types import FileObject, Model
    from openai.types.fine_tuning import FineTuningJob, FineTuningJobEvent
    from openai.types.fine_tuning.jobs import FineTuningJobCheckpoint

KIND = "mistral"
LABEL = "Mistral AI"
DEFAULT_BASE_URL = "https://api.mistral.ai"
KEY_ENV = "MISTRAL_API_KEY"
INFERENCE_PATH = "/v1"
DEFAULT_LEARNING_RATE = 1e-4
MAX_SUFFIX = 40
CLASSIFIER_TARGET = "label"
CAPABILITIES = Capabilities(
    can_train=True, methods=("supervised", "classifier"), list_models=True, logprobs=False,
    max_top_logprobs=0, batches=False, pause_resume=False, delete_models=True,
    continue_training=True,
)  # fmt: skip
STATUS = {
    "QUEUED": "validating_files",
    "VALIDATING": "validating_files",
    "VALIDATED": "queued",
    "STARTED": "queued",
    "RUNNING": "running",
    "CANCELLATION_REQUESTED": "running",
    "SUCCESS": "succeeded",
    "FAILED": "failed",
    "FAILED_VALIDATION": "failed",
    "CANCELLED": "cancelled",
}


def error_message(response: httpx2.Response) -> tuple[str, str | None]:
    try:
        body = response.json()
    except ValueError:
        return base.body_message(response), None
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, str):
        return detail, None
    if isinstance(detail, list):
        parts = []
        for item in detail:
            if isinstance(item, dict):
                where = ".".join(str(p) for p in item.get("loc") or [] if p != "body")
                parts.append(f"{where}: {item.get('msg')}" if where else str(item.get("msg")))
        return "; ".join(parts) or base.body_message(response), "validation_error"
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"]), None
    return base.body_message(response), None


def tagged_suffix(suffix: str | None, key: str | None) -> str | None:
    if not key:
        return suffix[:MAX_SUFFIX] if suffix else None
    tag = key_tag(key)
    room = MAX_SUFFIX - len(tag) - 1
    return f"{suffix[:room]}-{tag}" if suffix else tag


def classifier_lines(chat_jsonl: bytes) -> tuple[bytes, list[str]]:
    """Chat lines as Mistral classifier lines, and the labels seen (sorted)."""
    out, labels = [], set()
    for line in chat_jsonl.decode("utf-8-sig").splitlines():
        if not line.strip():
            continue
        messages = json.loads(line).get("messages") or []
        prompt = "\n".join(
            str(m.get("content") or "")
            for m in messages[:-1]
            if m.get("role") in ("system", "developer", "user")
        )
        label = str(messages[-1].get("content") or "") if messages else ""
        labels.add(label)
        out.append(json.dumps({"text": prompt, "labels": {CLASSIFIER_TARGET: label}}))
    return ("\n".join(out) + "\n").encode("utf-8"), sorted(labels)


class MistralAdapter(base.Adapter):
    """Mistral's ``/v1/fine_tuning`` API as ``client.files`` / ``.fine_tuning.jobs`` /
    ``.models``."""

    # ---------------------------------------------------------------- files

    def _file(self, raw: dict[str, Any]) -> FileObject:
        return base.file_object(
            id=raw["id"], bytes=int(raw.get("bytes") or 0), created_at=int(raw.get("created_at") or 0),
            filename=raw.get("filename") or "", purpose="fine-tune",
        )  # fmt: skip

    def upload(self, filename: str, data: bytes) -> FileObject:
        raw = self.http.json(
            "POST",
            "/v1/files",
            data={"purpose": "fine-tune"},
            files={"file": (filename, data, "application/jsonl")},
        )
        return self._file(raw)

    def get_file(self, file_id: str) -> FileObject:
        return self._file(self.http.json("GET", f"/v1/files/{file_id}"))

    def list_files(self) -> list[FileObject]:
        raw = self.http.json("GET", "/v1/files", params={"purpose": "fine-tune", "page_size": 1000})
        return [self._file(f) for f in raw.get("data") or []]

    def file_content(self, file_id: str) -> bytes:
        return self.http.call("GET", f"/v1/files/{file_id}/content").content

    def delete_file(self, file_id: str) -> None:
        self.http.call("DELETE", f"/v1/files/{file_id}")

    # ---------------------------------------------------------------- jobs

    def _job(self, raw: dict[str, Any], *, key: str | None = None) -> FineTuningJob:
        status = STATUS.get(str(raw.get("status")), "running")
        hyper_in = raw.get("hyperparameters") or {}
        rate = hyper_in.get("learning_rate")
        error = None
        if status == "failed":
            reasons = [
                (e.get("data") or {}).get("error") or (e.get("data") or {}).get("message")
                for e in raw.get("events") or []
                if e.get("name") == "error" or (e.get("data") or {}).get("error")
            ]
            message = next((r for r in reversed(reasons) if r), f"the job {raw.get('status')}")
            code = "invalid_training_file" if raw.get("status") == "FAILED_VALIDATION" else "failed"
            error = {"code": code, "message": message, "param": None}
        final = status in ("succeeded", "failed", "cancelled")
        return base.job_object(
            id=raw["id"], model=raw.get("model") or "", status=status,
            created_at=int(raw.get("created_at") or 0),
            finished_at=int(raw.get("modified_at") or 0) if final else None,
            fine_tuned_model=raw.get("fine_tuned_model") if status == "succeeded" else None,
            trained_tokens=raw.get("trained_tokens"),
            training_file=(raw.get("training_files") or [""])[0],
            validation_file=(raw.get("validation_files") or [None])[0],
            hyperparameters={
                "n_epochs": hyper_in.get("epochs") or "auto",
                "learning_rate_multiplier": (
                    round(rate / DEFAULT_LEARNING_RATE, 6) if isinstance(rate, (int, float)) else "auto"
                ),
            },
            error=error, user_provided_suffix=raw.get("suffix"),
            method={"type": "classifier" if raw.get("job_type") == "classifier" else "supervised"},
            metadata={base.METADATA_KEY: key} if key else None,
        )  # fmt: skip

    def _classifier_file(self, file_id: str | None) -> tuple[str | None, list[str]]:
        if not file_id:
            return None, []
        data, labels = classifier_lines(self.file_content(file_id))
        return self.upload(f"classifier-{file_id}.jsonl", data).id, labels

    def create_job(self, spec: JobSpec) -> FineTuningJob:
        body: dict[str, Any] = {"model": spec.model, "auto_start": True}
        train: str | None = spec.training_file
        valid = spec.validation_file
        if spec.method == "classifier":
            train, labels = self._classifier_file(train)
            valid, valid_labels = self._classifier_file(valid)
            body["job_type"] = "classifier"
            body["classifier_targets"] = [
                {"name": CLASSIFIER_TARGET, "labels": sorted(set(labels) | set(valid_labels))}
            ]
        body["training_files"] = [{"file_id": train, "weight": 1}]
        if valid:
            body["validation_files"] = [valid]
        hyper = spec.hyperparameters
        params: dict[str, Any] = {}
        if "n_epochs" in hyper:
            params["epochs"] = float(hyper["n_epochs"])
        if "learning_rate_multiplier" in hyper:
            params["learning_rate"] = (
                float(hyper["learning_rate_multiplier"]) * DEFAULT_LEARNING_RATE
            )
        body["hyperparameters"] = params
        suffix = tagged_suffix(spec.suffix, spec.key)
        if suffix:
            body["suffix"] = suffix
        return self._job(self.http.json("POST", "/v1/fine_tuning/jobs", json=body), key=spec.key)

    def find_jobs(self, key: str | None) -> list[FineTuningJob]:
        raws: list[dict[str, Any]] = []
        page = 0
        while True:
            raw = self.http.json(
                "GET", "/v1/fine_tuning/jobs", params={"page": page, "page_size": 100}
            )
            raws.extend(raw.get("data") or [])
            if len(raws) >= int(raw.get("total") or 0) or not raw.get("data") or page >= 50:
                break
            page += 1
        return jobs_of_key(raws, key, lambda r: self._job(r, key=key))

    def get_job(self, job_id: str) -> FineTuningJob:
        return self._job(self.http.json("GET", f"/v1/fine_tuning/jobs/{job_id}"))

    def cancel_job(self, job_id: str) -> FineTuningJob:
        return self._job(self.http.json("POST", f"/v1/fine_tuning/jobs/{job_id}/cancel"))

    def job_events(self, job_id: str) -> list[FineTuningJobEvent]:
        raw = self.http.json("GET", f"/v1/fine_tuning/jobs/{job_id}")
        events = []
        for n, event in enumerate(raw.get("events") or []):
            data = event.get("data") or {}
            text = data.get("error") or data.get("message") or data.get("status") or ""
            events.append(
                base.event_object(
                    id=f"{job_id}-{n}",
                    created_at=int(event.get("created_at") or 0),
                    level="error" if data.get("error") or event.get("name") == "error" else "info",
                    message=f"{event.get('name')}: {text}" if text else str(event.get("name")),
                )  # fmt: skip
            )
        for point in raw.get("checkpoints") or []:
            metrics = point.get("metrics") or {}
            step = int(point.get("step_number") or 0)
            events.append(
                base.event_object(
                    id=f"{job_id}-step-{step}",
                    created_at=int(point.get("created_at") or 0),
                    type="metrics",
                    message=f"Step {step}: training loss={metrics.get('train_loss')}",
                    data={"step": step, **{k: v for k, v in metrics.items() if v is not None}},
                )  # fmt: skip
            )
        events.sort(key=lambda e: e.created_at)
        return list(reversed(events))

    def job_checkpoints(self, job_id: str) -> list[FineTuningJobCheckpoint]:
        raw = self.http.json("GET", f"/v1/fine_tuning/jobs/{job_id}")
        return [
            base.checkpoint_object(
                id=f"{job_id}-{c.get('step_number')}", step_number=int(c.get("step_number") or 0),
                fine_tuned_model_checkpoint="", fine_tuning_job_id=job_id,
                created_at=int(c.get("created_at") or 0),
                metrics={"step": c.get("step_number"),
                         **{k: v for k, v in (c.get("metrics") or {}).items() if v is not None}},
            )
            for c in raw.get("checkpoints") or []
        ]  # fmt: skip

    # ---------------------------------------------------------------- models

    def list_models(self) -> list[Model]:
        raws = self.http.json("GET", "/v1/models").get("data") or []
        out = []
        for m in raws:
            tuned = m.get("type") == "fine-tuned" or str(m.get("id", "")).startswith("ft:")
            caps = m.get("capabilities") or {}
            out.append(
                base.model_object(
                    id=m["id"],
                    created=int(m.get("created") or 0),
                    owned_by=str(m.get("owned_by") or ""),
                    fine_tuned=tuned,
                    fine_tunable=not tuned and bool(caps.get("fine_tuning")),
                    classifier=bool(caps.get("classification")) and tuned,
                )  # fmt: skip
            )
        return out

    def delete_model(self, model_id: str) -> None:
        self.http.call("DELETE", f"/v1/models/{model_id}")
