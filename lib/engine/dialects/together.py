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

import math
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lib.engine.dialects import common
from lib.engine.errors import ApiError, bad_request
from lib.engine.server import Engine
from lib.engine.state import now

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


# ---------------------------------------------------------------------------- files


def _file_object(engine: Engine, record: dict[str, Any]) -> dict[str, Any]:
    stored = engine.state.get("file", record["id"]) or {}
    return {
        "id": record["id"],
        "object": "file",
        "created_at": stored.get("created_at", record["created_at"]),
        "filename": record["filename"],
        "bytes": stored.get("bytes", 0),
        "purpose": record["purpose"],
        "Processed": True,
        "FileType": record["file_type"],
        "LineCount": record["line_count"],
    }


def _get_file(engine: Engine, file_id: str) -> dict[str, Any]:
    record = engine.state.get(f"{NAME}.file", file_id)
    if record is None:
        raise ApiError(404, f"File {file_id} not found", param="id", code="file_not_found")
    return record


def _upload(engine: Engine, content: bytes, fields: dict[str, str]) -> dict[str, Any]:
    purpose = fields.get("purpose")
    if purpose not in FILE_PURPOSES:
        raise bad_request(
            f"'purpose' must be one of {', '.join(FILE_PURPOSES)}; got {purpose!r}.",
            param="purpose",
        )
    name = fields.get("file_name")
    if not name:
        raise bad_request("'file_name' is required.", param="file_name")
    file_type = fields.get("file_type") or "jsonl"
    if file_type not in ("jsonl", "parquet", "csv"):
        raise bad_request(
            f"'file_type' must be jsonl, parquet or csv; got {file_type!r}.", param="file_type"
        )
    if file_type != "jsonl" and purpose == "fine-tune":
        raise bad_request(
            "The built-in engine trains on JSONL files only; upload the data as file_type=jsonl.",
            param="file_type",
        )
    stored = common.keep_file(engine, content=content, filename=name)
    record = {
        "id": stored["id"],
        "created_at": stored["created_at"],
        "filename": name,
        "purpose": purpose,
        "file_type": file_type,
        "line_count": common.count_lines(engine, stored["id"]),
    }
    engine.state.put(f"{NAME}.file", record)
    return _file_object(engine, record)


@api
async def upload_file(request: Request) -> Response:
    engine = common.engine_for(request)
    content, _, fields = await common.read_upload(request)
    return JSONResponse(await common.threaded(_upload, engine, content, fields))


@api
async def list_files(request: Request) -> Response:
    engine = common.engine_for(request)
    records = await common.threaded(engine.state.list, f"{NAME}.file")
    return JSONResponse({"data": [_file_object(engine, r) for r in records]})


@api
async def retrieve_file(request: Request) -> Response:
    engine = common.engine_for(request)
    record = await common.threaded(_get_file, engine, request.path_params["file_id"])
    return JSONResponse(_file_object(engine, record))


@api
async def delete_file(request: Request) -> Response:
    engine = common.engine_for(request)
    file_id = request.path_params["file_id"]
    await common.threaded(_get_file, engine, file_id)
    await common.threaded(engine.state.delete, f"{NAME}.file", file_id)
    await common.threaded(engine.state.delete, "file", file_id)
    engine.state.file_path(file_id).unlink(missing_ok=True)
    return JSONResponse({"id": file_id, "deleted": True})


@api
async def file_content(request: Request) -> Response:
    engine = common.engine_for(request)
    file_id = request.path_params["file_id"]
    await common.threaded(_get_file, engine, file_id)
    content = await common.threaded(engine.state.file_path(file_id).read_bytes)
    return Response(content, media_type="application/octet-stream")


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


def _models(engine: Engine) -> list[dict[str, Any]]:
    models = [
        {"id": name, "object": "model", "created": 1767225600, "type": "chat",
         "display_name": f"{name} (built-in engine stand-in: untrained prior)",
         "organization": "tunelab", "context_length": 8192}
        for name in BASE_MODELS
    ]  # fmt: skip
    for record in engine.state.list(f"{NAME}.job", newest_first=False):
        stored = engine.state.get("model", record["model_output_name"])
        if stored is not None:
            models.append(
                {"id": stored["id"], "object": "model", "created": stored["created"],
                 "type": "chat", "display_name": stored["id"], "organization": OWNER,
                 "context_length": 8192}
            )  # fmt: skip
    return models


@api
async def supported_models(request: Request) -> Response:
    return JSONResponse({"models": list(BASE_MODELS)})


@api
async def list_models(request: Request) -> Response:
    return JSONResponse(await common.threaded(_models, common.engine_for(request)))


# ---------------------------------------------------------------------------- inference


def _together_logprobs_request(body: dict[str, Any]) -> dict[str, Any]:
    """Together takes ``logprobs`` as an integer 0..20 (top tokens per step), not OpenAI's
    boolean plus ``top_logprobs``."""
    body.pop("top_logprobs", None)
    value = body.pop("logprobs", None)
    if value is None or value is False:
        return body
    if not isinstance(value, int) or not 0 <= value <= 20:
        raise bad_request("'logprobs' must be an integer from 0 to 20.", param="logprobs")
    if value:
        body.update(logprobs=True, top_logprobs=value)
    return body


def _together_logprobs_response(asked: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's per-token logprobs as Together's ``LogprobsPart``: ``tokens``,
    ``token_logprobs`` and ``top_logprobs`` (one ``{token: logprob}`` map per token)."""
    for choice in result.get("choices", []):
        content = (choice.get("logprobs") or {}).get("content") if choice.get("logprobs") else None
        if content is None:
            continue
        choice["logprobs"] = {
            "tokens": [t["token"] for t in content],
            "token_logprobs": [t["logprob"] for t in content],
            "top_logprobs": [
                {x["token"]: x["logprob"] for x in t["top_logprobs"]} for t in content
            ],
        }
    return result


def _inference(kind: str) -> Any:
    return common.inference_handler(
        kind, base_models=BASE_MODELS, render=render_error, provider="Together",
        adapt_request=_together_logprobs_request if kind == "chat" else None,
        adapt_response=_together_logprobs_response if kind == "chat" else None,
    )  # fmt: skip


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
    Route("/chat/completions", _inference("chat"), methods=["POST"]),
    Route("/completions", _inference("legacy"), methods=["POST"]),
]
