"""Cumulative inference cost: a fine-tuned model with short prompts vs a base model with
few-shot prompts — the argument for fine-tuning, with the user's own numbers.

A base model needs examples in every prompt to do the task (few-shot); a fine-tuned model has
learnt them and gets a short prompt, but costs more per token and costs the training once. So
the fine-tuned line starts higher (the training cost) and rises more slowly when its prompts are
short enough; where the lines cross is the break-even day. ``inference_series`` is the pure
computation; ``build_figure`` draws it with plotly (no Streamlit here).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lib.core.errors import UserError
from lib.core.pricing import MILLION, ModelPrice

MAX_DAYS = 3_650


@dataclass(frozen=True, slots=True)
class Scenario:
    """The traffic and prompt sizes to compare (tokens per request)."""

    requests_per_day: float
    days: int
    prompt_tokens: int  # instructions + the input itself, without examples
    few_shot_examples: int  # examples the base model needs in each prompt
    tokens_per_example: int  # tokens of one few-shot example
    fine_tuned_prompt_tokens: int  # the fine-tuned model's (short) prompt
    output_tokens: int
    training_cost: float = 0.0

    def validate(self) -> Scenario:
        numbers = {
            "requests per day": self.requests_per_day,
            "prompt tokens": self.prompt_tokens,
            "few-shot examples": self.few_shot_examples,
            "tokens per example": self.tokens_per_example,
            "fine-tuned prompt tokens": self.fine_tuned_prompt_tokens,
            "output tokens": self.output_tokens,
            "training cost": self.training_cost,
        }
        for name, value in numbers.items():
            if value < 0:
                raise UserError(f"{name} cannot be negative")
        if not 1 <= self.days <= MAX_DAYS:
            raise UserError(f"days must be between 1 and {MAX_DAYS}")
        return self

    @property
    def base_prompt_tokens(self) -> int:
        return self.prompt_tokens + self.few_shot_examples * self.tokens_per_example


@dataclass(frozen=True, slots=True)
class CostSeries:
    days: list[int]
    base: list[float]  # cumulative US dollars, base model with few-shot prompts
    fine_tuned: list[float]  # cumulative US dollars, training cost included from day 0
    per_request_base: float
    per_request_fine_tuned: float
    break_even_day: float | None  # None: the fine-tuned model never catches up
    base_label: str
    fine_tuned_label: str


def _rate(value: float | None, *, what: str, model: str) -> float:
    if value is None:
        raise UserError(f"the price table has no {what} price for {model}")
    return value


def inference_series(
    scenario: Scenario, *, fine_tuned: ModelPrice, base: ModelPrice | None = None
) -> CostSeries:
    """Cumulative cost per day for both ways of serving the task.

    ``base`` is the model prompted with few-shot examples (default: the same model as the
    fine-tuned one, at its untuned rates).
    """
    scenario.validate()
    base = base or fine_tuned
    base_in = _rate(base.base_input, what="base input", model=base.model)
    base_out = _rate(base.base_output, what="base output", model=base.model)
    ft_in = _rate(fine_tuned.input, what="fine-tuned input", model=fine_tuned.model)
    ft_out = _rate(fine_tuned.output, what="fine-tuned output", model=fine_tuned.model)
    per_base = (scenario.base_prompt_tokens * base_in + scenario.output_tokens * base_out) / MILLION
    per_ft = (scenario.fine_tuned_prompt_tokens * ft_in + scenario.output_tokens * ft_out) / MILLION
    daily_base = scenario.requests_per_day * per_base
    daily_ft = scenario.requests_per_day * per_ft
    days = list(range(scenario.days + 1))
    saving = daily_base - daily_ft
    if scenario.training_cost == 0 and saving >= 0:
        break_even: float | None = 0.0
    elif saving > 0:
        break_even = scenario.training_cost / saving
    else:
        break_even = None
    return CostSeries(
        days=days,
        base=[d * daily_base for d in days],
        fine_tuned=[scenario.training_cost + d * daily_ft for d in days],
        per_request_base=per_base,
        per_request_fine_tuned=per_ft,
        break_even_day=break_even,
        base_label=f"{base.model}, few-shot ({scenario.base_prompt_tokens:,} prompt tokens)",
        fine_tuned_label=(
            f"fine-tuned {fine_tuned.model} ({scenario.fine_tuned_prompt_tokens:,} prompt tokens)"
        ),
    )


def build_figure(series: CostSeries, *, caption: str = "") -> Any:
    """A plotly line chart of both cumulative costs, with the break-even day marked."""
    import plotly.graph_objects as go

    from lib.core.text import plot_text

    # Model names are user text: escaped for plotly's HTML-ish legend.
    base_name, tuned_name = plot_text(series.base_label), plot_text(series.fine_tuned_label)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=series.days, y=series.base, mode="lines", name=base_name))
    fig.add_trace(go.Scatter(x=series.days, y=series.fine_tuned, mode="lines", name=tuned_name))
    last_day = series.days[-1] if series.days else 0
    if series.break_even_day is not None and series.break_even_day <= last_day:
        fig.add_vline(
            x=series.break_even_day,
            line_dash="dot",
            annotation_text=f"break-even: day {series.break_even_day:,.1f}",
        )
    fig.update_layout(
        title="Cumulative inference cost",
        xaxis_title="days",
        yaxis_title="US dollars (cumulative)",
        yaxis_tickprefix="$",
        legend={"orientation": "h", "y": -0.25},
        margin={"t": 50, "b": 40},
    )
    if caption:
        fig.add_annotation(
            text=plot_text(caption),
            xref="paper",
            yref="paper",
            x=0,
            y=1.08,
            showarrow=False,
            font={"size": 10},
        )
    return fig
