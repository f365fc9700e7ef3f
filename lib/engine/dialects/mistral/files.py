"""Mistral dialect: uploaded training data."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.engine.dialects import common
from lib.engine.dialects.mistral.wire import NAME, Invalid, api
from lib.engine.errors import ApiError
from lib.engine.handlers import Engine

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


def get_file_record(engine: Engine, file_id: str) -> dict[str, Any]:
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
    record = await common.threaded(get_file_record, engine, request.path_params["file_id"])
    return JSONResponse(_file_object(engine, record))


@api
async def delete_file(request: Request) -> Response:
    engine = common.engine_for(request)
    record = await common.threaded(get_file_record, engine, request.path_params["file_id"])
    await common.threaded(engine.state.delete, f"{NAME}.file", record["id"])
    return JSONResponse({"id": record["id"], "object": "file", "deleted": True})


@api
async def file_content(request: Request) -> Response:
    engine = common.engine_for(request)
    record = await common.threaded(get_file_record, engine, request.path_params["file_id"])
    content = await common.threaded(engine.state.file_path(record["_file"]).read_bytes)
    return Response(content, media_type="application/octet-stream")
