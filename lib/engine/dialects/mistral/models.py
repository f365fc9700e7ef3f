"""Mistral dialect: models and inference."""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.engine.dialects import common
from lib.engine.dialects.mistral.wire import (
    BASE_MODELS,
    NAME,
    WORKSPACE,
    Invalid,
    api,
    render_error,
)
from lib.engine.errors import ApiError
from lib.engine.handlers import Engine
from lib.engine.models import LinearClassifier

# ---------------------------------------------------------------------------- models


def _model_card(engine: Engine, tuned: dict[str, Any]) -> dict[str, Any] | None:
    stored = engine.state.get("model", tuned["id"])
    if stored is None:
        return None
    classifier = tuned["job_type"] == "classifier"
    card = {
        "id": tuned["id"], "object": "model", "created": stored["created"], "owned_by": WORKSPACE,
        "workspace_id": WORKSPACE, "root": tuned["root"], "root_version": "engine",
        "archived": False, "name": None, "description": stored.get("description"),
        "max_context_length": 8192, "aliases": [], "job": tuned["_record"],
        "capabilities": {"completion_chat": not classifier, "completion_fim": False,
                         "function_calling": False, "fine_tuning": True,
                         "classification": classifier},
        "type": "fine-tuned", "model_type": tuned["job_type"],
    }  # fmt: skip
    if classifier:
        record = engine.state.get(f"{NAME}.job", tuned["_record"]) or {}
        card["classifier_targets"] = [
            {"name": t["name"], "labels": t["labels"], "weight": t["weight"],
             "loss_function": t["loss_function"]}
            for t in record.get("classifier_targets", [])
        ]  # fmt: skip
    return card


def _base_card(name: str) -> dict[str, Any]:
    return {
        "id": name, "object": "model", "created": 1767225600, "owned_by": "mistralai",
        "name": name, "description": "Built-in engine stand-in: its untrained prior.",
        "max_context_length": 8192, "aliases": [], "type": "base",
        "capabilities": {"completion_chat": True, "completion_fim": False,
                         "function_calling": False, "fine_tuning": True, "classification": True},
    }  # fmt: skip


def _models(engine: Engine) -> list[dict[str, Any]]:
    cards = [_base_card(n) for n in BASE_MODELS]
    for tuned in engine.state.list(f"{NAME}.model", newest_first=False):
        card = _model_card(engine, tuned)
        if card is not None:
            cards.append(card)
    return cards


@api
async def list_models(request: Request) -> Response:
    data = await common.threaded(_models, common.engine_for(request))
    return JSONResponse({"object": "list", "data": data})


def _get_model(engine: Engine, model_id: str) -> dict[str, Any]:
    if model_id in BASE_MODELS:
        return _base_card(model_id)
    tuned = engine.state.get(f"{NAME}.model", model_id)
    card = _model_card(engine, tuned) if tuned else None
    if card is None:
        raise ApiError(404, f"Model {model_id} not found.")
    return card


@api
async def retrieve_model(request: Request) -> Response:
    engine = common.engine_for(request)
    return JSONResponse(await common.threaded(_get_model, engine, request.path_params["model"]))


def _delete_model(engine: Engine, model_id: str) -> dict[str, Any]:
    card = _get_model(engine, model_id)
    if card["type"] != "fine-tuned":
        raise ApiError(
            400, f"Model {model_id} is a base model; only fine-tuned models can be deleted."
        )
    engine.registry.delete(model_id)
    engine.state.delete(f"{NAME}.model", model_id)
    return {"id": model_id, "object": "model", "deleted": True}


@api
async def delete_model(request: Request) -> Response:
    engine = common.engine_for(request)
    return JSONResponse(await common.threaded(_delete_model, engine, request.path_params["model"]))


# ---------------------------------------------------------------------------- classifications


def _classify(engine: Engine, body: dict[str, Any]) -> dict[str, Any]:
    model_id = body.get("model")
    if not isinstance(model_id, str) or not model_id:
        raise Invalid(["model"], "Field required", "missing")
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise Invalid(["input"], "Input should be a string or a non-empty list of strings.")
    tuned = engine.state.get(f"{NAME}.model", model_id)
    if tuned is None or tuned["job_type"] != "classifier":
        raise ApiError(404, f"Model {model_id} not found or not a classifier.")
    model = engine.registry.load(model_id)
    if not isinstance(model, LinearClassifier):
        raise ApiError(
            400,
            f"Model {model_id} learnt free text, not classes (too many distinct labels for "
            "its examples); it cannot classify.",
        )
    record = engine.state.get(f"{NAME}.job", tuned["_record"]) or {}
    target = (record.get("classifier_targets") or [{"name": "label", "labels": model.labels}])[0]
    probabilities = np.exp(model.log_proba(model.features(texts)))
    results = []
    for row in probabilities:
        scores = {label: 0.0 for label in target["labels"]}
        scores.update({lab: float(p) for lab, p in zip(model.labels, row, strict=True)})
        results.append({target["name"]: {"scores": scores}})
    return {"id": uuid.uuid4().hex, "model": model_id, "results": results}


@api
async def classifications(request: Request) -> Response:
    body = await common.json_object(request)
    return JSONResponse(await common.threaded(_classify, common.engine_for(request), body))


def _no_logprobs(body: dict[str, Any]) -> dict[str, Any]:
    """Mistral's chat request has no logprobs fields; FastAPI refuses extra inputs."""
    for key in ("logprobs", "top_logprobs"):
        if key in body:
            raise Invalid([key], "Extra inputs are not permitted", "extra_forbidden")
    return body


chat_completions = common.inference_handler(
    "chat", base_models=BASE_MODELS, render=render_error, provider="Mistral",
    adapt_request=_no_logprobs,
)  # fmt: skip
