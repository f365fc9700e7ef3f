"""``/v1/fine_tuning/jobs``: create, list (with the metadata filter), retrieve, cancel, pause,
resume, events and checkpoints — request checking here, the work in :mod:`lib.engine.jobs`."""

from __future__ import annotations

import re
import secrets
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lib.engine.errors import ApiError, bad_request
from lib.engine.handlers import Engine, api, engine_of, int_query, json_body
from lib.engine.registry import BASE_MODELS
from lib.engine.schemas import Hyperparameters, JobCreateRequest
from lib.engine.state import new_id, now, paginate
from lib.engine.validation import parse

METHODS = ("supervised", "dpo")


def _method(request: JobCreateRequest) -> tuple[str, dict[str, Any]]:
    """The method type and its hyperparameters ("auto" where not given); their types and
    ranges are checked by :class:`JobCreateRequest`."""
    kind = "supervised"
    given: Hyperparameters | None = request.hyperparameters
    method = request.method
    if method is not None:
        kind = method.type
        if kind not in METHODS:
            raise bad_request(
                f"The built-in engine supports supervised and DPO fine-tuning; method "
                f"{kind!r} is not available.",
                param="method.type",
            )
        settings = method.supervised if kind == "supervised" else method.dpo
        if settings is not None and settings.hyperparameters is not None:
            given = settings.hyperparameters
    values = given.model_dump() if given is not None else {}
    keys = ["n_epochs", "batch_size", "learning_rate_multiplier"]
    if kind == "dpo":
        keys.append("beta")
    return kind, {key: values.get(key, "auto") for key in keys}


def _training_file(engine: Engine, file_id: str | None, key: str) -> str | None:
    if file_id is None:
        return None
    obj = engine.state.get("file", file_id)
    if obj is None:
        raise bad_request(
            f"invalid {key}: {file_id} (no such file)", param=key, code="invalid_file"
        )
    if obj["purpose"] != "fine-tune":
        raise bad_request(
            f"File {file_id} has purpose '{obj['purpose']}'; {key} needs purpose 'fine-tune'.",
            param=key,
        )
    return file_id


def create_job_object(
    engine: Engine, body: Any, *, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Check a create request and store the new job (status ``validating_files``).

    ``extra`` holds internal fields (names starting with ``_``) stored with the job before any
    worker sees it: the provider dialects (:mod:`lib.engine.dialects`) name the output model.
    """
    request = parse(JobCreateRequest, body)
    model = request.model
    stored = engine.state.get("model", model)
    if model not in BASE_MODELS and stored is None:
        raise bad_request(
            f"Model {model} is not available for fine-tuning or does not exist.",
            param="model",
            code="model_not_available",
        )
    base = model if stored is None else stored["base_model"]
    kind, hyper = _method(request)
    training_file = _training_file(engine, request.training_file, "training_file")
    validation_file = _training_file(engine, request.validation_file, "validation_file")
    suffix = request.suffix
    seed = secrets.randbelow(2**31) if request.seed is None else request.seed
    job: dict[str, Any] = {
        "id": new_id("ftjob-"),
        "object": "fine_tuning.job",
        "created_at": now(),
        "error": None,
        "fine_tuned_model": None,
        "finished_at": None,
        "hyperparameters": {k: v for k, v in hyper.items() if k != "beta"},
        "model": model,
        "organization_id": "org-tunelab",
        "result_files": [],
        "seed": seed,
        "status": "validating_files",
        "trained_tokens": None,
        "training_file": training_file,
        "validation_file": validation_file,
        "estimated_finish": None,
        "integrations": [],
        "metadata": request.metadata,
        "method": {"type": kind, kind: {"hyperparameters": hyper}},
        "user_provided_suffix": suffix,
        "_base": base,
        **(extra or {}),
    }
    engine.state.put("job", job)
    engine.jobs.event(job["id"], f"Created fine-tuning job: {job['id']}")
    engine.jobs.event(job["id"], f"Validating training file: {training_file}")
    engine.jobs.enqueue(job["id"])
    return job


def public(job: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job.items() if not k.startswith("_")}


def get_job(engine: Engine, job_id: str) -> dict[str, Any]:
    job = engine.state.get("job", job_id)
    if job is None:
        raise ApiError(
            404,
            f"No such fine-tuning job: {job_id}",
            param="fine_tuning_job_id",
            code="fine_tuning_job_not_found",
        )
    return job


def _metadata_filter(request: Request) -> tuple[bool, dict[str, str]]:
    """``metadata[k]=v`` pairs (all must match), or ``metadata=null`` for jobs without any."""
    wanted = {}
    for key, value in request.query_params.multi_items():
        match = re.fullmatch(r"metadata\[(.+)\]", key)
        if match:
            wanted[match.group(1)] = value
    return request.query_params.get("metadata") == "null", wanted


@api
async def create_job(request: Request) -> Response:
    body = await json_body(request)
    job = await run_in_threadpool(create_job_object, engine_of(request), body)
    return JSONResponse(public(job))


@api
async def list_jobs(request: Request) -> Response:
    engine = engine_of(request)
    jobs = await run_in_threadpool(engine.state.list, "job")
    want_null, wanted = _metadata_filter(request)
    if want_null:
        jobs = [j for j in jobs if not j.get("metadata")]
    if wanted:
        jobs = [
            j for j in jobs if all((j.get("metadata") or {}).get(k) == v for k, v in wanted.items())
        ]
    page = paginate(
        [public(j) for j in jobs],
        after=request.query_params.get("after"),
        limit=int_query(request, "limit", high=100),
    )
    return JSONResponse(page)


@api
async def retrieve_job(request: Request) -> Response:
    job = await run_in_threadpool(get_job, engine_of(request), request.path_params["job_id"])
    return JSONResponse(public(job))


def _control(engine: Engine, job_id: str, action: str) -> dict[str, Any]:
    get_job(engine, job_id)
    manager = engine.jobs
    if action == "cancel":
        job = manager.transition(
            job_id,
            ("validating_files", "queued", "running", "pausing", "paused"),
            status="cancelled",
            finished_at=now(),
            events=("Job cancelled",),
        )
    elif action == "pause":
        job = manager.transition(job_id, ("running",), status="pausing", events=("Pausing job",))
    else:
        job = manager.transition(job_id, ("paused",), status="queued", events=("Job resumed",))
        if job is not None:
            manager.enqueue(job_id)
    if job is None:
        current = get_job(engine, job_id)["status"]
        raise bad_request(
            f"Cannot {action} a job whose status is '{current}'.", param="fine_tuning_job_id"
        )
    return job


def _control_route(action: str) -> Any:
    @api
    async def handler(request: Request) -> Response:
        job = await run_in_threadpool(
            _control, engine_of(request), request.path_params["job_id"], action
        )
        return JSONResponse(public(job))

    handler.__name__ = f"{action}_job"
    return handler


def _children(kind: str) -> Any:
    @api
    async def handler(request: Request) -> Response:
        engine = engine_of(request)
        job_id = request.path_params["job_id"]
        await run_in_threadpool(get_job, engine, job_id)
        items = await run_in_threadpool(engine.state.list, kind, parent=job_id)
        limit = int_query(request, "limit", high=1000) or (20 if kind == "event" else 10)
        page = paginate(items, after=request.query_params.get("after"), limit=limit)
        return JSONResponse(page)

    handler.__name__ = f"list_{kind}s"
    return handler


ROUTES = [
    Route("/v1/fine_tuning/jobs", create_job, methods=["POST"]),
    Route("/v1/fine_tuning/jobs", list_jobs, methods=["GET"]),
    Route("/v1/fine_tuning/jobs/{job_id}", retrieve_job, methods=["GET"]),
    Route("/v1/fine_tuning/jobs/{job_id}/cancel", _control_route("cancel"), methods=["POST"]),
    Route("/v1/fine_tuning/jobs/{job_id}/pause", _control_route("pause"), methods=["POST"]),
    Route("/v1/fine_tuning/jobs/{job_id}/resume", _control_route("resume"), methods=["POST"]),
    Route("/v1/fine_tuning/jobs/{job_id}/events", _children("event"), methods=["GET"]),
    Route("/v1/fine_tuning/jobs/{job_id}/checkpoints", _children("checkpoint"), methods=["GET"]),
]
