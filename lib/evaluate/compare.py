"""Prompting or fine-tuning: each candidate's measured accuracy and measured cost, and the
number of predictions after which fine-tuning pays for itself.

Everything here comes from the run itself: accuracy (exact and label-restricted) from the
predictions, mean prompt and completion tokens from the usage the server reported for each
answered request. Prices come from the one price table (:mod:`lib.core.pricing`), looked up by
the model's name — base rates for a base model, fine-tuned rates for an ``ft:`` model — so the
built-in engine's stand-ins under OpenAI's names are priced as OpenAI would charge for the same
tokens (the engine counts its own word pieces: approximate). The training cost of a fine-tuned
candidate is its job's trained tokens × the table's training price, when Tunelab launched it.

Break-even: with per-prediction costs ``a`` (a prompted base candidate) and ``b`` (the
fine-tuned one, plus training cost ``T`` once), fine-tuning pays for itself after ``T / (a − b)``
predictions when ``a > b``, and never otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lib.core.pricing import MILLION, ModelPrice, PriceTable
from lib.evaluate.metrics import INVALID
from lib.evaluate.results import EvalData

PER = 1_000  # predictions per quoted cost


@dataclass(frozen=True, slots=True)
class CandidateCost:
    """One candidate's measured accuracy, tokens and cost."""

    name: str
    model: str
    shots: int | None  # None: the bare prompt (no recipe)
    n: int
    accuracy: float
    label_restricted_accuracy: float
    label_answers: int  # exact answers that are a known label
    prompt_tokens_mean: float
    completion_tokens_mean: float
    cost_per_1k: float | None  # US dollars per 1,000 predictions; None when no price is known
    priced_as: str | None  # the price table row used (``provider/model``)
    training_cost: float | None  # US dollars once; None when unknown or not fine-tuned

    @property
    def fine_tuned(self) -> bool:
        return self.model.startswith("ft:")


def _rates(row: ModelPrice, model: str) -> tuple[float, float] | None:
    rates = (
        (row.input, row.output) if model.startswith("ft:") else (row.base_input, row.base_output)
    )
    return None if rates[0] is None or rates[1] is None else (rates[0], rates[1])


def cost_per_1k(
    model: str, prompt_tokens: float, completion_tokens: float, table: PriceTable
) -> tuple[float | None, str | None]:
    """Dollars per 1,000 predictions of this size, and the price row used."""
    row = table.find(model)
    rates = _rates(row, model) if row else None
    if row is None or rates is None:
        return None, None
    per_prediction = (prompt_tokens * rates[0] + completion_tokens * rates[1]) / MILLION
    return PER * per_prediction, row.key


def training_cost(trained_tokens: int | None, model: str, table: PriceTable) -> float | None:
    """Trained tokens (epochs × tokens, as billed) × the table's training price."""
    row = table.find(model)
    if trained_tokens is None or row is None or row.training is None:
        return None
    return trained_tokens * row.training / MILLION


def candidate_costs(
    data: EvalData,
    *,
    table: PriceTable,
    trained_tokens: Callable[[str], int | None] = lambda model: None,
) -> dict[str, CandidateCost]:
    """Each candidate's measured numbers (``trained_tokens(model)`` looks up its job)."""
    specs = {m.get("name") or m["model"]: m for m in data.run.settings.get("models") or []}
    costs: dict[str, CandidateCost] = {}
    for name in data.models:
        spec = specs.get(name, {"model": name})
        model = str(spec["model"])
        recipe = spec.get("recipe")
        predictions = data.by_model[name]
        answered = [p for p in predictions if p.status == "done"]
        count = max(len(answered), 1)
        prompt = sum(p.prompt_tokens for p in answered) / count
        completion = sum(p.completion_tokens for p in answered) / count
        per_1k, priced_as = cost_per_1k(model, prompt, completion, table)
        costs[name] = CandidateCost(
            name=name,
            model=model,
            shots=int(recipe.get("shots") or 0) if recipe else None,
            n=len(predictions),
            accuracy=sum(p.correct for p in predictions) / len(predictions) if predictions else 0,
            label_restricted_accuracy=data.restricted_accuracy(name),
            label_answers=sum(p.label != INVALID for p in predictions),
            prompt_tokens_mean=prompt,
            completion_tokens_mean=completion,
            cost_per_1k=per_1k,
            priced_as=priced_as,
            training_cost=training_cost(trained_tokens(model), model, table)
            if model.startswith("ft:")
            else None,
        )
    return costs


def break_even(prompted: CandidateCost, tuned: CandidateCost) -> float | None:
    """Predictions after which ``tuned`` (training included) costs less than ``prompted``;
    None when it never does, or a price or the training cost is unknown."""
    if prompted.cost_per_1k is None or tuned.cost_per_1k is None or tuned.training_cost is None:
        return None
    saving = (prompted.cost_per_1k - tuned.cost_per_1k) / PER
    once = tuned.training_cost or 0.0
    if saving <= 0:
        return 0.0 if once == 0 and saving == 0 else None
    return once / saving


def summary(prompted: CandidateCost, tuned: CandidateCost) -> str:
    """One sentence with the measured numbers, e.g. for the chart's caption."""

    def money(value: float | None) -> str:
        return "unknown price" if value is None else f"${value:,.4f} per 1,000"

    once = f" plus ${tuned.training_cost:,.2f} once" if tuned.training_cost else ""
    text = (
        f"{prompted.name}: {prompted.accuracy:.0%}, {money(prompted.cost_per_1k)}; "
        f"{tuned.name}: {tuned.accuracy:.0%}, {money(tuned.cost_per_1k)}{once}; "
    )
    point = break_even(prompted, tuned)
    if tuned.training_cost is None:
        return text + "training cost unknown, so no break-even point"
    if point is None:
        return text + "fine-tuning does not pay for itself at these prices"
    return text + f"fine-tuning pays for itself after {point:,.0f} predictions"


def cumulative(cost: CandidateCost, counts: list[int]) -> list[float] | None:
    """Cumulative dollars after each number of predictions (training cost at 0)."""
    if cost.cost_per_1k is None:
        return None
    return [(cost.training_cost or 0.0) + n * cost.cost_per_1k / PER for n in counts]


def break_even_figure(costs: dict[str, CandidateCost], *, predictions: int) -> Any:
    """A plotly chart of cumulative cost against predictions for every priced candidate."""
    import plotly.graph_objects as go

    steps = 50
    counts = [round(predictions * i / steps) for i in range(steps + 1)]
    fig = go.Figure()
    for cost in costs.values():
        series = cumulative(cost, counts)
        if series is None:
            continue
        label = f"{cost.name} ({cost.accuracy:.0%})"
        fig.add_trace(go.Scatter(x=counts, y=series, mode="lines", name=label))
    fig.update_layout(
        title="Cumulative cost: measured tokens × price table",
        xaxis_title="predictions",
        yaxis_title="US dollars (cumulative)",
        yaxis_tickprefix="$",
        legend={"orientation": "h", "y": -0.25},
        margin={"t": 50, "b": 40},
    )
    return fig


def as_json(cost: CandidateCost) -> dict[str, Any]:
    """The fields ``python -m lib evaluate --json`` adds per candidate."""
    return {
        "shots": cost.shots,
        "label_restricted_accuracy": cost.label_restricted_accuracy,
        "prompt_tokens_mean": cost.prompt_tokens_mean,
        "completion_tokens_mean": cost.completion_tokens_mean,
        "cost_per_1k": cost.cost_per_1k,
        "priced_as": cost.priced_as,
        "training_cost": cost.training_cost,
    }
