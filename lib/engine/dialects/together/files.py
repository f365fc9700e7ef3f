"""Together dialect: uploaded training data."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.engine.dialects import common
from lib.engine.dialects.together.wire import FILE_PURPOSES, NAME, api
from lib.engine.errors import ApiError, bad_request
from lib.engine.handlers import Engine

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
