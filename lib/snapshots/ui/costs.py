"""Cost and time estimate for a snapshot, the inference cost chart, and the price table."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.core.pricing import PriceTable, table_rows
from lib.providers.service import price_table
from lib.shell.messages import show_caption, show_error
from lib.shell.settings import price_table_editor
from lib.shell.widgets import run_action
from lib.snapshots.cost_chart import Scenario, build_figure, inference_series
from lib.snapshots.service import AUTO, CostEstimate, SnapshotInfo, format_money, training_estimate

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

DEFAULT_MODEL = "openai/gpt-4o-mini-2024-07-18"


@st.cache_data(max_entries=32, show_spinner="Counting tokens…")
def _estimate(
    _engine: Engine,
    snapshot_id: int,
    model: str,
    epochs: int | str,
    _table: PriceTable,
    table_key: str,
    actor: Actor | None,
) -> CostEstimate | str:
    del table_key  # the cache key for the price table's content
    try:
        return training_estimate(
            _engine, snapshot_id, model=model, epochs=epochs, table=_table, actor=actor
        )
    except UserError as exc:
        return str(exc)


def _table_key(table: PriceTable) -> str:
    return json.dumps([table_rows(table), table.read_on], sort_keys=True, default=str)


def render_costs(engine: Engine, snap: SnapshotInfo, actor: Actor | None) -> None:
    st.subheader("Cost and time estimate")
    table = run_action(lambda: price_table(engine, actor=actor))
    if table is None:
        return
    models = table.models(trainable=True)
    if not models:
        st.warning("The price table has no model with a training price.")
        price_table_editor(engine, table, actor)
        return
    cols = st.columns([2, 1, 1])
    model = cols[0].selectbox(
        "Model to fine-tune",
        models,
        index=models.index(DEFAULT_MODEL) if DEFAULT_MODEL in models else 0,
        key="snap_cost_model",
    )
    auto = cols[1].radio("Epochs", ["auto", "fixed"], key="snap_cost_epochs_mode") == "auto"
    fixed = cols[2].number_input("Fixed epochs", 1, 25, 3, key="snap_cost_epochs", disabled=auto)
    epochs: int | str = AUTO if auto else int(fixed)
    estimate = _estimate(engine, snap.id, model, epochs, table, _table_key(table), actor)
    if isinstance(estimate, str):
        show_error(estimate)
    else:
        for line in estimate.lines():
            st.text(line)
        show_caption(estimate.price_caption)
        _chart(table, model, estimate)
    price_table_editor(engine, table, actor)


def _chart(table: PriceTable, model: str, estimate: CostEstimate) -> None:
    st.subheader("Inference cost over time")
    st.caption(
        "A base model needs examples in every prompt (few-shot); a fine-tuned one has learnt "
        "them and gets a short prompt, but costs more per token and costs the training once."
    )
    avg = max(1, round(estimate.tokens_total / max(1, estimate.n_examples)))
    base_models = [key for key in table.models() if table.find(key).base_input is not None]  # type: ignore[union-attr]
    cols = st.columns(4)
    requests = cols[0].number_input("Requests per day", 0, 10**9, 1_000, 100, key="chart_rpd")
    days = cols[1].number_input("Days", 1, 3_650, 90, 10, key="chart_days")
    few_shot = cols[2].number_input("Few-shot examples", 0, 1_000, 10, 1, key="chart_shots")
    per_example = cols[3].number_input(
        "Tokens per example", 0, 10**6, avg, 10, key="chart_ex_tokens"
    )
    cols = st.columns(4)
    prompt = cols[0].number_input(
        "Prompt tokens (instructions + input)", 0, 10**6, 200, 10, key="chart_prompt"
    )
    short = cols[1].number_input(
        "Fine-tuned prompt tokens", 0, 10**6, avg, 10, key="chart_ft_prompt"
    )
    output = cols[2].number_input("Output tokens", 0, 10**6, 20, 5, key="chart_output")
    training = cols[3].number_input(
        "Training cost ($)", 0.0, 1e9, float(estimate.cost or 0.0), key="chart_training"
    )
    base_key = st.selectbox(
        "Base model prompted few-shot",
        base_models,
        index=base_models.index(model) if model in base_models else 0,
        key="chart_base_model",
    )
    scenario = Scenario(
        requests_per_day=float(requests),
        days=int(days),
        prompt_tokens=int(prompt),
        few_shot_examples=int(few_shot),
        tokens_per_example=int(per_example),
        fine_tuned_prompt_tokens=int(short),
        output_tokens=int(output),
        training_cost=float(training),
    )
    fine_tuned, base = table.find(model), table.find(base_key)
    series = run_action(lambda: inference_series(scenario, fine_tuned=fine_tuned, base=base))  # type: ignore[arg-type]
    if series is None:
        return
    st.plotly_chart(build_figure(series), key="chart_inference")
    st.text(
        f"Per request: few-shot {format_money(series.per_request_base)}, "
        f"fine-tuned {format_money(series.per_request_fine_tuned)}."
    )
    if series.break_even_day is None:
        st.text("The fine-tuned model does not pay for itself with these numbers.")
    else:
        st.text(f"Break-even after {series.break_even_day:,.1f} days.")
    show_caption(table.caption())
