"""Together dialect: fine-tuning jobs as Together documents them."""

from __future__ import annotations

import math
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.engine.dialects import common
from lib.engine.dialects.together.wire import (
    BASE_MODELS,
    DEFAULT_LEARNING_RATE,
    EVENT_TYPES,
    MAX_EPOCHS,
    MAX_SUFFIX,
    NAME,
    OWNER,
    STATUS,
    api,
)
from lib.engine.errors import ApiError, bad_request
from lib.engine.handlers import Engine
from lib.engine.state import now

# ---------------------------------------------------------------------------- requests


def _int(body: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad_request(
            f"'{key}' must be an integer from {low} to {high}; got {value!r}.", param=key
        )
    return value


def _number(body: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise bad_request(
            f"'{key}' must be a number from {low} to {high}; got {value!r}.", param=key
        )
    return float(value)


def _training_type(value: Any) -> dict[str, Any]:
    if value is None:  # Together: "If not provided, the job will default to LoRA"
        return {"type": "Lora", "lora_r": 8, "lora_alpha": 16, "lora_dropout": 0.0,
                "lora_trainable_modules": "all-linear"}  # fmt: skip
    if not isinstance(value, dict) or value.get("type") not in ("Full", "Lora"):
        raise bad_request(
            "'training_type.type' must be 'Full' or 'Lora'.", param="training_type.type"
        )
    if value["type"] == "Lora":
        for key in ("lora_r", "lora_alpha"):
            if isinstance(value.get(key), bool) or not isinstance(value.get(key), int):
                raise bad_request(
                    f"'training_type.{key}' is required for LoRA training (an integer).",
                    param=f"training_type.{key}",
                )
    return value


def _training_method(value: Any) -> tuple[str, dict[str, Any], float | None]:
    """(engine method, Together's method object, DPO beta)."""
    if value is None:
        return "supervised", {"method": "sft", "train_on_inputs": "auto"}, None
    if not isinstance(value, dict) or value.get("method") not in ("sft", "dpo"):
        raise bad_request(
            "'training_method.method' must be 'sft' or 'dpo'.", param="training_method.method"
        )
    if value["method"] == "sft":
        if "dpo_beta" in value:
            raise bad_request("dpo_beta is only supported for DPO training", param="dpo_beta")
        return "supervised", {"train_on_inputs": "auto", **value}, None
    beta = value.get("dpo_beta")
    if beta is not None and (
        isinstance(beta, bool) or not isinstance(beta, (int, float)) or not 0 < beta <= 2
    ):
        raise bad_request("'dpo_beta' must be a number in (0, 2].", param="dpo_beta")
    return "dpo", {"dpo_beta": 0.1, **value}, None if beta is None else float(beta)


def _resolve_checkpoint(engine: Engine, value: str) -> tuple[str, str]:
    """``{job id | output model}[:{step}]`` → (engine model to start from, Together base)."""
    name, step = value, ""
    head, sep, tail = value.rpartition(":")
    if sep and tail.isdigit():
        name, step = head, tail
    record = engine.state.get(f"{NAME}.job", name)
    if record is None:
        found = [r for r in engine.state.list(f"{NAME}.job") if r["model_output_name"] == name]
        record = found[0] if found else None
    job = common.job_or_none(engine, record["_job"]) if record else None
    if record is None or job is None or job["status"] != "succeeded":
        raise bad_request(
            f"from_checkpoint {value!r} names no completed fine-tuning job or output model.",
            param="from_checkpoint",
        )
    model = record["model_output_name"]
    if step:
        model = f"{model}:ckpt-step-{step}"
        if engine.state.get("model", model) is None:
            kept = [c["step_number"] for c in common.checkpoints(engine, job["id"])]
            raise bad_request(
                f"Job {record['id']} has no checkpoint at step {step}; kept steps: "
                f"{', '.join(map(str, kept)) or 'none'}.",
                param="from_checkpoint",
            )
    return model, record["model"]


def _create(engine: Engine, body: dict[str, Any]) -> dict[str, Any]:
    training_file = body.get("training_file")
    if not isinstance(training_file, str) or not training_file:
        raise bad_request("'training_file' is required.", param="training_file")
    model, checkpoint = body.get("model"), body.get("from_checkpoint")
    if model and checkpoint:
        raise bad_request(
            "You must specify either a model or a checkpoint to start a job from, not both",
            param="from_checkpoint",
        )
    if checkpoint:
        if not isinstance(checkpoint, str):
            raise bad_request("'from_checkpoint' must be a string.", param="from_checkpoint")
        start, base = _resolve_checkpoint(engine, checkpoint)
    elif isinstance(model, str) and model in BASE_MODELS:
        start, base = BASE_MODELS[model], model
    elif not model:
        raise bad_request("You must specify either a model or a checkpoint", param="model")
    else:
        raise bad_request(
            f"Model {model!r} is not available for fine-tuning; available: "
            f"{', '.join(BASE_MODELS)}.",
            param="model",
            code="model_not_available",
        )
    files: dict[str, str | None] = {}
    for key in ("training_file", "validation_file"):
        file_id = body.get(key)
        if key == "validation_file" and not file_id:
            files[key] = None
            continue
        record = engine.state.get(f"{NAME}.file", str(file_id))
        if record is None:
            raise bad_request(f"{key} {file_id!r} does not exist.", param=key)
        if record["purpose"] != "fine-tune":
            raise bad_request(
                f"{key} {file_id} has purpose {record['purpose']!r}; it needs 'fine-tune'.",
                param=key,
            )
        files[key] = file_id
    n_epochs = _int(body, "n_epochs", 1, 1, MAX_EPOCHS)
    batch = body.get("batch_size", "max")
    if batch != "max":
        batch = _int(body, "batch_size", 8, 1, 1024)
    rate = _number(body, "learning_rate", DEFAULT_LEARNING_RATE, 1e-9, 1.0)
    suffix = body.get("suffix")
    if suffix is not None and (not isinstance(suffix, str) or not 0 < len(suffix) <= MAX_SUFFIX):
        raise bad_request(f"'suffix' must be 1 to {MAX_SUFFIX} characters.", param="suffix")
    seed = body.get("random_seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise bad_request("'random_seed' must be a non-negative integer.", param="random_seed")
    kind, method, beta = _training_method(body.get("training_method"))
    training_type = _training_type(body.get("training_type"))
    hyper = common.engine_hyper(
        n_epochs=n_epochs,
        batch_size=None if batch == "max" else batch,
        rate_multiplier=common.multiplier(rate, DEFAULT_LEARNING_RATE),
    )
    if beta is not None:
        hyper["beta"] = beta
    job_id = f"ft-{uuid.uuid4()}"
    short = base.rsplit("/", 1)[-1]
    output = f"{OWNER}/{short}-{suffix + '-' if suffix else ''}{job_id[3:11]}"
    job = common.start_job(
        engine, dialect=NAME, model=start, training_file=training_file,
        validation_file=files["validation_file"], method=kind, hyper=hyper, output_model=output,
        seed=None if seed is None else seed % 2**31,
    )  # fmt: skip
    record = {
        "id": job_id, "_job": job["id"], "created_at": job["created_at"], "model": base,
        "model_output_name": output, "training_file": training_file,
        "validation_file": files["validation_file"], "suffix": suffix, "n_epochs": n_epochs,
        "n_checkpoints": body.get("n_checkpoints", 1), "n_evals": body.get("n_evals", 0),
        "batch_size": batch, "learning_rate": rate, "training_type": training_type,
        "training_method": method, "random_seed": seed, "from_checkpoint": checkpoint,
        "warmup_ratio": body.get("warmup_ratio", 0.0), "max_grad_norm": body.get("max_grad_norm", 1.0),
        "weight_decay": body.get("weight_decay", 0.0),
        "lr_scheduler": body.get("lr_scheduler") or {"lr_scheduler_type": "linear",
                                                      "lr_scheduler_args": {"min_lr_ratio": 0.0}},
    }  # fmt: skip
    engine.state.put(f"{NAME}.job", record)
    return _job_object(engine, record, truncated=True)


# ---------------------------------------------------------------------------- responses


def _event_type(event: dict[str, Any]) -> str:
    if event.get("level") == "error":
        return "job_error"
    for prefix, kind in EVENT_TYPES:
        if event["message"].startswith(prefix):
            return kind
    return "warning"


def _events(engine: Engine, job_id: str) -> list[dict[str, Any]]:
    result = []
    total = 0
    for event in common.events(engine, job_id):
        if event.get("type") == "metrics":
            total = int(event["data"].get("total_steps") or total)
            continue
        step = 0
        if event["message"].startswith("Checkpoint created at step "):
            step = int(event["message"].rsplit(" ", 1)[1])
        result.append(
            {
                "object": "fine-tune-event",
                "created_at": common.iso(event["created_at"]),
                "level": "error" if event.get("level") == "error" else "info",
                "message": event["message"],
                "type": _event_type(event),
                "param_count": 0,
                "token_count": 0,
                "total_steps": total,
                "wandb_url": "",
                "step": step,
                "checkpoint_path": "",
                "model_path": "",
                "training_offset": 0,
                "hash": event["id"],
            }
        )
    return result


def _job_object(engine: Engine, record: dict[str, Any], *, truncated: bool) -> dict[str, Any]:
    job = common.job_or_none(engine, record["_job"]) or {"status": "cancelled", "id": ""}
    status = STATUS[job["status"]]
    step, total = common.progress(engine, job)
    hyper = job.get("hyperparameters") or {}
    batch = hyper.get("batch_size")
    if not isinstance(batch, int):
        batch = record["batch_size"] if isinstance(record["batch_size"], int) else None
    seconds = None
    if job.get("estimated_finish") and status == "running":
        seconds = max(0, int(job["estimated_finish"]) - now())
    public = {k: v for k, v in record.items() if not k.startswith("_")}
    obj: dict[str, Any] = {
        **public,
        "status": status,
        "created_at": common.iso(record["created_at"]),
        "updated_at": common.iso(job.get("finished_at") or now()),
        "started_at": common.iso(record["created_at"]),
        "user_id": OWNER,
        "owner_address": OWNER,
        "total_price": 0,
        "token_count": job.get("trained_tokens") or 0,
        "batch_size": batch,
        "events": [] if truncated else _events(engine, job["id"]),
        "progress": {"estimate_available": seconds is not None, "seconds_remaining": seconds or 0},
    }
    if not truncated:
        n_epochs = hyper.get("n_epochs", record["n_epochs"])
        obj.update(
            job_id=record["id"],
            epochs_completed=(
                n_epochs if status == "completed" else (step * n_epochs // total if total else 0)
            ),
            total_steps=total,
            steps_completed=step,
            queue_depth=0,
            param_count=0,
            train_on_inputs=record["training_method"].get("train_on_inputs", "auto"),
            trainingfile_numlines=common.count_lines(engine, record["training_file"]),
        )
    return obj


def _get(engine: Engine, job_id: str) -> dict[str, Any]:
    record = engine.state.get(f"{NAME}.job", job_id)
    if record is None:
        raise ApiError(
            404, f"Fine-tune job {job_id} not found", param="id", code="fine_tune_not_found"
        )
    return record


# ---------------------------------------------------------------------------- handlers


@api
async def create_job(request: Request) -> Response:
    body = await common.json_object(request)
    return JSONResponse(await common.threaded(_create, common.engine_for(request), body))


@api
async def list_jobs(request: Request) -> Response:
    engine = common.engine_for(request)
    records = await common.threaded(engine.state.list, f"{NAME}.job")
    return JSONResponse({"data": [_job_object(engine, r, truncated=True) for r in records]})


@api
async def retrieve_job(request: Request) -> Response:
    engine = common.engine_for(request)
    record = await common.threaded(_get, engine, request.path_params["job_id"])
    return JSONResponse(await common.threaded(_job_object, engine, record, truncated=False))


def _cancel(engine: Engine, job_id: str) -> dict[str, Any]:
    record = _get(engine, job_id)
    job = common.job_or_none(engine, record["_job"])
    if job is not None and job["status"] not in common.ACTIVE + ("cancelled",):
        raise bad_request(
            f"Fine-tune job {job_id} is {STATUS[job['status']]} and cannot be cancelled.",
            param="id",
        )
    if job is not None:
        common.cancel_job(engine, job["id"])
    return _job_object(engine, record, truncated=True)


@api
async def cancel_job(request: Request) -> Response:
    engine = common.engine_for(request)
    return JSONResponse(await common.threaded(_cancel, engine, request.path_params["job_id"]))


def _delete(engine: Engine, job_id: str) -> dict[str, Any]:
    record = _get(engine, job_id)
    if common.job_or_none(engine, record["_job"]) is not None:
        common.cancel_job(engine, record["_job"])
        common.delete_models(engine, record["_job"])
    engine.state.delete(f"{NAME}.job", job_id)
    return {"message": f"Fine-tune job {job_id} and its models were deleted."}


@api
async def delete_job(request: Request) -> Response:
    engine = common.engine_for(request)
    return JSONResponse(await common.threaded(_delete, engine, request.path_params["job_id"]))


@api
async def list_events(request: Request) -> Response:
    engine = common.engine_for(request)
    record = await common.threaded(_get, engine, request.path_params["job_id"])
    return JSONResponse({"data": await common.threaded(_events, engine, record["_job"])})


def _checkpoints(engine: Engine, record: dict[str, Any]) -> list[dict[str, Any]]:
    job = common.job_or_none(engine, record["_job"])
    if job is None:
        return []
    kept = [
        {"step": c["step_number"], "path": f"{record['model_output_name']}:{c['step_number']}",
         "created_at": common.iso(c["created_at"]), "checkpoint_type": "Intermediate"}
        for c in common.checkpoints(engine, job["id"])
    ]  # fmt: skip
    if job["status"] == "succeeded":
        step = kept[-1]["step"] if kept else 0
        kept.append({"step": step, "path": record["model_output_name"],
                     "created_at": common.iso(job["finished_at"]), "checkpoint_type": "Final"})  # fmt: skip
    return kept


@api
async def list_checkpoints(request: Request) -> Response:
    engine = common.engine_for(request)
    record = await common.threaded(_get, engine, request.path_params["job_id"])
    return JSONResponse({"data": await common.threaded(_checkpoints, engine, record)})


def _metrics(engine: Engine, job_id: str) -> list[dict[str, float]]:
    """Training and eval rows as Together returns them: flat maps with ``train/*`` or
    ``eval/*`` keys and a ``timestamp`` in nanoseconds, one object per kind per step."""
    events = [e for e in common.events(engine, job_id) if e.get("type") == "metrics"]
    rows: list[dict[str, float]] = []
    for event in events:
        data = event["data"]
        stamp = float(event["created_at"]) * 1e9
        total, step = data.get("total_steps") or 0, data["step"]
        job = engine.state.get("job", job_id) or {}
        epochs = (job.get("hyperparameters") or {}).get("n_epochs")
        train = {
            "timestamp": stamp,
            "train/global_step": float(step),
            "train/loss": data["train_loss"],
        }
        if total and isinstance(epochs, int):
            train["train/epoch"] = round(step * epochs / total, 4)
        rows.append(train)
        valid = data.get("valid_loss")
        if valid is not None and not math.isnan(valid):
            rows.append({"timestamp": stamp, "eval/global_step": float(step), "eval/loss": valid})
    return rows


@api
async def job_metrics(request: Request) -> Response:
    engine = common.engine_for(request)
    record = await common.threaded(_get, engine, request.path_params["job_id"])
    return JSONResponse({"metrics": await common.threaded(_metrics, engine, record["_job"])})
