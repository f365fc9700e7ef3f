"""Before spending: how many requests, how many tokens, how many dollars — and how sure we are.

Prompt tokens are counted with the model's tokenizer (:mod:`lib.core.tokens`) where it is available
and exact for the provider; otherwise they are approximate and labelled so. Output tokens are
not known before the model answers: the estimate takes ``max tokens`` per request, an upper
bound. Prices come from the price table (:mod:`lib.core.pricing`): a generating model is billed at
its base rates (a fine-tuned one, ``ft:…``, at the fine-tuned rates); the built-in engine is free.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

from lib.core.pricing import MILLION, PriceTable
from lib.core.tokens import get_encoder, num_tokens_from_messages
from lib.synth.plan import Plan

MAX_COUNTED_COMBINATIONS = 400  # beyond this the prompt tokens are extrapolated from a sample


@dataclass(frozen=True, slots=True)
class Estimate:
    n_combinations: int
    n_samples: int
    n_requests: int
    prompt_tokens: int
    max_output_tokens: int  # max tokens × requests: the most the run can produce
    tokens_exact: bool
    token_note: str
    cost: float | None  # upper bound in dollars; None when the price is unknown
    cost_note: str

    def summary(self) -> str:
        """One line for the screen."""
        tokens = "" if self.tokens_exact else "about "
        if self.cost is None:
            cost = "unknown cost"
        else:
            cost = "no charge" if self.cost == 0 else f"at most ${self.cost:,.4f}"
        return (
            f"{self.n_combinations:,} combinations × {self.n_samples} samples = "
            f"{self.n_requests:,} requests · "
            f"{tokens}{self.prompt_tokens:,} prompt tokens + at most "
            f"{self.max_output_tokens:,} generated tokens · {cost}"
        )


def model_rates(
    table: PriceTable, *, provider_kind: str, provider_name: str, model: str
) -> tuple[float, float] | None:
    """(input, output) dollars per million tokens for generating with ``model``, or None."""
    if provider_kind == "engine":
        return (0.0, 0.0)
    if table.find(model, provider=provider_kind) is not None:
        return table.rates(model, provider=provider_kind)
    return table.rates(model, provider=provider_name)


def price_function(rates: tuple[float, float] | None) -> Callable[[str, int, int], float]:
    """The runner's ``price(model, prompt_tokens, completion_tokens)`` ("cost so far")."""

    def price(_model: str, prompt_tokens: int, completion_tokens: int) -> float:
        if rates is None:
            return 0.0
        return (prompt_tokens * rates[0] + completion_tokens * rates[1]) / MILLION

    return price


def _prompt_tokens(plan: Plan) -> tuple[int, bool]:
    """Prompt tokens of the whole run and whether every combination was counted."""
    n = plan.n_combinations
    counted = 0
    total = 0
    if n <= MAX_COUNTED_COMBINATIONS:
        chosen = plan.combinations()
    else:  # an even spread over the cross product, extrapolated
        step = n / MAX_COUNTED_COMBINATIONS
        wanted = {int(i * step) for i in range(MAX_COUNTED_COMBINATIONS)}
        chosen = (v for i, v in enumerate(plan.combinations()) if i in wanted)
    for values in itertools.islice(chosen, MAX_COUNTED_COMBINATIONS):
        total += num_tokens_from_messages(plan.messages(values), model=plan.spec.model)
        counted += 1
    if counted < n:
        total = round(total * n / max(counted, 1))
    return total * plan.spec.samples, counted == n


def estimate(plan: Plan, *, table: PriceTable, provider_kind: str, provider_name: str) -> Estimate:
    """Requests, tokens and cost (an upper bound) of running ``plan``."""
    spec = plan.spec
    prompt_tokens, all_counted = _prompt_tokens(plan)
    encoder = get_encoder(spec.model)
    exact_tokenizer = not encoder.approximate and provider_kind in ("openai", "azure")
    if encoder.approximate:
        token_note = "tokens approximated (about 4 characters a token): no tokenizer available"
    elif exact_tokenizer:
        token_note = f"tokens counted with {encoder.name}"
    else:
        token_note = (
            f"tokens counted with OpenAI's {encoder.name}: an approximation for this provider's "
            "models"
        )
    if not all_counted:
        token_note += f"; extrapolated from {MAX_COUNTED_COMBINATIONS} combinations"
    max_output = spec.max_tokens * plan.n_requests
    rates = model_rates(
        table, provider_kind=provider_kind, provider_name=provider_name, model=spec.model
    )
    if provider_kind == "engine":
        cost, cost_note = 0.0, "the built-in engine runs on this machine: no charge"
    elif rates is None:
        cost, cost_note = (
            None,
            (
                f"no price for {spec.model} in the price table; add it on the Snapshots & export "
                "screen's price table to see a cost"
            ),
        )
    else:
        cost = (prompt_tokens * rates[0] + max_output * rates[1]) / MILLION
        cost_note = (
            f"${rates[0]:g} / ${rates[1]:g} per million input / output tokens; " + table.caption()
        )
    return Estimate(
        n_combinations=plan.n_combinations,
        n_samples=spec.samples,
        n_requests=plan.n_requests,
        prompt_tokens=prompt_tokens,
        max_output_tokens=max_output,
        tokens_exact=exact_tokenizer and all_counted,
        token_note=token_note,
        cost=cost,
        cost_note=cost_note,
    )
