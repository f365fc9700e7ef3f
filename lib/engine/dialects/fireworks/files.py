"""Fireworks dialect: uploaded training data."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.engine.dialects import common
from lib.engine.dialects.fireworks.wire import NAME, api, check_id, invalid, not_found, page
from lib.engine.errors import ApiError
from lib.engine.handlers import Engine
from lib.engine.state import now

# ---------------------------------------------------------------------------- datasets


def _dataset_name(account: str, dataset_id: str) -> str:
    return f"accounts/{account}/datasets/{dataset_id}"


def get_dataset_record(engine: Engine, account: str, ref: str) -> dict[str, Any]:
    """A dataset by full resource name or bare id (within ``account``)."""
    name = ref if ref.startswith("accounts/") else _dataset_name(account, ref)
    record = engine.state.get(f"{NAME}.dataset", name)
    if record is None:
        raise not_found("Dataset", name)
    return record


def _dataset_object(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_") and k != "id"}


def _create_dataset(engine: Engine, account: str, body: dict[str, Any]) -> dict[str, Any]:
    dataset_id = check_id(body.get("datasetId"), "datasetId")
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
    record = get_dataset_record(engine, account, dataset_id)
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
    record = await common.threaded(get_dataset_record, engine, params["account"], params["dataset"])
    return JSONResponse(_dataset_object(record))


@api
async def list_datasets(request: Request) -> Response:
    engine = common.engine_for(request)
    account = request.path_params["account"]
    records = await common.threaded(engine.state.list, f"{NAME}.dataset", newest_first=False)
    mine = [_dataset_object(r) for r in records if r["_account"] == account]
    return JSONResponse(page(request, mine, "datasets"))


def _delete_dataset(engine: Engine, account: str, dataset_id: str) -> dict[str, Any]:
    record = get_dataset_record(engine, account, dataset_id)
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
