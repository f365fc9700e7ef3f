"""Inference prices for cost estimates and "cost so far" (dollars per million tokens).

Defaults are OpenAI's published standard prices for the models Tunelab fine-tunes (checked
2026-11); a fine-tuned model costs its own (higher) price. The table is a setting
(``prices.inference``) so a team can correct it without a release; the built-in engine and
unknown models cost nothing (and the screen says "unknown price"). The Batch API halves them.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.engine import Engine

from lib.providers.service import base_of

SETTING_KEY = "prices.inference"
BATCH_DISCOUNT = 0.5
# model → (input $/1M tokens, output $/1M tokens, fine-tuned input, fine-tuned output)
DEFAULT_PRICES: dict[str, tuple[float, float, float, float]] = {
    "gpt-4o-mini-2024-07-18": (0.15, 0.60, 0.30, 1.20),
    "gpt-4o-2024-08-06": (2.50, 10.00, 3.75, 15.00),
    "gpt-4.1-2025-04-14": (2.00, 8.00, 3.00, 12.00),
    "gpt-4.1-mini-2025-04-14": (0.40, 1.60, 0.80, 3.20),
    "gpt-4.1-nano-2025-04-14": (0.10, 0.40, 0.20, 0.80),
    "babbage-002": (0.40, 0.40, 1.60, 1.60),
    "davinci-002": (2.00, 2.00, 12.00, 12.00),
}
ALIASES = {
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
}


def load_prices(engine: Engine) -> dict[str, tuple[float, float, float, float]]:
    """The default table updated with the team's setting."""
    from lib.core.settings import get_setting

    with engine.connect() as conn:
        custom = get_setting(conn, SETTING_KEY, {}) or {}
    table = dict(DEFAULT_PRICES)
    for model, values in custom.items():
        if isinstance(values, list | tuple) and len(values) == 4:
            table[str(model)] = tuple(float(v) for v in values)  # type: ignore[assignment]
    return table


def price_per_million(
    model: str, *, table: Mapping[str, tuple[float, float, float, float]] | None = None
) -> tuple[float, float] | None:
    """(input, output) dollars per million tokens, or None when unknown."""
    prices = table if table is not None else DEFAULT_PRICES
    base = base_of(model)
    entry = prices.get(ALIASES.get(base, base))
    if entry is None:
        return None
    return (entry[2], entry[3]) if model.startswith("ft:") else (entry[0], entry[1])


def cost_function(
    free_models: set[str] | frozenset[str] = frozenset(),
    *,
    table: Mapping[str, tuple[float, float, float, float]] | None = None,
    batch: bool = False,
):  # noqa: ANN201 - returns lib.runner.Price
    """A ``price(model, prompt_tokens, completion_tokens)`` for the runner.

    ``free_models`` (the built-in engine's) cost nothing whatever their name.
    """
    factor = BATCH_DISCOUNT if batch else 1.0

    def price(model: str, prompt_tokens: int, completion_tokens: int) -> float:
        if model in free_models:
            return 0.0
        per_million = price_per_million(model, table=table)
        if per_million is None:
            return 0.0
        return factor * (prompt_tokens * per_million[0] + completion_tokens * per_million[1]) / 1e6

    return price
