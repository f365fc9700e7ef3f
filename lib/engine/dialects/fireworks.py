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

import re
import secrets
import string
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lib.engine.dialects import common
from lib.engine.errors import ApiError
from lib.engine.server import Engine
from lib.engine.state import now

NAME = "fireworks"
PREFIX = "/fireworks"
DEFAULT_LEARNING_RATE = 1e-4
DEFAULT_LORA_RANK = 8
MAX_EPOCHS = 50
BASE_MODELS = {
    "accounts/fireworks/models/qwen3-8b": "tunelab-base",
    "accounts/fireworks/models/llama-v3p1-8b-instruct": "tunelab-base",
    "accounts/fireworks/models/tunelab-base": "tunelab-base",
}
_RESOURCE_ID = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
# HTTP status → gRPC code name and number (google.rpc.Code), as the gateway maps them.
GRPC = {
    400: ("INVALID_ARGUMENT", 3),
    401: ("UNAUTHENTICATED", 16),
    403: ("PERMISSION_DENIED", 7),
    404: ("NOT_FOUND", 5),
    405: ("UNIMPLEMENTED", 12),
    409: ("ALREADY_EXISTS", 6),
    412: ("FAILED_PRECONDITION", 9),
    413: ("INVALID_ARGUMENT", 3),
    429: ("RESOURCE_EXHAUSTED", 8),
    500: ("INTERNAL", 13),
}
STATE = {
    "validating_files": "JOB_STATE_VALIDATING",
    "queued": "JOB_STATE_PENDING",
    "running": "JOB_STATE_RUNNING",
    "pausing": "JOB_STATE_RUNNING",
    "paused": "JOB_STATE_PAUSED",
    "succeeded": "JOB_STATE_COMPLETED",
    "failed": "JOB_STATE_FAILED",
    "cancelled": "JOB_STATE_CANCELLED",
}


def render_error(error: ApiError) -> dict[str, Any]:
    code = GRPC.get(error.status, ("UNKNOWN", 2))[1]
    return {"code": code, "message": error.message, "details": []}


api = common.dialect_api(render_error, provider="Fireworks")


def invalid(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(kind: str, name: str) -> ApiError:
    return ApiError(404, f"{kind} {name!r} not found")


def _new_id() -> str:
    alphabet = string.ascii_lowercase + string.digits
    return secrets.choice(string.ascii_lowercase) + "".join(
        secrets.choice(alphabet) for _ in range(11)
    )


def _check_id(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _RESOURCE_ID.match(value):
        raise invalid(
            f"{field} {value!r} is not a valid resource id: 1-63 lowercase letters, digits or "
            "hyphens, starting and ending with a letter or digit."
        )
    return value


def _page(request: Request, items: list[dict[str, Any]], key: str) -> dict[str, Any]:
    """AIP-158 paging: ``pageSize`` (default 50, at most 200) and an opaque ``pageToken``."""
    raw = request.query_params.get("pageSize") or "50"
    if not raw.isdigit():
        raise invalid(f"pageSize must be a positive integer; got {raw!r}.")
    size = min(200, max(1, int(raw)))
    token = request.query_params.get("pageToken") or "0"
    if not token.isdigit():
        raise invalid(f"pageToken {token!r} is not a page token this server issued.")
    start = int(token)
    page = items[start : start + size]
    more = start + size < len(items)
    return {key: page, "nextPageToken": str(start + size) if more else "", "totalSize": len(items)}


# ---------------------------------------------------------------------------- datasets


def _dataset_name(account: str, dataset_id: str) -> str:
    return f"accounts/{account}/datasets/{dataset_id}"


def _get_dataset(engine: Engine, account: str, ref: str) -> dict[str, Any]:
    """A dataset by full resource name or bare id (within ``account``)."""
    name = ref if ref.startswith("accounts/") else _dataset_name(account, ref)
    record = engine.state.get(f"{NAME}.dataset", name)
    if record is None:
        raise not_found("Dataset", name)
    return record


def _dataset_object(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_") and k != "id"}


def _create_dataset(engine: Engine, account: str, body: dict[str, Any]) -> dict[str, Any]:
    dataset_id = _check_id(body.get("datasetId"), "datasetId")
    spec = body.get("dataset")
    if not isinstance(spec, dict):
        raise invalid("'dataset' is required (an object).")
    name = _dataset_name(account, dataset_id)
    with engine.state.transaction():
        if engine.state.get(f"{NAME}.dataset", name) is not None:
            raise ApiError(409, f"Dataset {name!r} already exists")
        stamp = common.iso(now())
        record = {
            "id": name, "name": name, "displayName": spec.get("displayName") or dataset_id,
            "createTime": stamp, "updateTime": stamp, "state": "UPLOADING",
            "status": {"code": "OK", "message": ""}, "exampleCount": "0",
            "userUploaded": spec.get("userUploaded", {}), "format": spec.get("format", "CHAT"),
            "_file": None, "_account": account,
        }  # fmt: skip
        engine.state.put(f"{NAME}.dataset", record)
    return _dataset_object(record)


def _upload(
    engine: Engine, account: str, dataset_id: str, content: bytes, filename: str
) -> dict[str, Any]:
    record = _get_dataset(engine, account, dataset_id)
    if record["_file"] is not None:
        raise ApiError(412, f"Dataset {record['name']!r} already has its data; create another.")
    stored = common.keep_file(engine, content=content, filename=filename)
    lines = common.count_lines(engine, stored["id"])
    engine.state.update(
        f"{NAME}.dataset", record["name"], _file=stored["id"], state="READY",
        exampleCount=str(lines), updateTime=common.iso(now()),
    )  # fmt: skip
    return {
        "id": record["name"], "bytes": stored["bytes"], "created_at": stored["created_at"],
        "filename": filename, "object": "file", "purpose": "fine-tune",
    }  # fmt: skip


@api
async def create_dataset(request: Request) -> Response:
    engine = common.engine_for(request)
    body = await common.json_object(request)
    account = request.path_params["account"]
    return JSONResponse(await common.threaded(_create_dataset, engine, account, body))


@api
async def upload_dataset(request: Request) -> Response:
    engine = common.engine_for(request)
    content, filename, _ = await common.read_upload(request)
    params = request.path_params
    result = await common.threaded(
        _upload, engine, params["account"], params["dataset"], content, filename
    )
    return JSONResponse(result)


@api
async def get_dataset(request: Request) -> Response:
    engine = common.engine_for(request)
    params = request.path_params
    record = await common.threaded(_get_dataset, engine, params["account"], params["dataset"])
    return JSONResponse(_dataset_object(record))


@api
async def list_datasets(request: Request) -> Response:
    engine = common.engine_for(request)
    account = request.path_params["account"]
    records = await common.threaded(engine.state.list, f"{NAME}.dataset", newest_first=False)
    mine = [_dataset_object(r) for r in records if r["_account"] == account]
    return JSONResponse(_page(request, mine, "datasets"))


def _delete_dataset(engine: Engine, account: str, dataset_id: str) -> dict[str, Any]:
    record = _get_dataset(engine, account, dataset_id)
    engine.state.delete(f"{NAME}.dataset", record["name"])
    if record["_file"]:
        engine.state.delete("file", record["_file"])
        engine.state.file_path(record["_file"]).unlink(missing_ok=True)
    return {}


@api
async def delete_dataset(request: Request) -> Response:
    engine = common.engine_for(request)
    params = request.path_params
    return JSONResponse(
        await common.threaded(_delete_dataset, engine, params["account"], params["dataset"])
    )


# ---------------------------------------------------------------------------- jobs


def _job_name(account: str, job_id: str) -> str:
    return f"accounts/{account}/supervisedFineTuningJobs/{job_id}"


def _number(body: dict[str, Any], key: str, *, integer: bool, low: float, high: float) -> Any:
    value = body.get(key)
    if value is None:
        return None
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or not low <= value <= high:
        raise invalid(f"{key} must be a number from {low:g} to {high:g}; got {value!r}.")
    return value


def _start_model(engine: Engine, body: dict[str, Any]) -> tuple[str, str, str | None]:
    """(engine model, base model name, warm-start model name) from ``baseModel`` or
    ``warmStartFrom`` — exactly one of them."""
    base, warm = body.get("baseModel"), body.get("warmStartFrom")
    if bool(base) == bool(warm):
        raise invalid("Exactly one of baseModel or warmStartFrom must be specified.")
    if base:
        if base not in BASE_MODELS:
            raise invalid(
                f"baseModel {base!r} is not tunable here; tunable: {', '.join(BASE_MODELS)}."
            )
        return BASE_MODELS[base], base, None
    stored = engine.state.get("model", str(warm))
    if stored is None or stored.get("checkpoint"):
        raise not_found("Model", str(warm))
    origin = next((r for r in engine.state.list(f"{NAME}.job") if r["outputModel"] == warm), None)
    return str(warm), origin["baseModel"] if origin else str(warm), str(warm)


def _create_job(
    engine: Engine, account: str, job_id: str | None, body: dict[str, Any]
) -> dict[str, Any]:
    job_id = _check_id(job_id, "supervisedFineTuningJobId") if job_id else _new_id()
    name = _job_name(account, job_id)
    if not isinstance(body.get("dataset"), str) or not body["dataset"]:
        raise invalid("dataset is required.")
    with engine.state.transaction():  # the id is the idempotency key: check and claim at once
        if engine.state.get(f"{NAME}.job", name) is not None:
            raise ApiError(409, f"SupervisedFineTuningJob {name!r} already exists")
        dataset = _get_dataset(engine, account, body["dataset"])
        if dataset["state"] != "READY":
            raise ApiError(412, f"Dataset {dataset['name']!r} is not READY (upload its file).")
        evaluation = None
        if body.get("evaluationDataset"):
            evaluation = _get_dataset(engine, account, str(body["evaluationDataset"]))
            if evaluation["state"] != "READY":
                raise ApiError(412, f"Dataset {evaluation['name']!r} is not READY.")
        start, base, warm = _start_model(engine, body)
        output_id = body.get("outputModel") or job_id
        output = f"accounts/{account}/models/{_check_id(output_id, 'outputModel')}"
        if engine.state.get("model", output) is not None:
            raise ApiError(409, f"Model {output!r} already exists")
        epochs = _number(body, "epochs", integer=True, low=1, high=MAX_EPOCHS) or 1
        rate = _number(body, "learningRate", integer=False, low=1e-9, high=1.0)
        batch = _number(body, "batchSize", integer=True, low=1, high=1 << 20)
        rank = _number(body, "loraRank", integer=True, low=1, high=64) or DEFAULT_LORA_RANK
        hyper = common.engine_hyper(
            n_epochs=epochs,
            batch_size=None,  # Fireworks' batchSize counts tokens, not examples
            rate_multiplier=None
            if rate is None
            else common.multiplier(rate, DEFAULT_LEARNING_RATE),
        )
        job = common.start_job(
            engine, dialect=NAME, model=start, training_file=dataset["_file"],
            validation_file=evaluation["_file"] if evaluation else None, method="supervised",
            hyper=hyper, output_model=output,
        )  # fmt: skip
        stamp = common.iso(job["created_at"])
        record = {
            "id": name, "name": name, "_job": job["id"], "_account": account,
            "displayName": body.get("displayName") or job_id, "dataset": dataset["name"],
            "evaluationDataset": evaluation["name"] if evaluation else None,
            "baseModel": base, "warmStartFrom": warm, "outputModel": output, "epochs": epochs,
            "learningRate": rate if rate is not None else DEFAULT_LEARNING_RATE,
            "loraRank": rank, "batchSize": batch, "createTime": stamp,
            "createdBy": "tunelab@localhost", "earlyStop": bool(body.get("earlyStop", False)),
            "maxContextLength": body.get("maxContextLength"),
        }  # fmt: skip
        engine.state.put(f"{NAME}.job", record)
    return _job_object(engine, record)


def _job_object(engine: Engine, record: dict[str, Any]) -> dict[str, Any]:
    job = common.job_or_none(engine, record["_job"])
    status = job["status"] if job else "cancelled"
    step, total = common.progress(engine, job)
    obj = {k: v for k, v in record.items() if not k.startswith("_") and k != "id"}
    error = (job or {}).get("error")
    obj.update(
        state=STATE[status],
        status=(
            {
                "code": "INVALID_ARGUMENT" if error["code"].startswith("invalid") else "INTERNAL",
                "message": error["message"],
            }
            if error
            else {"code": "OK", "message": ""}
        ),  # fmt: skip
        updateTime=common.iso((job or {}).get("finished_at") or now()),
        completedTime=common.iso((job or {}).get("finished_at")),
        jobProgress={
            "percent": 100 if status == "succeeded" else (100 * step // total if total else 0),
            "epoch": (job or {}).get("hyperparameters", {}).get("n_epochs", record["epochs"])
            if status == "succeeded"
            else (step * record["epochs"] // total if total else 0),
        },
    )
    return {k: v for k, v in obj.items() if v is not None}


def _get_job(engine: Engine, account: str, job_id: str) -> dict[str, Any]:
    name = _job_name(account, job_id)
    record = engine.state.get(f"{NAME}.job", name)
    if record is None:
        raise not_found("SupervisedFineTuningJob", name)
    return record


@api
async def create_job(request: Request) -> Response:
    engine = common.engine_for(request)
    body = await common.json_object(request)
    job_id = request.query_params.get("supervisedFineTuningJobId")
    account = request.path_params["account"]
    return JSONResponse(await common.threaded(_create_job, engine, account, job_id, body))


@api
async def list_jobs(request: Request) -> Response:
    engine = common.engine_for(request)
    account = request.path_params["account"]
    records = await common.threaded(engine.state.list, f"{NAME}.job", newest_first=False)
    mine = [_job_object(engine, r) for r in records if r["_account"] == account]
    return JSONResponse(_page(request, mine, "supervisedFineTuningJobs"))


@api
async def get_job(request: Request) -> Response:
    engine = common.engine_for(request)
    params = request.path_params
    record = await common.threaded(_get_job, engine, params["account"], params["job"])
    return JSONResponse(await common.threaded(_job_object, engine, record))


def _delete_job(engine: Engine, account: str, job_id: str) -> dict[str, Any]:
    record = _get_job(engine, account, job_id)
    if common.job_or_none(engine, record["_job"]) is not None:
        common.cancel_job(engine, record["_job"])  # a running job stops; its models stay
    engine.state.delete(f"{NAME}.job", record["name"])
    return {}


@api
async def delete_job(request: Request) -> Response:
    engine = common.engine_for(request)
    params = request.path_params
    return JSONResponse(
        await common.threaded(_delete_job, engine, params["account"], params["job"])
    )


# ---------------------------------------------------------------------------- models


def _model_object(engine: Engine, stored: dict[str, Any]) -> dict[str, Any]:
    origin = next(
        (r for r in engine.state.list(f"{NAME}.job") if r["outputModel"] == stored["id"]), None
    )
    base = origin["baseModel"] if origin else stored.get("base_model")
    return {
        "name": stored["id"], "displayName": stored["id"].rsplit("/", 1)[-1],
        "description": stored.get("description", ""), "createTime": common.iso(stored["created"]),
        "state": "READY", "status": {"code": "OK", "message": ""}, "kind": "HF_PEFT_ADDON",
        "peftDetails": {"baseModel": base, "r": origin["loraRank"] if origin else DEFAULT_LORA_RANK,
                        "targetModules": ["all-linear"]},
        "fineTuningJob": origin["name"] if origin else None, "tunable": True,
        "supportsLora": True, "public": False, "contextLength": 8192,
    }  # fmt: skip


def _account_models(engine: Engine, account: str) -> list[dict[str, Any]]:
    prefix = f"accounts/{account}/models/"
    return [
        _model_object(engine, m)
        for m in engine.state.list("model", newest_first=False)
        if m["id"].startswith(prefix) and not m.get("checkpoint")
    ]


@api
async def list_models(request: Request) -> Response:
    engine = common.engine_for(request)
    models = await common.threaded(_account_models, engine, request.path_params["account"])
    return JSONResponse(_page(request, models, "models"))


def _get_model(engine: Engine, account: str, model_id: str) -> dict[str, Any]:
    name = f"accounts/{account}/models/{model_id}"
    stored = engine.state.get("model", name)
    if stored is None or stored.get("checkpoint"):
        raise not_found("Model", name)
    return stored


@api
async def get_model(request: Request) -> Response:
    engine = common.engine_for(request)
    params = request.path_params
    stored = await common.threaded(_get_model, engine, params["account"], params["model"])
    return JSONResponse(await common.threaded(_model_object, engine, stored))


@api
async def delete_model(request: Request) -> Response:
    engine = common.engine_for(request)
    params = request.path_params
    stored = await common.threaded(_get_model, engine, params["account"], params["model"])
    await common.threaded(engine.registry.delete, stored["id"])
    return JSONResponse({})


# ---------------------------------------------------------------------------- inference


def _inference(kind: str) -> Any:
    """OpenAI-compatible completions (their errors OpenAI-shaped, as on Fireworks' OpenAI-
    compatible endpoints); Fireworks' base-model names map to the engine's."""
    return common.inference_handler(
        kind, base_models=BASE_MODELS, render=ApiError.body, provider="Fireworks"
    )


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
    Route("/inference/v1/chat/completions", _inference("chat"), methods=["POST"]),
    Route("/inference/v1/completions", _inference("legacy"), methods=["POST"]),
]
