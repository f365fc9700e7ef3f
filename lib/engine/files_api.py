"""``/v1/files``: upload, list, retrieve, delete and download, as OpenAI's Files API does."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lib.engine.errors import bad_request
from lib.engine.files import get_file, store_file
from lib.engine.handlers import api, engine_of, int_query
from lib.engine.schemas import FileCreateRequest
from lib.engine.state import paginate
from lib.engine.validation import parse


@api
async def create_file(request: Request) -> Response:
    engine = engine_of(request)
    form = await request.form(max_files=1, max_fields=20)
    try:
        upload = parse(FileCreateRequest, dict(form))
        content = await upload.file.read()
        filename = upload.file.filename or "upload.jsonl"
    finally:
        await form.close()
    obj = await run_in_threadpool(
        store_file, engine.state, content=content, filename=filename, purpose=upload.purpose
    )
    return JSONResponse(obj)


@api
async def list_files(request: Request) -> Response:
    state = engine_of(request).state
    order = request.query_params.get("order", "desc")
    if order not in ("asc", "desc"):
        raise bad_request("'order' must be 'asc' or 'desc'.", param="order")
    items = await run_in_threadpool(state.list, "file", newest_first=order == "desc")
    purpose = request.query_params.get("purpose")
    if purpose:
        items = [f for f in items if f["purpose"] == purpose]
    limit = int_query(request, "limit") or 10_000
    return JSONResponse(paginate(items, after=request.query_params.get("after"), limit=limit))


@api
async def retrieve_file(request: Request) -> Response:
    obj = await run_in_threadpool(
        get_file, engine_of(request).state, request.path_params["file_id"]
    )
    return JSONResponse(obj)


@api
async def delete_file(request: Request) -> Response:
    state = engine_of(request).state
    file_id = request.path_params["file_id"]
    await run_in_threadpool(get_file, state, file_id)
    await run_in_threadpool(state.delete, "file", file_id)
    state.file_path(file_id).unlink(missing_ok=True)
    return JSONResponse({"id": file_id, "object": "file", "deleted": True})


@api
async def file_content(request: Request) -> Response:
    state = engine_of(request).state
    file_id = request.path_params["file_id"]
    await run_in_threadpool(get_file, state, file_id)
    content = await run_in_threadpool(state.file_path(file_id).read_bytes)
    return Response(content, media_type="application/octet-stream")


ROUTES = [
    Route("/v1/files", create_file, methods=["POST"]),
    Route("/v1/files", list_files, methods=["GET"]),
    Route("/v1/files/{file_id}", retrieve_file, methods=["GET"]),
    Route("/v1/files/{file_id}", delete_file, methods=["DELETE"]),
    Route("/v1/files/{file_id}/content", file_content, methods=["GET"]),
]
