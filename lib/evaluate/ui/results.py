"""Widgets of the Results screen: metrics, confusion matrices, probabilities, calibration,
suspicious examples, generation side by side and blind voting."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from lib.core.identity import Actor
from lib.evaluate import charts, metrics
from lib.evaluate import results as res
from lib.evaluate.service import (
    RunStatus,
    blind_order,
    flag_for_review,
    predictions,
    results_version,
    version_of,
    vote,
    voted,
    win_rates,
)
from lib.evaluate.ui import metric_views as views
from lib.shell.messages import show_caption, show_info, show_success
from lib.shell.widgets import run_action

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

PAGE = 50


@st.cache_resource(max_entries=8, show_spinner="Reading predictions…")
def load_cached(
    _engine: Engine, run_id: int, version: tuple[Any, ...], actor: Actor | None
) -> res.EvalData:
    """Predictions of a run; ``version`` (answers, failures, status) invalidates the cache.

    A resource cache, not ``st.cache_data``: the data cache pickles its value on the way in
    and unpickles a copy on every hit, which at 10,000 examples × 2 models cost 0.6 s on each
    rerun of the Results screen (0.9 s more on the first). Nothing changes an ``EvalData``
    once loaded, so every rerun can share the one object.
    """
    return predictions(_engine, run_id, actor=actor)


def load(
    engine: Engine, run_id: int, actor: Actor | None, *, status: RunStatus | None = None
) -> res.EvalData:
    """The run's predictions as of ``status`` when given (read this rerun), else as of now."""
    version = version_of(status) if status else results_version(engine, run_id, actor=actor)
    return load_cached(engine, run_id, version, actor)


def _metric_rows(data: res.EvalData) -> list[res.MetricRow]:
    """Bootstrap intervals are the slow part of the screen: computed once per run version
    (kept with the loaded run, which ``load_cached`` keys by the run's version)."""
    return res.once(data, "metric_table", res.metric_table)


def _fmt(value: float, interval: metrics.Interval | None = None) -> str:
    text = f"{value:.4f}"
    return text + (f" [{interval.low:.3f}, {interval.high:.3f}]" if interval else "")


def metrics_table(data: res.EvalData) -> None:
    base = data.models[0]
    rows = []
    metric_rows = _metric_rows(data)
    views.headline_chart(data, metric_rows)
    for row in metric_rows:
        line = {"metric": row.metric}
        for m in data.models:
            line[m] = _fmt(row.values[m], row.intervals.get(m))
        for m in data.models[1:]:
            diff = row.values[m] - row.values[base]
            line[f"Δ {m} − {base}"] = _fmt(diff, row.differences.get(m))
        rows.append(line)
    # Beside every metric: over how many examples, and how many requests failed (left out).
    rows.append({"metric": "examples scored", **{m: f"{data.n:,}" for m in data.models}})
    rows.append(
        {"metric": "failed requests", **{m: f"{data.failed_count(m):,}" for m in data.models}}
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    st.caption(
        "Brackets: 95% bootstrap intervals (seeded); Δ accuracy uses a paired bootstrap. "
        "Failed requests are not answers: their examples are left out of every model's metrics."
    )
    tests = res.mcnemar_against_first(data)
    if tests:
        st.markdown("**McNemar's test** against the first model")
        st.dataframe(
            pd.DataFrame(
                [
                    {"model": m, f"{base} right, it wrong (b)": t.b, f"{base} wrong, it right (c)": t.c,
                     "p-value": f"{t.p_value:.4g}", "method": "exact binomial" if t.exact else "χ² with continuity correction"}
                    for m, t in tests.items()
                ]
            ),
            hide_index=True,
        )  # fmt: skip


def per_class(data: res.EvalData) -> None:
    views.per_class(data)


def confusion(data: res.EvalData) -> None:
    normalise = st.toggle("Row-normalised", key="res_cm_norm")
    reports = res.reports(data)
    columns = st.columns(min(len(data.models), 2))
    for index, model in enumerate(data.models):
        report = reports[model]
        fig = charts.confusion_figure(
            report.confusion_labels, report.confusion, title=model, normalise=normalise
        )
        with columns[index % len(columns)]:
            event = st.plotly_chart(
                fig, on_select="rerun", selection_mode="points", key=f"res_cm_{index}"
            )
            cell = charts.selected_cell(event)
            if cell:
                st.session_state["res_cell"] = (model, *cell)
    show_caption(charts.CLICK_HINT)
    chosen = st.session_state.get("res_cell")
    if chosen and chosen[0] in data.by_model:
        model, gold, predicted = chosen
        found = res.cell_examples(data, model, gold, predicted)
        st.text(f"{model}: gold {gold!r}, predicted {predicted!r} — {len(found)} examples")
        st.dataframe(prediction_frame(data, found[:500]), hide_index=True, width="stretch")


def prediction_frame(data: res.EvalData, predictions: list[res.Prediction]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"example": p.example, "row": p.source_row, "prompt": data.prompts.get(p.example, "")[:500], "gold": p.gold,
             "answer": p.output, "label": p.label, "confidence": None if p.confidence is None else round(p.confidence, 4),
             "p(gold)": round(p.p_gold, 4)}
            for p in predictions
        ]
    )  # fmt: skip


def probabilities(data: res.EvalData) -> None:
    if data.examples:
        views.probabilities(data)


def calibration(data: res.EvalData) -> None:
    conf = {m: res.confidences(data, m) for m in data.models}
    if not any(c for c, _ in conf.values()):
        st.info("No token probabilities in this run: calibration needs logprobs.")
        return
    st.plotly_chart(
        charts.confidence_histogram({m: c for m, (c, _) in conf.items()}), key="res_hist"
    )
    cals = {m: metrics.calibration(c, ok) for m, (c, ok) in conf.items()}
    st.plotly_chart(charts.reliability_diagram(cals), key="res_rel")
    from lib.evaluate.candidates import calibration_or_none

    st.text(
        " · ".join(
            f"{m}: no label answers"
            if calibration_or_none(data, m) is None
            else f"{m}: ECE {cal.ece:.4f}"
            for m, cal in cals.items()
        )
    )
    threshold = st.slider("Answer only when confidence ≥", 0.0, 1.0, 0.5, 0.05, key="res_threshold")
    curves = {m: metrics.coverage_curve(c, ok) for m, (c, ok) in conf.items()}
    st.plotly_chart(charts.coverage_figure(curves, threshold=threshold), key="res_cov")
    at = {
        m: metrics.coverage_curve(c, ok, thresholds=[threshold])[0] for m, (c, ok) in conf.items()
    }
    st.dataframe(
        pd.DataFrame([{"model": m, "coverage": round(p.coverage, 4), "accuracy": round(p.accuracy, 4), "examples": p.n} for m, p in at.items()]),
        hide_index=True,
    )  # fmt: skip


def ordinal(data: res.EvalData) -> None:
    views.ordinal(data)


def suspicious(engine: Engine, data: res.EvalData, actor: Actor | None) -> None:
    model = st.selectbox("Model", data.models, index=len(data.models) - 1, key="res_susp_model")
    floor = st.slider("Minimum confidence", 0.5, 1.0, 0.8, 0.05, key="res_susp_conf")
    found = res.suspicious(data, model, min_confidence=floor)
    st.text(f"{len(found)} confident disagreements with the gold label (most suspicious first)")
    if not found:
        return
    frame = prediction_frame(data, [p for _, p in found])
    frame.insert(0, "score", [round(s.score, 4) for s, _ in found])
    st.dataframe(frame.head(PAGE * 4), hide_index=True, width="stretch")
    top_n = st.number_input(
        "Send the top N to review", 1, len(found), min(len(found), 20), key="res_susp_n"
    )
    if st.button(
        "Send to review (flag “check label”)", key="res_susp_send", disabled=actor is None
    ):
        done = run_action(
            lambda: flag_for_review(engine, [p for _, p in found[: int(top_n)]], actor=actor)
        )
        if done:
            show_success(f"Flagged {done.flagged} examples for review (one undoable batch).")
            if done.skipped_no_lineage:
                show_info(
                    f"{done.skipped_no_lineage} examples came from an uploaded file and have no dataset to go back to."
                )
    if actor is None:
        st.caption("Enter your name in the sidebar to send examples to review.")


def generation(engine: Engine, data: res.EvalData, actor: Actor | None) -> None:
    scores = res.generation_scores(data)
    st.dataframe(
        pd.DataFrame([{"model": m, "exact match": round(s.exact_match, 4), "token F1": round(s.token_f1, 4), "chrF": round(s.chrf, 4)} for m, s in scores.items()]),
        hide_index=True,
    )  # fmt: skip
    st.caption(
        "Against the reference completion: exact match (case/space-insensitive), SQuAD-style token F1, chrF (character 1–6-grams, β=2)."
    )
    rows = [
        {
            "prompt": data.prompts.get(k, ""),
            "reference": data.by_model[data.models[0]][i].gold_text,
            **{m: data.by_model[m][i].output for m in data.models},
        }
        for i, k in enumerate(data.examples[:500])
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if len(data.models) >= 2:
        blind_vote(engine, data, actor)


def blind_vote(engine: Engine, data: res.EvalData, actor: Actor | None) -> None:
    st.subheader("Blind A/B vote")
    pair = (data.models[0], data.models[1])
    if actor is None:
        st.caption("Enter your name in the sidebar to vote.")
    else:
        done = voted(engine, data.run.id, actor=actor)
        todo = [i for i, k in enumerate(data.examples) if k not in done]
        st.text(f"{len(done)} voted · {len(todo)} to go")
        if todo:
            i = todo[0]
            key = data.examples[i]
            shown = blind_order(data.run.id, key, actor.name, pair)
            outputs = {m: data.by_model[m][i].output for m in pair}
            st.text_area("Prompt", data.prompts.get(key, ""), disabled=True, key=f"vote_p_{key}")
            a, b = st.columns(2)
            a.text_area("Answer A", outputs[shown[0]], disabled=True, key=f"vote_text_a_{key}")
            b.text_area("Answer B", outputs[shown[1]], disabled=True, key=f"vote_text_b_{key}")
            c1, c2, c3 = st.columns(3)
            for col, choice, label in (
                (c1, "a", "A is better"),
                (c2, "tie", "Tie"),
                (c3, "b", "B is better"),
            ):
                if col.button(label, key=f"vote_{choice}_{key}"):
                    run_action(
                        partial(
                            vote,
                            engine,
                            data.run.id,
                            example=key,
                            shown=shown,
                            choice=choice,
                            actor=actor,
                        )
                    )
                    st.rerun()
    rates = win_rates(engine, data.run.id, actor=actor)
    if rates:
        st.dataframe(
            pd.DataFrame(
                [
                    {"model": r.model, "against": r.other, "wins": r.wins, "losses": r.losses,
                     "ties": r.ties, "win rate": round(r.rate.estimate, 3),
                     "95% interval": f"[{r.rate.low:.3f}, {r.rate.high:.3f}]"}
                    for r in rates
                ]
            ),
            hide_index=True,
        )  # fmt: skip
        first = {
            r.model: (r.rate.estimate, r.rate.low, r.rate.high)
            for r in rates
            if r.other == rates[0].other or r.model == rates[0].other
        }
        st.plotly_chart(charts.win_rate_figure(first), key="res_winrate")
        st.caption("Win rate = (wins + ties / 2) / votes, all reviewers; 95% Wilson interval.")


def candidates(engine: Engine, data: res.EvalData, actor: Actor | None) -> None:
    """Prompting or fine-tuning: each candidate's recipe, measured accuracy and cost, and the
    break-even chart from those measured numbers."""
    from lib.evaluate.compare import break_even_figure, summary
    from lib.evaluate.service import candidate_costs
    from lib.shell.messages import ui_secrets

    costs = candidate_costs(engine, data, secrets=ui_secrets(), actor=actor)

    def money(value: float | None) -> str:
        return "unknown price" if value is None else f"${value:,.4f}"

    rows = [
        {
            "candidate": c.name, "demonstrations": "bare prompt" if c.shots is None else str(c.shots),
            "accuracy (exact answer)": round(c.accuracy, 4),
            "accuracy (label-restricted)": round(c.label_restricted_accuracy, 4),
            "label answers": c.label_answers, "prompt tokens (mean)": round(c.prompt_tokens_mean, 1),
            "completion tokens (mean)": round(c.completion_tokens_mean, 1),
            "cost per 1,000 predictions": money(c.cost_per_1k), "priced as": c.priced_as or "—",
            "training cost": "—" if c.training_cost is None else money(c.training_cost),
        }
        for c in costs.values()
    ]  # fmt: skip
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="res_candidates")
    st.caption(
        "Exact answer: the text the model wrote, normalised. Label-restricted: the known label "
        "with the highest token probability. Tokens are the server's usage for this run; prices "
        "come from the price table by model name (base rates for base models, fine-tuned rates "
        "for ft: models)."
    )
    tuned = [c for c in costs.values() if c.fine_tuned]
    prompted = [c for c in costs.values() if not c.fine_tuned and c.shots]
    if tuned and prompted:
        best = max(prompted, key=lambda c: c.accuracy)
        st.text(summary(best, tuned[0]))
        st.plotly_chart(break_even_figure(costs, predictions=100_000), key="res_break_even")
    recipes = data.run.settings.get("recipes") or {}
    for name, recipe in recipes.items():
        with st.expander(f"Prompt recipe of {name}"):
            st.text(
                f"{recipe.get('shots', 0)} demonstrations ({recipe.get('selection')}, seed "
                f"{recipe.get('seed')}) · labels: {', '.join(recipe.get('labels') or [])}"
            )
            st.text("Instructions: " + str(recipe.get("instructions") or "—"))
            st.text("System message: " + str(recipe.get("system") or "—"))
            st.code(str(recipe.get("example_prompt") or ""), language=None)
