"""Turning a model's next-token distributions into text, logprobs and finish reasons.

Shared by chat and legacy completions and by batches. Temperature 0 takes the most likely
token; above 0 it samples from the tempered distribution with the request's ``seed``. The
logprobs reported are the model's own (untempered), as OpenAI reports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from lib.engine.models import EOS, Session, TokenDist


@dataclass
class Generation:
    """One generated choice: its tokens, their logprobs and each position's top alternatives."""

    tokens: list[str] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    top: list[TokenDist] = field(default_factory=list)
    finish_reason: str = "length"

    @property
    def text(self) -> str:
        return "".join(self.tokens)


def _cut_at_stop(before: str, token: str, stop: Sequence[str]) -> tuple[str, bool]:
    """``token`` cut where a stop sequence begins in ``before + token`` (and whether it was)."""
    text = before + token
    cut = min(
        (i for s in stop if (i := text.find(s, max(0, len(before) - len(s) + 1))) >= 0),
        default=-1,
    )
    if cut < 0:
        return token, False
    return text[len(before) : cut] if cut >= len(before) else "", True


def _merge(dist: TokenDist, before: str, stop: Sequence[str]) -> TokenDist:
    """Alternatives as the client sees them: cut at stop sequences, equal spellings merged."""
    merged: dict[str, float] = {}
    for token, logprob in dist:
        if token == EOS:
            continue
        shown = _cut_at_stop(before, token, stop)[0] if stop else token
        merged[shown] = float(np.logaddexp(merged[shown], logprob)) if shown in merged else logprob
    return sorted(merged.items(), key=lambda x: -x[1])


def _choose(dist: TokenDist, temperature: float, top_p: float, rng: np.random.Generator) -> int:
    if temperature <= 0:
        return 0
    logits = np.array([lp for _, lp in dist]) / temperature
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    if top_p < 1.0:
        keep = np.cumsum(probs) - probs < top_p
        probs = np.where(keep, probs, 0.0)
        probs /= probs.sum()
    return int(rng.choice(len(dist), p=probs))


def generate(
    session: Session,
    *,
    max_tokens: int,
    temperature: float,
    top_p: float = 1.0,
    stop: Sequence[str] = (),
    top_k: int = 0,
    rng: np.random.Generator,
) -> Generation:
    """Decode up to ``max_tokens`` tokens; ``top_k`` alternatives are kept per position."""
    out = Generation()
    generated: list[str] = []
    for _ in range(max_tokens):
        dist = session.next(generated)
        token, logprob = dist[_choose(dist, temperature, top_p, rng)]
        if token == EOS:
            out.finish_reason = "stop"
            return out
        before = out.text
        shown, stopped = _cut_at_stop(before, token, stop) if stop else (token, False)
        if shown:
            out.tokens.append(shown)
            out.logprobs.append(logprob)
            out.top.append(_merge(dist, before, stop)[:top_k] if top_k else [])
        if stopped:
            out.finish_reason = "stop"
            return out
        generated.append(token)
    return out
