"""Prices per provider and model, with the date they were read, editable by the user.

Why a table with a date rather than constants in the cost code: providers change prices, and an
estimate is only as good as the number behind it. Every estimate shows where its prices came
from and when; users who see a newer price edit the table (kept in the store's settings) and
every estimate follows.

Units: US dollars per 1 million tokens. ``training`` is per billed training token (epochs ×
tokens); ``input`` / ``cached_input`` / ``output`` / ``batch_*`` are what the *fine-tuned*
model costs per request; ``base_*`` are the untuned base model's rates (the few-shot line of
the inference cost chart). ``None`` means not known / not offered. ``train_tokens_per_second``
drives the rough time estimate (not a price; an observed order of magnitude, editable too).

Every estimate reads this one table: training (snapshots), evaluation and synthetic data, and
the runner's "cost so far". A model's request rates come from :meth:`PriceTable.rates`: a
fine-tuned model (``ft:…``) at its own rates, a base model at the ``base_*`` rates, and with the
Batch API the ``batch_*`` columns (a base model's batch rate is its rate × ``BATCH_DISCOUNT``,
OpenAI's published 50 % off).

The default rows are OpenAI's published rates as Tunelab's authors read them (``PRICES_READ_ON``);
OpenAI stops new fine-tuning jobs on 2027-01-06 (design.md §7). Azure OpenAI bills fine-tuned
deployments per hosting hour as well as per token and its rates vary by region, so it has no
default rows: add the ones from your Azure price sheet.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy.engine import Connection, Engine

from lib.core.errors import UserError
from lib.core.tokens import base_model, is_fine_tuned

PRICES_SETTING = "prices.table"
PRICES_READ_ON = "2025-06"
PRICES_SOURCE = "OpenAI API pricing page (platform.openai.com/docs/pricing)"
PRICE_FIELDS = (
    "training",
    "input",
    "cached_input",
    "output",
    "batch_input",
    "batch_output",
    "base_input",
    "base_cached_input",
    "base_output",
    "train_tokens_per_second",
)
MILLION = 1_000_000
BATCH_DISCOUNT = 0.5  # the Batch API's price against a normal request
_DATED = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}")  # gpt-4o-2024-08-06, gpt-3.5-turbo-0125

# The runner's ``price(model, prompt_tokens, completion_tokens)`` in dollars.
PriceFunction = Callable[[str, int, int], float]


@dataclass(frozen=True, slots=True)
class ModelPrice:
    provider: str
    model: str
    training: float | None = None
    input: float | None = None
    cached_input: float | None = None
    output: float | None = None
    batch_input: float | None = None
    batch_output: float | None = None
    base_input: float | None = None
    base_cached_input: float | None = None
    base_output: float | None = None
    train_tokens_per_second: float | None = None
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.provider}/{self.model}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def rates(self, *, fine_tuned: bool, batch: bool = False) -> tuple[float, float] | None:
        """(input, output) dollars per million tokens of one request, or None when not known."""
        if fine_tuned:
            pair = (self.batch_input, self.batch_output) if batch else (self.input, self.output)
            if batch and None in pair and None not in (self.input, self.output):
                pair = (_half(self.input), _half(self.output))
        else:
            pair = (self.base_input, self.base_output)
            if batch:
                pair = (_half(pair[0]), _half(pair[1]))
        rate_in, rate_out = pair
        if rate_in is None or rate_out is None:
            return None
        return (rate_in, rate_out)


def _half(value: float | None) -> float | None:
    return None if value is None else round(value * BATCH_DISCOUNT, 6)


@dataclass(frozen=True, slots=True)
class PriceTable:
    rows: tuple[ModelPrice, ...]
    read_on: str
    source: str
    edited: bool = False

    def caption(self) -> str:
        edited = " (edited in Tunelab)" if self.edited else ""
        return (
            f"Prices as read on {self.read_on} from {self.source}{edited}; "
            "check the provider's pricing page before spending money."
        )

    def models(self, *, trainable: bool = False) -> list[str]:
        return [r.key for r in self.rows if not trainable or r.training is not None]

    def find(self, model: str, *, provider: str | None = None) -> ModelPrice | None:
        """The row for ``provider/model``, ``model``, a fine-tuned name of it (``ft:…``) or its
        undated alias (``gpt-4o-mini`` → ``gpt-4o-mini-2024-07-18``)."""
        if provider is None and "/" in model:
            provider, model = model.split("/", 1)
        name = base_model(model)
        candidates = [r for r in self.rows if provider is None or r.provider == provider]
        for row in candidates:
            if row.model == name:
                return row
        prefixed = [r for r in candidates if name.startswith(r.model)]
        if prefixed:
            return max(prefixed, key=lambda r: len(r.model))
        dated = [
            r
            for r in candidates
            if r.model.startswith(name + "-") and _DATED.fullmatch(r.model[len(name) + 1 :])
        ]
        return max(dated, key=lambda r: r.model) if dated else None

    def rates(
        self, model: str, *, provider: str | None = None, batch: bool = False
    ) -> tuple[float, float] | None:
        """(input, output) dollars per million tokens of a request to ``model``, or None."""
        if provider is None and "/" in model:
            provider, model = model.split("/", 1)
        row = self.find(model, provider=provider)
        if row is None:
            return None
        return row.rates(fine_tuned=is_fine_tuned(model), batch=batch)

    def cost_function(
        self, free_models: Collection[str] = frozenset(), *, batch: bool = False
    ) -> PriceFunction:
        """The runner's ``price(model, prompt_tokens, completion_tokens)`` ("cost so far").

        ``free_models`` (the built-in engine's) cost nothing whatever their name; a model whose
        price is unknown counts as 0 (the estimate before the run says it is unknown).
        """

        def price(model: str, prompt_tokens: int, completion_tokens: int) -> float:
            if model in free_models:
                return 0.0
            rates = self.rates(model, batch=batch)
            if rates is None:
                return 0.0
            return (prompt_tokens * rates[0] + completion_tokens * rates[1]) / MILLION

        return price


def _row(
    provider: str, model: str, *values: float | None, tps: float, note: str = ""
) -> ModelPrice:
    training, ft_in, ft_cached, ft_out, base_in, base_cached, base_out = values
    return ModelPrice(
        provider=provider,
        model=model,
        training=training,
        input=ft_in,
        cached_input=ft_cached,
        output=ft_out,
        batch_input=_half(ft_in),
        batch_output=_half(ft_out),
        base_input=base_in,
        base_cached_input=base_cached,
        base_output=base_out,
        train_tokens_per_second=tps,
        note=note,
    )


# training, fine-tuned input / cached input / output, base input / cached input / output.
DEFAULT_PRICES: tuple[ModelPrice, ...] = (
    _row("openai", "gpt-4.1-2025-04-14", 25.0, 3.0, 0.75, 12.0, 2.0, 0.5, 8.0, tps=600),
    _row("openai", "gpt-4.1-mini-2025-04-14", 5.0, 0.8, 0.2, 3.2, 0.4, 0.1, 1.6, tps=1500),
    _row("openai", "gpt-4.1-nano-2025-04-14", 1.5, 0.2, 0.05, 0.8, 0.1, 0.025, 0.4, tps=2500),
    _row("openai", "gpt-4o-2024-08-06", 25.0, 3.75, 1.875, 15.0, 2.5, 1.25, 10.0, tps=600),
    _row("openai", "gpt-4o-mini-2024-07-18", 3.0, 0.3, 0.15, 1.2, 0.15, 0.075, 0.6, tps=1500),
    _row("openai", "gpt-3.5-turbo-0125", 8.0, 3.0, None, 6.0, 0.5, None, 1.5, tps=1500),
    _row("openai", "davinci-002", 6.0, 12.0, None, 12.0, 2.0, None, 2.0, tps=1500),
    _row("openai", "babbage-002", 0.4, 1.6, None, 1.6, 0.4, None, 0.4, tps=3000),
    _row(
        "engine",
        "tunelab-base",
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        0.0,
        tps=20_000,
        note="the built-in engine runs on this machine: no charge",
    ),
)


def default_table() -> PriceTable:
    return PriceTable(rows=DEFAULT_PRICES, read_on=PRICES_READ_ON, source=PRICES_SOURCE)


def _number(value: Any, *, row: int, name: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise UserError(f"price table row {row}: {name} must be a number (got {value!r})") from None
    if math.isnan(number):
        return None  # an empty cell of a table editor
    if number < 0:
        raise UserError(f"price table row {row}: {name} must be 0 or more (got {value!r})")
    return number


def _str(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def parse_rows(rows: list[dict[str, Any]]) -> tuple[ModelPrice, ...]:
    """Validate edited rows (from the app's table editor or a settings file)."""
    parsed: list[ModelPrice] = []
    seen: set[str] = set()
    for index, raw in enumerate(rows, 1):
        provider = _str(raw.get("provider"))
        model = _str(raw.get("model"))
        if not provider and not model:
            continue  # an empty line left in the editor
        if not provider or not model:
            raise UserError(f"price table row {index}: both provider and model are needed")
        values = {name: _number(raw.get(name), row=index, name=name) for name in PRICE_FIELDS}
        price = ModelPrice(provider=provider, model=model, note=_str(raw.get("note")), **values)
        if price.key in seen:
            raise UserError(f"price table row {index}: {price.key} appears twice")
        seen.add(price.key)
        parsed.append(price)
    if not parsed:
        raise UserError("the price table needs at least one row")
    return tuple(parsed)


def get_price_table(conn: Connection) -> PriceTable:
    """The effective table: the user's edited one if saved, else the defaults."""
    from lib.core.settings import get_setting

    stored = get_setting(conn, PRICES_SETTING)
    if not stored:
        return default_table()
    try:
        rows = parse_rows(stored.get("rows") or [])
    except UserError:
        return default_table()  # a broken stored table must not break every estimate
    return PriceTable(
        rows=rows,
        read_on=str(stored.get("read_on") or PRICES_READ_ON),
        source=str(stored.get("source") or "prices entered in Tunelab"),
        edited=True,
    )


def save_price_table(
    engine: Engine, rows: list[dict[str, Any]], *, read_on: str, source: str | None = None
) -> PriceTable:
    """Store an edited table (validated first: a bad row saves nothing)."""
    from lib.core.settings import set_setting

    parsed = parse_rows(rows)
    when = (read_on or "").strip()
    if not when:
        raise UserError("say when these prices were read (e.g. 2026-11-21)")
    text = (source or "").strip() or "prices entered in Tunelab"
    set_setting(
        engine,
        PRICES_SETTING,
        {"rows": [p.as_dict() for p in parsed], "read_on": when, "source": text},
    )
    return PriceTable(rows=parsed, read_on=when, source=text, edited=True)


def reset_price_table(engine: Engine) -> PriceTable:
    """Forget the user's edits."""
    from lib.core.settings import set_setting

    set_setting(engine, PRICES_SETTING, None)
    return default_table()


def table_rows(table: PriceTable) -> list[dict[str, Any]]:
    """Rows as plain dicts in column order (for a table editor)."""
    names = [f.name for f in fields(ModelPrice)]
    return [{name: getattr(row, name) for name in names} for row in table.rows]
