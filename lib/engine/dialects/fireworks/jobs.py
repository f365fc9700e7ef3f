"""Fireworks dialect: fine-tuning jobs as Fireworks documents them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.engine.dialects import common
from lib.engine.dialects.fireworks.files import get_dataset_record
from lib.engine.dialects.fireworks.wire import (
    BASE_MODELS,
    DEFAULT_LEARNING_RATE,
    DEFAULT_LORA_RANK,
    MAX_EPOCHS,
    NAME,
    STATE,
    _new_id,
    api,
    check_id,
    invalid,
    not_found,
    page,
)
from lib.engine.errors import ApiError
from lib.engine.handlers import Engine
from lib.engine.state import now

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
    job_id = check_id(job_id, "supervisedFineTuningJobId") if job_id else _new_id()
    name = _job_name(account, job_id)
    if not isinstance(body.get("dataset"), str) or not body["dataset"]:
        raise invalid("dataset is required.")
    with engine.state.transaction():  # the id is the idempotency key: check and claim at once
        if engine.state.get(f"{NAME}.job", name) is not None:
            raise ApiError(409, f"SupervisedFineTuningJob {name!r} already exists")
        dataset = get_dataset_record(engine, account, body["dataset"])
        if dataset["state"] != "READY":
            raise ApiError(412, f"Dataset {dataset['name']!r} is not READY (upload its file).")
        evaluation = None
        if body.get("evaluationDataset"):
            evaluation = get_dataset_record(engine, account, str(body["evaluationDataset"]))
            if evaluation["state"] != "READY":
                raise ApiError(412, f"Dataset {evaluation['name']!r} is not READY.")
        start, base, warm = _start_model(engine, body)
        output_id = body.get("outputModel") or job_id
        output = f"accounts/{account}/models/{check_id(output_id, 'outputModel')}"
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
    return JSONResponse(page(request, mine, "supervisedFineTuningJobs"))


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
