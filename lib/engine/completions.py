"""Chat and legacy completions: request checking and responses in OpenAI's shapes.

``usage`` counts the engine's word pieces (see :mod:`lib.engine.tokens`): exact for the
engine, approximate compared with OpenAI's tokenizers.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np

from lib.engine.data import chat_input_text
from lib.engine.decode import Generation, generate
from lib.engine.errors import bad_request
from lib.engine.registry import Registry
from lib.engine.state import new_id
from lib.engine.tokens import count_tokens

CHAT_DEFAULT_MAX_TOKENS = 256
LEGACY_DEFAULT_MAX_TOKENS = 16
MAX_N = 128
_FINGERPRINT = "fp_tunelab_engine"


def _number(body: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise bad_request(
            f"'{key}' must be a number between {low} and {high}; got {value!r}.", param=key
        )
    return float(value)


def _integer(body: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise bad_request(
            f"'{key}' must be an integer between {low} and {high}; got {value!r}.", param=key
        )
    return value


def _common(body: dict[str, Any]) -> dict[str, Any]:
    if body.get("stream"):
        raise bad_request("The built-in engine does not stream; send stream=false.", param="stream")
    if not isinstance(body.get("model"), str) or not body["model"]:
        raise bad_request("You must provide a model parameter.", param="model")
    stop = body.get("stop")
    if stop is None:
        stops: list[str] = []
    elif isinstance(stop, str):
        stops = [stop]
    elif isinstance(stop, list) and len(stop) <= 4 and all(isinstance(s, str) and s for s in stop):
        stops = stop
    else:
        raise bad_request(
            "'stop' must be a string or a list of up to 4 non-empty strings.", param="stop"
        )
    seed = _integer(body, "seed", -(2**63), 2**63 - 1)
    return {
        "temperature": _number(body, "temperature", 1.0, 0.0, 2.0),
        "top_p": _number(body, "top_p", 1.0, 0.0, 1.0),
        "n": _integer(body, "n", 1, MAX_N) or 1,
        "stop": stops,
        "rng": np.random.default_rng(None if seed is None else seed % 2**63),
    }


def _token_entry(token: str, logprob: float) -> dict[str, Any]:
    return {"token": token, "logprob": logprob, "bytes": list(token.encode("utf-8"))}


def _usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _tool_calls(text: str) -> list[dict[str, Any]] | None:
    """Tool calls when a whole answer is the JSON the training data's tool calls became."""
    if not text.startswith("[{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list) or not all(
        isinstance(c, dict)
        and isinstance(c.get("function"), dict)
        and isinstance(c["function"].get("name"), str)
        for c in value
    ):
        return None
    calls = []
    for call in value:
        arguments = call["function"].get("arguments", "{}")
        calls.append(
            {
                "id": new_id("call_"),
                "type": "function",
                "function": {
                    "name": call["function"]["name"],
                    "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
                },
            }
        )
    return calls


def _assistant_message(text: str, finish_reason: str) -> tuple[dict[str, Any], str]:
    """The reply message; a model trained on tool calls answers with ``tool_calls``."""
    calls = _tool_calls(text) if finish_reason == "stop" else None
    if calls is None:
        return {"role": "assistant", "content": text, "refusal": None}, finish_reason
    return {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "tool_calls": calls,
    }, "tool_calls"


def chat_completion(registry: Registry, body: dict[str, Any]) -> dict[str, Any]:
    """Answer a ``POST /v1/chat/completions`` body."""
    options = _common(body)
    messages = body.get("messages")
    if (
        not isinstance(messages, list)
        or not messages
        or not all(isinstance(m, dict) for m in messages)
    ):
        raise bad_request(
            "'messages' must be a non-empty list of message objects.", param="messages"
        )
    want_logprobs = bool(body.get("logprobs"))
    top_k = _integer(body, "top_logprobs", 0, 20) or 0
    if top_k and not want_logprobs:
        raise bad_request("'top_logprobs' requires 'logprobs' to be true.", param="top_logprobs")
    max_tokens = _integer(body, "max_completion_tokens", 1, 100_000) or _integer(
        body, "max_tokens", 1, 100_000
    )
    model = registry.load(body["model"])
    prompt = chat_input_text(messages)
    choices, completion_tokens = [], 0
    for index in range(options["n"]):
        gen = generate(
            model.session(prompt),
            max_tokens=max_tokens or CHAT_DEFAULT_MAX_TOKENS,
            temperature=options["temperature"],
            top_p=options["top_p"],
            stop=options["stop"],
            top_k=top_k,
            rng=options["rng"],
        )
        completion_tokens += len(gen.tokens)
        logprobs = None
        if want_logprobs:
            content = [
                {**_token_entry(t, lp), "top_logprobs": [_token_entry(a, b) for a, b in top]}
                for t, lp, top in zip(gen.tokens, gen.logprobs, gen.top, strict=True)
            ]
            logprobs = {"content": content, "refusal": None}
        message, finish_reason = _assistant_message(gen.text, gen.finish_reason)
        choices.append(
            {
                "index": index,
                "message": message,
                "logprobs": logprobs,
                "finish_reason": finish_reason,
            }
        )
    return {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": choices,
        "usage": _usage(count_tokens(prompt), completion_tokens),
        "system_fingerprint": _FINGERPRINT,
    }


def _legacy_logprobs(gen: Generation, *, offset: int) -> dict[str, Any]:
    offsets, position = [], offset
    for token in gen.tokens:
        offsets.append(position)
        position += len(token)
    return {
        "tokens": gen.tokens,
        "token_logprobs": gen.logprobs,
        "top_logprobs": [dict(top) for top in gen.top],
        "text_offset": offsets,
    }


def completion(registry: Registry, body: dict[str, Any]) -> dict[str, Any]:
    """Answer a legacy ``POST /v1/completions`` body (``prompt`` a string or a list of them)."""
    options = _common(body)
    prompts = body.get("prompt", "")
    if isinstance(prompts, str):
        prompts = [prompts]
    if not isinstance(prompts, list) or not prompts or not all(isinstance(p, str) for p in prompts):
        raise bad_request("'prompt' must be a string or a list of strings.", param="prompt")
    if body.get("echo"):
        raise bad_request("The built-in engine does not support echo=true.", param="echo")
    top_k = _integer(body, "logprobs", 0, 5)
    max_tokens = _integer(body, "max_tokens", 1, 100_000) or LEGACY_DEFAULT_MAX_TOKENS
    model = registry.load(body["model"])
    choices: list[dict[str, Any]] = []
    prompt_tokens = completion_tokens = 0
    for prompt in prompts:
        prompt_tokens += count_tokens(prompt)
        for _ in range(options["n"]):
            gen = generate(
                model.session(prompt),
                max_tokens=max_tokens,
                temperature=options["temperature"],
                top_p=options["top_p"],
                stop=options["stop"],
                top_k=top_k or 0,
                rng=options["rng"],
            )
            completion_tokens += len(gen.tokens)
            choices.append(
                {
                    "index": len(choices),
                    "text": gen.text,
                    "logprobs": None
                    if top_k is None
                    else _legacy_logprobs(gen, offset=len(prompt)),
                    "finish_reason": gen.finish_reason,
                }
            )
    return {
        "id": new_id("cmpl-"),
        "object": "text_completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": choices,
        "usage": _usage(prompt_tokens, completion_tokens),
        "system_fingerprint": _FINGERPRINT,
    }
