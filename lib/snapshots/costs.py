"""What a fine-tuning job on a snapshot will cost, and roughly how long it will take.

Billed tokens follow OpenAI's cookbook: epochs × Σ min(context limit, tokens of each training
example) (``lib.core.tokens.billed_tokens``), with its default-epochs rule when epochs is "auto"
(3, moved so that examples × epochs lands in 100..25,000, clamped to 1..25). Only the train
split is billed; validation examples are not. The price comes from the user's price table
(``lib.core.pricing``), whose date every estimate repeats.

The time is an order of magnitude, not a promise: a queue/setup allowance plus billed tokens at
the model's typical training speed (a column of the price table). Providers' queues vary by
hours; the page says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.examples import default_epochs
from lib.core.pricing import MILLION, ModelPrice, PriceTable, get_price_table
from lib.core.tokens import (
    billed_tokens,
    billing_tokens_per_epoch,
    context_limit,
    count_examples,
    load_context_limits,
)
from lib.snapshots.repo import get_snapshot, iter_split

SETUP_SECONDS = 10 * 60  # validation of the file, queueing and start-up before the first step
MAX_EPOCHS = 25
AUTO = "auto"


@dataclass(frozen=True, slots=True)
class CostEstimate:
    model: str
    n_examples: int
    epochs: int
    epochs_auto: bool
    context_limit: int
    tokens_total: int  # Σ tokens of the training examples
    tokens_per_epoch: int  # Σ min(limit, tokens)
    billed_tokens: int
    over_limit: int  # examples longer than the limit (truncated, so billed at the limit)
    approximate: bool  # token counts estimated without the real tokenizer
    cost: float | None  # US dollars; None when the table has no training price
    seconds: float | None
    price_caption: str

    def lines(self) -> list[str]:
        """The estimate in plain sentences."""
        epochs = f"{self.epochs} ({'auto' if self.epochs_auto else 'chosen'})"
        approx = " (approximate: tokenizer files unavailable)" if self.approximate else ""
        out = [
            f"Training examples: {self.n_examples:,}; epochs: {epochs}",
            f"Tokens per epoch: {self.tokens_per_epoch:,}{approx}; billed tokens: "
            f"{self.billed_tokens:,}",
        ]
        if self.over_limit:
            out.append(
                f"{self.over_limit:,} examples exceed the {self.context_limit:,}-token limit and "
                "are truncated (billed at the limit)"
            )
        out.append(
            f"Estimated cost: {format_money(self.cost)}"
            if self.cost is not None
            else "No training price for this model in the price table"
        )
        if self.seconds is not None:
            out.append(f"Rough duration: {format_duration(self.seconds)} (queues vary)")
        return out


def resolve_epochs(n_examples: int, epochs: int | str) -> tuple[int, bool]:
    """``"auto"`` → the cookbook's rule; a number → checked against 1..25."""
    if epochs == AUTO or epochs is None:
        return default_epochs(n_examples), True
    try:
        value = int(epochs)
    except (TypeError, ValueError):
        raise UserError(f"epochs must be 'auto' or a whole number (got {epochs!r})") from None
    if not 1 <= value <= MAX_EPOCHS:
        raise UserError(f"epochs must be between 1 and {MAX_EPOCHS} (got {value})")
    return value, False


def estimate_training(
    token_counts: Sequence[int],
    *,
    model: str,
    price: ModelPrice | None,
    limit: int,
    epochs: int | str = AUTO,
    approximate: bool = False,
    price_caption: str = "",
) -> CostEstimate:
    """The estimate from per-example token counts (pure: the hand-checkable core)."""
    n = len(token_counts)
    if n == 0:
        raise UserError("the training split is empty: nothing to estimate")
    chosen, auto = resolve_epochs(n, epochs)
    per_epoch = billing_tokens_per_epoch(token_counts, limit=limit)
    billed = billed_tokens(token_counts, epochs=chosen, limit=limit)
    cost = None
    if price is not None and price.training is not None:
        cost = billed * price.training / MILLION
    seconds = None
    if price is not None and price.train_tokens_per_second:
        seconds = SETUP_SECONDS + billed / price.train_tokens_per_second
    return CostEstimate(
        model=model,
        n_examples=n,
        epochs=chosen,
        epochs_auto=auto,
        context_limit=limit,
        tokens_total=sum(token_counts),
        tokens_per_epoch=per_epoch,
        billed_tokens=billed,
        over_limit=sum(1 for t in token_counts if t > limit),
        approximate=approximate,
        cost=cost,
        seconds=seconds,
        price_caption=price_caption,
    )


def estimate_snapshot(
    engine: Engine,
    snapshot_id: int,
    *,
    model: str,
    epochs: int | str = AUTO,
    table: PriceTable | None = None,
    context_limits: Mapping[str, int] | None = None,
) -> CostEstimate:
    """The estimate for training ``model`` (a price-table key or model name) on a snapshot."""
    with engine.connect() as conn:
        snapshot = get_snapshot(conn, snapshot_id)
        prices = table or get_price_table(conn)
        limits = dict(context_limits) if context_limits is not None else load_context_limits(conn)
    price = prices.find(model)
    name = price.model if price else model.split("/", 1)[-1]
    datas: list[dict[str, Any]] = [e.data for e in iter_split(engine, snapshot_id, "train")]
    if not datas:
        raise UserError(f"snapshot {snapshot.name!r} has an empty train split")
    stats = count_examples(snapshot.schema, datas, model=name, context_limits=limits)
    return estimate_training(
        stats.per_example,
        model=name,
        price=price,
        limit=context_limit(name, table=limits),
        epochs=epochs,
        approximate=stats.approximate,
        price_caption=prices.caption(),
    )


def format_money(value: float | None) -> str:
    if value is None:
        return "unknown"
    if value == 0:
        return "$0.00"
    if value < 0.01:
        decimals = max(4, 1 - math.floor(math.log10(value)))  # two significant digits
        return f"${value:.{decimals}f}"
    return f"${value:,.2f}"


def format_duration(seconds: float) -> str:
    minutes = seconds / 60
    if minutes < 90:
        return f"about {max(1, round(minutes))} min"
    hours = minutes / 60
    if hours < 48:
        return f"about {hours:.1f} h"
    return f"about {hours / 24:.1f} days"
