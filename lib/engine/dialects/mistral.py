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

import json
import math
import threading
import uuid
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lib.engine.data import DataError, chat_input_text, parse_training_file
from lib.engine.dialects import common
from lib.engine.errors import ApiError
from lib.engine.models import LinearClassifier
from lib.engine.server import Engine
from lib.engine.state import now
from lib.engine.tokens import count_tokens
from lib.engine.trainer import MAX_EPOCHS, resolve_hyperparameters

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
_CONTROL = threading.Lock()


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


# ---------------------------------------------------------------------------- files


def _file_object(engine: Engine, record: dict[str, Any]) -> dict[str, Any]:
    stored = engine.state.get("file", record["_file"]) or {}
    return {
        "id": record["id"], "object": "file", "bytes": stored.get("bytes", 0),
        "created_at": record["created_at"], "filename": record["filename"],
        "purpose": record["purpose"], "sample_type": "instruct", "source": "upload",
        "num_lines": record["num_lines"], "mimetype": "application/jsonl", "signature": None,
        "expires_at": None, "visibility": "workspace",
    }  # fmt: skip


def _get_file(engine: Engine, file_id: str) -> dict[str, Any]:
    record = engine.state.get(f"{NAME}.file", file_id)
    if record is None:
        raise ApiError(404, f"File {file_id} not found.")
    return record


def _upload(engine: Engine, content: bytes, filename: str, purpose: str) -> dict[str, Any]:
    if purpose not in ("fine-tune", "batch", "ocr"):
        raise Invalid(
            ["purpose"], f"Input should be 'fine-tune', 'batch' or 'ocr'; got {purpose!r}."
        )
    stored = common.keep_file(engine, content=content, filename=filename)
    record = {
        "id": str(uuid.uuid4()), "_file": stored["id"], "created_at": stored["created_at"],
        "filename": filename, "purpose": purpose,
        "num_lines": common.count_lines(engine, stored["id"]),
    }  # fmt: skip
    engine.state.put(f"{NAME}.file", record)
    return _file_object(engine, record)


@api
async def upload_file(request: Request) -> Response:
    engine = common.engine_for(request)
    content, filename, fields = await common.read_upload(request)
    purpose = fields.get("purpose") or "fine-tune"
    return JSONResponse(await common.threaded(_upload, engine, content, filename, purpose))


@api
async def list_files(request: Request) -> Response:
    engine = common.engine_for(request)
    records = await common.threaded(engine.state.list, f"{NAME}.file")
    data = [_file_object(engine, r) for r in records]
    purpose = request.query_params.get("purpose")
    if purpose:
        data = [f for f in data if f["purpose"] == purpose]
    return JSONResponse({"data": data, "object": "list", "total": len(data)})


@api
async def retrieve_file(request: Request) -> Response:
    engine = common.engine_for(request)
    record = await common.threaded(_get_file, engine, request.path_params["file_id"])
    return JSONResponse(_file_object(engine, record))


@api
async def delete_file(request: Request) -> Response:
    engine = common.engine_for(request)
    record = await common.threaded(_get_file, engine, request.path_params["file_id"])
    await common.threaded(engine.state.delete, f"{NAME}.file", record["id"])
    return JSONResponse({"id": record["id"], "object": "file", "deleted": True})


@api
async def file_content(request: Request) -> Response:
    engine = common.engine_for(request)
    record = await common.threaded(_get_file, engine, request.path_params["file_id"])
    content = await common.threaded(engine.state.file_path(record["_file"]).read_bytes)
    return Response(content, media_type="application/octet-stream")


# ---------------------------------------------------------------------------- requests


def _number(value: Any, loc: list[str | int], *, low: float, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise Invalid(loc, f"Input should be a number from {low:g} to {high:g}; got {value!r}.")
    return float(value)


def _files(engine: Engine, body: dict[str, Any]) -> tuple[list[dict[str, Any]], list[str]]:
    training = body.get("training_files") or []
    if not isinstance(training, list) or not training:
        raise Invalid(
            ["job_in"], "Value error, At least one training file or repository is required."
        )
    records = []
    for index, item in enumerate(training):
        if not isinstance(item, dict) or not isinstance(item.get("file_id"), str):
            raise Invalid(["training_files", index, "file_id"], "Field required", "missing")
        record = engine.state.get(f"{NAME}.file", item["file_id"])
        if record is None:
            raise ApiError(404, f"File {item['file_id']} not found.")
        records.append(record)
    validation = body.get("validation_files") or []
    if not isinstance(validation, list) or not all(isinstance(v, str) for v in validation):
        raise Invalid(["validation_files"], "Input should be a list of file ids.")
    for file_id in validation:
        _get_file(engine, file_id)
    return records, validation


def _classifier_rows(
    engine: Engine, record: dict[str, Any], target: dict[str, Any]
) -> list[dict[str, str]]:
    """Mistral's classifier lines (``{"text" | "messages", "labels": {target: label}}``) as the
    engine's prompt/completion rows for one target."""
    rows = []
    text = engine.state.file_path(record["_file"]).read_bytes().decode("utf-8-sig")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{record['filename']} line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise DataError(f"{where}: not valid JSON.") from None
        labels = row.get("labels") if isinstance(row, dict) else None
        if not isinstance(labels, dict) or target["name"] not in labels:
            raise DataError(f"{where}: no label for target {target['name']!r}.")
        label = labels[target["name"]]
        if label not in target["labels"]:
            raise DataError(
                f"{where}: label {label!r} is not among {target['name']!r}'s labels "
                f"{target['labels']}."
            )
        if isinstance(row.get("text"), str):
            prompt = row["text"]
        elif isinstance(row.get("messages"), list):
            prompt = chat_input_text(row["messages"])
        else:
            raise DataError(f"{where}: a classifier line needs 'text' or 'messages'.")
        rows.append({"prompt": prompt, "completion": str(label)})
    return rows


def _targets(body: dict[str, Any]) -> list[dict[str, Any]]:
    targets = body.get("classifier_targets")
    if not isinstance(targets, list) or not targets:
        raise Invalid(["classifier_targets"], "Classifier jobs need classifier_targets.")
    for index, target in enumerate(targets):
        if (
            not isinstance(target, dict)
            or not isinstance(target.get("name"), str)
            or not isinstance(target.get("labels"), list)
            or not all(isinstance(lab, str) for lab in target["labels"])
        ):
            raise Invalid(
                ["classifier_targets", index], "A target needs a name and a list of labels."
            )
    if len(targets) > 1:
        raise Invalid(
            ["classifier_targets"],
            "The built-in engine trains one classifier target per job; send one target.",
        )
    return [{"weight": 1.0, "loss_function": "single_class", **t} for t in targets]


def _training_data(
    engine: Engine, records: list[dict[str, Any]], targets: list[dict[str, Any]] | None
) -> tuple[str, int, int]:
    """One engine training file for the job (files joined; classifier lines converted):
    (engine file id, examples, tokens). Raises :class:`DataError` when the data is bad."""
    if targets:
        rows = [row for r in records for row in _classifier_rows(engine, r, targets[0])]
        content = "\n".join(json.dumps(row) for row in rows) + "\n"
    else:
        content = (
            "\n".join(
                engine.state.file_path(r["_file"]).read_bytes().decode("utf-8-sig").strip()
                for r in records
            )
            + "\n"
        )
    stored = common.keep_file(engine, content=content.encode(), filename="training.jsonl")
    data = parse_training_file(engine.state.file_path(stored["id"]))
    tokens = sum(
        count_tokens(i) + count_tokens(o) for i, o in zip(data.inputs, data.outputs, strict=True)
    )
    return stored["id"], len(data.inputs), tokens


def _create(engine: Engine, body: dict[str, Any]) -> dict[str, Any]:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise Invalid(["model"], "Field required", "missing")
    tuned = engine.state.get(f"{NAME}.model", model)
    if model not in BASE_MODELS and tuned is None:
        raise ApiError(
            422, f"Model {model!r} is not available for fine-tuning; available: "
            f"{', '.join(BASE_MODELS)}."
        )  # fmt: skip
    hyper_in = body.get("hyperparameters")
    if not isinstance(hyper_in, dict):
        raise Invalid(["hyperparameters"], "Field required", "missing")
    job_type = body.get("job_type") or "completion"
    if job_type not in ("completion", "classifier"):
        raise Invalid(["job_type"], "Input should be 'completion' or 'classifier'.", "enum")
    targets = _targets(body) if job_type == "classifier" else None
    records, validation = _files(engine, body)
    suffix = body.get("suffix")
    if suffix is not None and (not isinstance(suffix, str) or not 0 < len(suffix) <= 64):
        raise Invalid(["suffix"], "suffix must be 1 to 64 characters.")
    auto_start = body.get("auto_start", True)
    if not isinstance(auto_start, bool):
        raise Invalid(["auto_start"], "Input should be a valid boolean.", "bool_type")
    steps = _number(
        hyper_in.get("training_steps"), ["hyperparameters", "training_steps"], low=1, high=10**6
    )
    epochs = _number(
        hyper_in.get("epochs"), ["hyperparameters", "epochs"], low=0.01, high=MAX_EPOCHS
    )
    rate = _number(
        hyper_in.get("learning_rate"), ["hyperparameters", "learning_rate"], low=1e-9, high=1.0
    )
    job_id = str(uuid.uuid4())
    stamp = now()
    record: dict[str, Any] = {
        "id": job_id, "auto_start": auto_start, "model": model, "job_type": job_type,
        "created_at": stamp, "modified_at": stamp, "training_files": [r["id"] for r in records],
        "validation_files": validation, "suffix": suffix, "integrations": [],
        "hyperparameters": {"learning_rate": rate or DEFAULT_LEARNING_RATE, "training_steps": steps,
                            "epochs": epochs, "weight_decay": hyper_in.get("weight_decay", 0.1),
                            "warmup_fraction": hyper_in.get("warmup_fraction", 0.05),
                            "seq_len": hyper_in.get("seq_len"),
                            **({} if targets else {"fim_ratio": hyper_in.get("fim_ratio")})},
        "_status": "QUEUED", "_job": None, "_events": [], "_error": None,
    }  # fmt: skip
    if targets:
        record["classifier_targets"] = targets
    else:
        record["repositories"] = []
    _event(record, "QUEUED")
    _event(record, "VALIDATING")
    try:
        train_file, examples, tokens = _training_data(engine, records, targets)
        valid_file = None
        if validation:
            valid_records = [_get_file(engine, v) for v in validation]
            valid_file = _training_data(engine, valid_records, targets)[0]
    except DataError as exc:
        record.update(_status="FAILED_VALIDATION", _error=str(exc))
        _event(record, "FAILED_VALIDATION", error=str(exc))
        engine.state.put(f"{NAME}.job", record)
        return _job_object(engine, record)
    n_epochs = _epochs(examples, epochs=epochs, steps=steps)
    plan = resolve_hyperparameters(examples, {"n_epochs": n_epochs})
    total_steps = math.ceil(examples / plan.batch_size) * plan.n_epochs
    record["hyperparameters"].update(training_steps=total_steps, epochs=float(plan.n_epochs))
    record["metadata"] = {
        "expected_duration_seconds": max(1, total_steps // 50), "cost": 0.0,
        "cost_currency": "EUR", "train_tokens_per_step": tokens // max(1, total_steps),
        "train_tokens": tokens * plan.n_epochs, "data_tokens": tokens,
        "estimated_start_time": None,
    }  # fmt: skip
    record.update(
        _status="VALIDATED", _train=train_file, _valid=valid_file,
        _start=BASE_MODELS.get(model) or model, _n_epochs=plan.n_epochs,
    )  # fmt: skip
    _event(record, "VALIDATED")
    if auto_start:
        _start(engine, record)
    engine.state.put(f"{NAME}.job", record)
    return _job_object(engine, record)


def _epochs(examples: int, *, epochs: float | None, steps: float | None) -> int | str:
    """Whole epochs from Mistral's ``epochs`` (preferred) or ``training_steps``."""
    if epochs is not None:
        return max(1, min(MAX_EPOCHS, round(epochs)))
    if steps is not None:
        batch = resolve_hyperparameters(examples, {}).batch_size
        return max(1, min(MAX_EPOCHS, math.ceil(steps * batch / examples)))
    return "auto"


def _event(record: dict[str, Any], status: str, *, error: str | None = None) -> None:
    data: dict[str, Any] = {"status": status}
    if error:
        data["error"] = error
    record["_events"].append({"name": "status-updated", "created_at": now(), "data": data})
    record["modified_at"] = now()


def _start(engine: Engine, record: dict[str, Any]) -> None:
    base = BASE_MODELS.get(record["model"])
    label = (record.get("suffix") or "")[:20]
    output = (
        f"ft:{record['model']}:{WORKSPACE}:{label}:{record['id'][:8]}"
        if label
        else (f"ft:{record['model']}:{WORKSPACE}:{record['id'][:8]}")
    )
    job = common.start_job(
        engine, dialect=NAME, model=record["_start"] if base is None else base,
        training_file=record["_train"], validation_file=record["_valid"], method="supervised",
        hyper=common.engine_hyper(
            n_epochs=record["_n_epochs"], batch_size=None,
            rate_multiplier=common.multiplier(
                record["hyperparameters"]["learning_rate"], DEFAULT_LEARNING_RATE
            ),
        ),
        output_model=output,
    )  # fmt: skip
    record.update(_job=job["id"], _status="STARTED", _output=output)
    _event(record, "STARTED")
    engine.state.put(
        f"{NAME}.model",
        {"id": output, "_record": record["id"], "job_type": record["job_type"],
         "root": record["model"]},
    )  # fmt: skip


# ---------------------------------------------------------------------------- responses


def _status(engine: Engine, record: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    job = common.job_or_none(engine, record.get("_job"))
    if job is None:
        return record["_status"], None
    status = STATUS[job["status"]]
    if job["status"] in ("validating_files", "queued"):  # the engine re-reads its files first
        status = "STARTED"
    if job["status"] == "failed" and str((job.get("error") or {}).get("code", "")).startswith(
        "invalid"
    ):
        status = "FAILED_VALIDATION"
    return status, job


def _job_object(engine: Engine, record: dict[str, Any], *, details: bool = False) -> dict[str, Any]:
    status, job = _status(engine, record)
    obj = {k: v for k, v in record.items() if not k.startswith("_")}
    done = job is not None and job["status"] == "succeeded"
    obj.update(
        object="job", status=status,
        fine_tuned_model=job["fine_tuned_model"] if job is not None and done else None,
        trained_tokens=job.get("trained_tokens") if job else None,
    )  # fmt: skip
    if job is not None:
        obj["modified_at"] = max(record["modified_at"], job.get("finished_at") or 0)
    if details:
        events = list(record["_events"])
        if job is not None:
            for event in common.events(engine, job["id"]):
                if event.get("type") == "metrics":
                    continue
                events.append({"name": "error" if event["level"] == "error" else "message",
                               "created_at": event["created_at"],
                               "data": {"message": event["message"]}})  # fmt: skip
        obj["events"] = events
        obj["checkpoints"] = (
            [
                {"metrics": {"train_loss": c["metrics"]["train_loss"],
                             "valid_loss": c["metrics"].get("full_valid_loss"),
                             "valid_mean_token_accuracy": c["metrics"].get("full_valid_mean_token_accuracy")},
                 "step_number": c["step_number"], "created_at": c["created_at"]}
                for c in reversed(common.checkpoints(engine, job["id"]))
            ]
            if job is not None else []
        )  # fmt: skip
    return obj


def _get(engine: Engine, job_id: str) -> dict[str, Any]:
    record = engine.state.get(f"{NAME}.job", job_id)
    if record is None:
        raise ApiError(404, f"Job {job_id} not found.")
    return record


# ---------------------------------------------------------------------------- handlers


@api
async def create_job(request: Request) -> Response:
    body = await common.json_object(request)
    return JSONResponse(await common.threaded(_create, common.engine_for(request), body))


def _list(engine: Engine, query: dict[str, str]) -> dict[str, Any]:
    items = [_job_object(engine, r) for r in engine.state.list(f"{NAME}.job")]
    for key in ("model", "status", "suffix"):
        if query.get(key):
            items = [j for j in items if j.get(key) == query[key]]
    try:
        page, size = int(query.get("page", 0)), int(query.get("page_size", 100))
    except ValueError:
        raise Invalid(["query", "page"], "page and page_size must be integers.") from None
    return {"data": items[page * size : (page + 1) * size], "object": "list", "total": len(items)}


@api
async def list_jobs(request: Request) -> Response:
    engine = common.engine_for(request)
    return JSONResponse(await common.threaded(_list, engine, dict(request.query_params)))


@api
async def retrieve_job(request: Request) -> Response:
    engine = common.engine_for(request)
    record = await common.threaded(_get, engine, request.path_params["job_id"])
    return JSONResponse(await common.threaded(_job_object, engine, record, details=True))


def _control(engine: Engine, job_id: str, action: str) -> dict[str, Any]:
    with _CONTROL:  # two /start requests at once must not start two trainings
        record = _get(engine, job_id)
        status, job = _status(engine, record)
        if action == "start":
            if record["_status"] != "VALIDATED" or record.get("_job"):
                raise ApiError(400, f"Job {job_id} is {status}; only a VALIDATED job can start.")
            _start(engine, record)
        else:
            if status in FINAL:
                raise ApiError(400, f"Job {job_id} is {status} and cannot be cancelled.")
            _event(record, "CANCELLATION_REQUESTED")
            if job is not None:
                common.cancel_job(engine, job["id"])
            record["_status"] = "CANCELLED"
            _event(record, "CANCELLED")
        engine.state.put(f"{NAME}.job", record)
    return _job_object(engine, record, details=True)


def _control_route(action: str) -> Any:
    @api
    async def handler(request: Request) -> Response:
        engine = common.engine_for(request)
        result = await common.threaded(_control, engine, request.path_params["job_id"], action)
        return JSONResponse(result)

    handler.__name__ = f"{action}_job"
    return handler


# ---------------------------------------------------------------------------- models


def _model_card(engine: Engine, tuned: dict[str, Any]) -> dict[str, Any] | None:
    stored = engine.state.get("model", tuned["id"])
    if stored is None:
        return None
    classifier = tuned["job_type"] == "classifier"
    card = {
        "id": tuned["id"], "object": "model", "created": stored["created"], "owned_by": WORKSPACE,
        "workspace_id": WORKSPACE, "root": tuned["root"], "root_version": "engine",
        "archived": False, "name": None, "description": stored.get("description"),
        "max_context_length": 8192, "aliases": [], "job": tuned["_record"],
        "capabilities": {"completion_chat": not classifier, "completion_fim": False,
                         "function_calling": False, "fine_tuning": True,
                         "classification": classifier},
        "type": "fine-tuned", "model_type": tuned["job_type"],
    }  # fmt: skip
    if classifier:
        record = engine.state.get(f"{NAME}.job", tuned["_record"]) or {}
        card["classifier_targets"] = [
            {"name": t["name"], "labels": t["labels"], "weight": t["weight"],
             "loss_function": t["loss_function"]}
            for t in record.get("classifier_targets", [])
        ]  # fmt: skip
    return card


def _base_card(name: str) -> dict[str, Any]:
    return {
        "id": name, "object": "model", "created": 1767225600, "owned_by": "mistralai",
        "name": name, "description": "Built-in engine stand-in: its untrained prior.",
        "max_context_length": 8192, "aliases": [], "type": "base",
        "capabilities": {"completion_chat": True, "completion_fim": False,
                         "function_calling": False, "fine_tuning": True, "classification": True},
    }  # fmt: skip


def _models(engine: Engine) -> list[dict[str, Any]]:
    cards = [_base_card(n) for n in BASE_MODELS]
    for tuned in engine.state.list(f"{NAME}.model", newest_first=False):
        card = _model_card(engine, tuned)
        if card is not None:
            cards.append(card)
    return cards


@api
async def list_models(request: Request) -> Response:
    data = await common.threaded(_models, common.engine_for(request))
    return JSONResponse({"object": "list", "data": data})


def _get_model(engine: Engine, model_id: str) -> dict[str, Any]:
    if model_id in BASE_MODELS:
        return _base_card(model_id)
    tuned = engine.state.get(f"{NAME}.model", model_id)
    card = _model_card(engine, tuned) if tuned else None
    if card is None:
        raise ApiError(404, f"Model {model_id} not found.")
    return card


@api
async def retrieve_model(request: Request) -> Response:
    engine = common.engine_for(request)
    return JSONResponse(await common.threaded(_get_model, engine, request.path_params["model"]))


def _delete_model(engine: Engine, model_id: str) -> dict[str, Any]:
    card = _get_model(engine, model_id)
    if card["type"] != "fine-tuned":
        raise ApiError(
            400, f"Model {model_id} is a base model; only fine-tuned models can be deleted."
        )
    engine.registry.delete(model_id)
    engine.state.delete(f"{NAME}.model", model_id)
    return {"id": model_id, "object": "model", "deleted": True}


@api
async def delete_model(request: Request) -> Response:
    engine = common.engine_for(request)
    return JSONResponse(await common.threaded(_delete_model, engine, request.path_params["model"]))


# ---------------------------------------------------------------------------- classifications


def _classify(engine: Engine, body: dict[str, Any]) -> dict[str, Any]:
    model_id = body.get("model")
    if not isinstance(model_id, str) or not model_id:
        raise Invalid(["model"], "Field required", "missing")
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise Invalid(["input"], "Input should be a string or a non-empty list of strings.")
    tuned = engine.state.get(f"{NAME}.model", model_id)
    if tuned is None or tuned["job_type"] != "classifier":
        raise ApiError(404, f"Model {model_id} not found or not a classifier.")
    model = engine.registry.load(model_id)
    if not isinstance(model, LinearClassifier):
        raise ApiError(
            400,
            f"Model {model_id} learnt free text, not classes (too many distinct labels for "
            "its examples); it cannot classify.",
        )
    record = engine.state.get(f"{NAME}.job", tuned["_record"]) or {}
    target = (record.get("classifier_targets") or [{"name": "label", "labels": model.labels}])[0]
    probabilities = np.exp(model.log_proba(model.features(texts)))
    results = []
    for row in probabilities:
        scores = {label: 0.0 for label in target["labels"]}
        scores.update({lab: float(p) for lab, p in zip(model.labels, row, strict=True)})
        results.append({target["name"]: {"scores": scores}})
    return {"id": uuid.uuid4().hex, "model": model_id, "results": results}


@api
async def classifications(request: Request) -> Response:
    body = await common.json_object(request)
    return JSONResponse(await common.threaded(_classify, common.engine_for(request), body))


def _no_logprobs(body: dict[str, Any]) -> dict[str, Any]:
    """Mistral's chat request has no logprobs fields; FastAPI refuses extra inputs."""
    for key in ("logprobs", "top_logprobs"):
        if key in body:
            raise Invalid([key], "Extra inputs are not permitted", "extra_forbidden")
    return body


chat_completions = common.inference_handler(
    "chat", base_models=BASE_MODELS, render=render_error, provider="Mistral",
    adapt_request=_no_logprobs,
)  # fmt: skip

ROUTES = [
    Route("/v1/files", upload_file, methods=["POST"]),
    Route("/v1/files", list_files, methods=["GET"]),
    Route("/v1/files/{file_id}", retrieve_file, methods=["GET"]),
    Route("/v1/files/{file_id}", delete_file, methods=["DELETE"]),
    Route("/v1/files/{file_id}/content", file_content, methods=["GET"]),
    Route("/v1/fine_tuning/jobs", create_job, methods=["POST"]),
    Route("/v1/fine_tuning/jobs", list_jobs, methods=["GET"]),
    Route("/v1/fine_tuning/jobs/{job_id}", retrieve_job, methods=["GET"]),
    Route("/v1/fine_tuning/jobs/{job_id}/start", _control_route("start"), methods=["POST"]),
    Route("/v1/fine_tuning/jobs/{job_id}/cancel", _control_route("cancel"), methods=["POST"]),
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models/{model:path}", retrieve_model, methods=["GET"]),
    Route("/v1/models/{model:path}", delete_model, methods=["DELETE"]),
    Route("/v1/classifications", classifications, methods=["POST"]),
    Route("/v1/chat/completions", chat_completions, methods=["POST"]),
]
