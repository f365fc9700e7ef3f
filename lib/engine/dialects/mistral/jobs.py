"""Mistral dialect: fine-tuning jobs as Mistral documents them."""

from __future__ import annotations

import json
import math
import threading
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.engine.data import DataError, chat_input_text, parse_training_file
from lib.engine.dialects import common
from lib.engine.dialects.mistral.files import get_file_record
from lib.engine.dialects.mistral.wire import (
    BASE_MODELS,
    DEFAULT_LEARNING_RATE,
    FINAL,
    NAME,
    STATUS,
    WORKSPACE,
    Invalid,
    api,
)
from lib.engine.errors import ApiError
from lib.engine.handlers import Engine
from lib.engine.state import now
from lib.engine.tokens import count_tokens
from lib.engine.trainer import MAX_EPOCHS, resolve_hyperparameters

# ---------------------------------------------------------------------------- requests


_CONTROL = threading.Lock()  # /start and /cancel of one job, one at a time


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
        get_file_record(engine, file_id)
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
            valid_records = [get_file_record(engine, v) for v in validation]
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


def control_route(action: str) -> Any:
    @api
    async def handler(request: Request) -> Response:
        engine = common.engine_for(request)
        result = await common.threaded(_control, engine, request.path_params["job_id"], action)
        return JSONResponse(result)

    handler.__name__ = f"{action}_job"
    return handler
