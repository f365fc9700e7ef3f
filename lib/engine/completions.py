"""Chat and legacy completions: answers in OpenAI's shapes to bodies checked by
:mod:`lib.engine.schemas`, plus what the engine itself cannot do (streaming, echo).

``usage`` counts the engine's word pieces (see :mod:`lib.engine.tokens`): exact for the
engine, approximate compared with OpenAI's tokenizers.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np

from lib.engine.decode import Generation, generate
from lib.engine.errors import bad_request
from lib.engine.incontext import chat_prompt_text, chat_session, prompt_session
from lib.engine.registry import Registry
from lib.engine.schemas import ChatCompletionRequest, CompletionRequest, SamplingOptions
from lib.engine.state import new_id
from lib.engine.tokens import count_tokens
from lib.engine.validation import parse

CHAT_DEFAULT_MAX_TOKENS = 256
LEGACY_DEFAULT_MAX_TOKENS = 16
_FINGERPRINT = "fp_tunelab_engine"


def _common(request: SamplingOptions) -> dict[str, Any]:
    """Sampling options with the engine's defaults (the body is already validated)."""
    if request.stream:
        raise bad_request("The built-in engine does not stream; send stream=false.", param="stream")
    stop = request.stop
    seed = request.seed
    return {
        "temperature": 1.0 if request.temperature is None else request.temperature,
        "top_p": 1.0 if request.top_p is None else request.top_p,
        "n": request.n or 1,
        "stop": [] if stop is None else [stop] if isinstance(stop, str) else list(stop),
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


def chat_completion(registry: Registry, body: Any) -> dict[str, Any]:
    """Answer a ``POST /v1/chat/completions`` body (from a request or a batch line)."""
    request = parse(ChatCompletionRequest, body)
    options = _common(request)
    want_logprobs = bool(request.logprobs)
    top_k = request.top_logprobs or 0
    if top_k and not want_logprobs:
        raise bad_request("'top_logprobs' requires 'logprobs' to be true.", param="top_logprobs")
    max_tokens = request.max_completion_tokens or request.max_tokens
    model = registry.load(request.model)
    messages = body["messages"]  # the validated messages, as sent
    choices, completion_tokens = [], 0
    for index in range(options["n"]):
        gen = generate(
            chat_session(model, messages),
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
        "model": request.model,
        "choices": choices,
        "usage": _usage(count_tokens(chat_prompt_text(messages)), completion_tokens),
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


def completion(registry: Registry, body: Any) -> dict[str, Any]:
    """Answer a legacy ``POST /v1/completions`` body (``prompt`` a string or a list of them)."""
    request = parse(CompletionRequest, body)
    options = _common(request)
    prompts = [request.prompt] if isinstance(request.prompt, str) else list(request.prompt)
    if request.echo:
        raise bad_request("The built-in engine does not support echo=true.", param="echo")
    top_k = request.logprobs
    max_tokens = request.max_tokens or LEGACY_DEFAULT_MAX_TOKENS
    model = registry.load(request.model)
    choices: list[dict[str, Any]] = []
    prompt_tokens = completion_tokens = 0
    for prompt in prompts:
        prompt_tokens += count_tokens(prompt)
        for _ in range(options["n"]):
            gen = generate(
                prompt_session(model, prompt, options["stop"]),
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
        "model": request.model,
        "choices": choices,
        "usage": _usage(prompt_tokens, completion_tokens),
        "system_fingerprint": _FINGERPRINT,
    }
