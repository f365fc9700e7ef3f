"""Fireworks dialect: models and inference."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.engine.dialects import common
from lib.engine.dialects.fireworks.wire import (
    BASE_MODELS,
    DEFAULT_LORA_RANK,
    NAME,
    api,
    not_found,
    page,
)
from lib.engine.errors import ApiError
from lib.engine.handlers import Engine

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
    return JSONResponse(page(request, models, "models"))


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


def inference(kind: str) -> Any:
    """OpenAI-compatible completions (their errors OpenAI-shaped, as on Fireworks' OpenAI-
    compatible endpoints); Fireworks' base-model names map to the engine's."""
    return common.inference_handler(
        kind, base_models=BASE_MODELS, render=ApiError.body, provider="Fireworks"
    )
