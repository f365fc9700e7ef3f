"""``/v1/batches``: create, retrieve, list and cancel, in OpenAI's Batch API shapes."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lib.engine.errors import ApiError, bad_request
from lib.engine.handlers import Engine, api, engine_of, int_query, json_body
from lib.engine.schemas import BatchCreateRequest
from lib.engine.state import new_id, now, paginate
from lib.engine.validation import parse


def create_batch_object(engine: Engine, body: Any) -> dict[str, Any]:
    request = parse(BatchCreateRequest, body)
    file_id = request.input_file_id
    file_obj = engine.state.get("file", file_id)
    if file_obj is None:
        raise ApiError(
            404, f"No such File object: {file_id}", param="input_file_id", code="file_not_found"
        )
    if file_obj["purpose"] != "batch":
        raise bad_request(
            f"File {file_id} has purpose '{file_obj['purpose']}'; batches need purpose 'batch'.",
            param="input_file_id",
        )
    endpoint = request.endpoint
    created = now()
    batch = {
        "id": new_id("batch_"),
        "object": "batch",
        "endpoint": endpoint,
        "errors": None,
        "input_file_id": file_id,
        "completion_window": "24h",
        "status": "validating",
        "output_file_id": None,
        "error_file_id": None,
        "created_at": created,
        "in_progress_at": None,
        "expires_at": created + 24 * 3600,
        "finalizing_at": None,
        "completed_at": None,
        "failed_at": None,
        "expired_at": None,
        "cancelling_at": None,
        "cancelled_at": None,
        "request_counts": {"total": 0, "completed": 0, "failed": 0},
        "metadata": request.metadata,
    }
    engine.state.put("batch", batch)
    engine.batches.enqueue(batch["id"])
    return batch


def get_batch(engine: Engine, batch_id: str) -> dict[str, Any]:
    batch = engine.state.get("batch", batch_id)
    if batch is None:
        raise ApiError(404, f"No such batch: {batch_id}", param="batch_id", code="batch_not_found")
    return batch


def cancel_batch_object(engine: Engine, batch_id: str) -> dict[str, Any]:
    with engine.state.transaction():
        batch = get_batch(engine, batch_id)
        if batch["status"] not in ("validating", "in_progress", "finalizing"):
            raise bad_request(
                f"Cannot cancel a batch whose status is '{batch['status']}'.", param="batch_id"
            )
        if batch["status"] == "validating":
            return engine.state.update(
                "batch", batch_id, status="cancelled", cancelling_at=now(), cancelled_at=now()
            )
        return engine.state.update("batch", batch_id, status="cancelling", cancelling_at=now())


@api
async def create_batch(request: Request) -> Response:
    body = await json_body(request)
    return JSONResponse(await run_in_threadpool(create_batch_object, engine_of(request), body))


@api
async def retrieve_batch(request: Request) -> Response:
    return JSONResponse(
        await run_in_threadpool(get_batch, engine_of(request), request.path_params["batch_id"])
    )


@api
async def cancel_batch(request: Request) -> Response:
    return JSONResponse(
        await run_in_threadpool(
            cancel_batch_object, engine_of(request), request.path_params["batch_id"]
        )
    )


@api
async def list_batches(request: Request) -> Response:
    items = await run_in_threadpool(engine_of(request).state.list, "batch")
    page = paginate(
        items, after=request.query_params.get("after"), limit=int_query(request, "limit", high=100)
    )
    return JSONResponse(page)


ROUTES = [
    Route("/v1/batches", create_batch, methods=["POST"]),
    Route("/v1/batches", list_batches, methods=["GET"]),
    Route("/v1/batches/{batch_id}", retrieve_batch, methods=["GET"]),
    Route("/v1/batches/{batch_id}/cancel", cancel_batch, methods=["POST"]),
]
