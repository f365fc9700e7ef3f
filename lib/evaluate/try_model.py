"""Try a model: one prompt to any model of any provider, the answer with its token probabilities.

After a job finishes, the first thing people want is to ask the new model something and see
how sure it is — before setting up an evaluation. This sends one request through the provider's
ordinary client (``lib.providers.client_for``): chat completions with ``logprobs=True`` and
``top_logprobs`` (at most 20), or, for the legacy completion models and their fine-tunes, the
completions endpoint with ``logprobs`` (at most 5) — as in OpenAI's API reference for
``chat.completions.create`` and ``completions.create``.

Trying a model spends tokens, so it needs the trainer role, like an evaluation.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.identity import Actor, Role, require
from lib.evaluate.requests import MAX_TOP_K_CHAT, MAX_TOP_K_LEGACY, endpoint_for
from lib.providers.service import client_for, get_provider, provider_errors

MAX_PROMPT_CHARS = 20_000
MAX_ANSWER_TOKENS = 512


@dataclass(frozen=True, slots=True)
class TokenChoice:
    """One generated token, its probability and the alternatives the server listed."""

    token: str
    probability: float
    alternatives: tuple[tuple[str, float], ...]  # (token, probability), most likely first


@dataclass(frozen=True, slots=True)
class TryAnswer:
    provider: str
    model: str
    endpoint: str  # chat | completions
    output: str
    finish_reason: str | None
    tokens: tuple[TokenChoice, ...]  # empty when the server sent no logprobs
    prompt_tokens: int
    completion_tokens: int
    seconds: float

    @property
    def confidence(self) -> float | None:
        """Probability of the whole answer (product of its tokens'), when logprobs came back."""
        if not self.tokens:
            return None
        return math.exp(sum(math.log(max(t.probability, 1e-300)) for t in self.tokens))


def _tokens_chat(choice: Any) -> tuple[TokenChoice, ...]:
    content = getattr(getattr(choice, "logprobs", None), "content", None) or []
    return tuple(
        TokenChoice(
            str(item.token),
            math.exp(float(item.logprob)),
            tuple((str(t.token), math.exp(float(t.logprob))) for t in (item.top_logprobs or [])),
        )
        for item in content
    )


def _tokens_legacy(choice: Any) -> tuple[TokenChoice, ...]:
    lp = getattr(choice, "logprobs", None)
    tokens = getattr(lp, "tokens", None) or []
    values = getattr(lp, "token_logprobs", None) or []
    tops: list[Mapping[str, float] | None] = list(getattr(lp, "top_logprobs", None) or [])
    out = []
    for i, token in enumerate(tokens):
        value = values[i] if i < len(values) and values[i] is not None else -math.inf
        top: Mapping[str, float] = (tops[i] if i < len(tops) else None) or {}
        ranked = sorted(((str(t), math.exp(float(v))) for t, v in top.items()), key=lambda x: -x[1])
        out.append(TokenChoice(str(token), math.exp(float(value)), tuple(ranked)))
    return tuple(out)


def try_model(
    engine: Engine,
    *,
    provider: str,
    model: str,
    prompt: str,
    system: str | None = None,
    max_tokens: int = 64,
    temperature: float = 0.0,
    top_k: int = 5,
    secrets: Mapping[str, Any] | None = None,
    actor: Actor | None,
) -> TryAnswer:
    """Send ``prompt`` to ``model`` on the named provider; the answer and its token logprobs."""
    require(actor, Role.TRAINER, action="try a model")
    if not prompt.strip():
        raise UserError("write a prompt to send")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise UserError(f"the prompt is {len(prompt):,} characters; at most {MAX_PROMPT_CHARS:,}")
    if not model.strip():
        raise UserError("choose or type a model")
    if not 1 <= max_tokens <= MAX_ANSWER_TOKENS:
        raise UserError(f"the answer length must be 1 to {MAX_ANSWER_TOKENS} tokens")
    config = get_provider(engine, provider)
    client = client_for(config, secrets=secrets)
    endpoint = endpoint_for(model)
    started = time.monotonic()
    with provider_errors(config, f"ask {model}", secrets=secrets):
        if endpoint == "completions":
            text = (system + "\n\n" + prompt) if system else prompt
            response: Any = client.completions.create(
                model=model,
                prompt=text,
                max_tokens=max_tokens,
                temperature=temperature,
                logprobs=min(top_k, MAX_TOP_K_LEGACY) if top_k else None,
            )
            choice = response.choices[0]
            output, tokens = choice.text or "", _tokens_legacy(choice) if top_k else ()
        else:
            messages = ([{"role": "system", "content": system}] if system else []) + [
                {"role": "user", "content": prompt}
            ]
            extra = {"logprobs": True, "top_logprobs": min(top_k, MAX_TOP_K_CHAT)} if top_k else {}
            response = client.chat.completions.create(
                model=model,
                messages=messages,  # type: ignore[arg-type]
                max_tokens=max_tokens,
                temperature=temperature,
                **extra,
            )
            choice = response.choices[0]
            output = choice.message.content or ""
            tokens = _tokens_chat(choice) if top_k else ()
    usage = getattr(response, "usage", None)
    return TryAnswer(
        provider=provider,
        model=model,
        endpoint=endpoint,
        output=output,
        finish_reason=getattr(choice, "finish_reason", None),
        tokens=tokens,
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        seconds=time.monotonic() - started,
    )
