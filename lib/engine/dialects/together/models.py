"""Together dialect: models and inference."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from lib.engine.dialects import common
from lib.engine.dialects.together.wire import BASE_MODELS, NAME, OWNER, api, render_error
from lib.engine.errors import bad_request
from lib.engine.handlers import Engine


def _models(engine: Engine) -> list[dict[str, Any]]:
    models = [
        {"id": name, "object": "model", "created": 1767225600, "type": "chat",
         "display_name": f"{name} (built-in engine stand-in: untrained prior)",
         "organization": "tunelab", "context_length": 8192}
        for name in BASE_MODELS
    ]  # fmt: skip
    for record in engine.state.list(f"{NAME}.job", newest_first=False):
        stored = engine.state.get("model", record["model_output_name"])
        if stored is not None:
            models.append(
                {"id": stored["id"], "object": "model", "created": stored["created"],
                 "type": "chat", "display_name": stored["id"], "organization": OWNER,
                 "context_length": 8192}
            )  # fmt: skip
    return models


@api
async def supported_models(request: Request) -> Response:
    return JSONResponse({"models": list(BASE_MODELS)})


@api
async def list_models(request: Request) -> Response:
    return JSONResponse(await common.threaded(_models, common.engine_for(request)))


# ---------------------------------------------------------------------------- inference


def _together_logprobs_request(body: dict[str, Any]) -> dict[str, Any]:
    """Together takes ``logprobs`` as an integer 0..20 (top tokens per step), not OpenAI's
    boolean plus ``top_logprobs``."""
    body.pop("top_logprobs", None)
    value = body.pop("logprobs", None)
    if value is None or value is False:
        return body
    if not isinstance(value, int) or not 0 <= value <= 20:
        raise bad_request("'logprobs' must be an integer from 0 to 20.", param="logprobs")
    if value:
        body.update(logprobs=True, top_logprobs=value)
    return body


def _together_logprobs_response(asked: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's per-token logprobs as Together's ``LogprobsPart``: ``tokens``,
    ``token_logprobs`` and ``top_logprobs`` (one ``{token: logprob}`` map per token)."""
    for choice in result.get("choices", []):
        content = (choice.get("logprobs") or {}).get("content") if choice.get("logprobs") else None
        if content is None:
            continue
        choice["logprobs"] = {
            "tokens": [t["token"] for t in content],
            "token_logprobs": [t["logprob"] for t in content],
            "top_logprobs": [
                {x["token"]: x["logprob"] for x in t["top_logprobs"]} for t in content
            ],
        }
    return result


def inference(kind: str) -> Any:
    return common.inference_handler(
        kind, base_models=BASE_MODELS, render=render_error, provider="Together",
        adapt_request=_together_logprobs_request if kind == "chat" else None,
        adapt_response=_together_logprobs_response if kind == "chat" else None,
    )  # fmt: skip
