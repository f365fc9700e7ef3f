"""Results as charts: headline metrics and per-class scores with intervals, ordinal results,
a token-probability browser, and the warning when compared runs were scored apart."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.evaluate import browse, charts, metric_charts, metrics
from lib.evaluate import results as res
from lib.evaluate.intervals import ClassIntervals
from lib.shell.messages import show_caption, show_warning

HEADLINE = ("accuracy", "macro F1")


def _class_intervals(data: res.EvalData) -> dict[str, dict[str, ClassIntervals]]:
    """Once per run version, from the draws of the accuracy intervals (``res.bootstrap``)."""
    return res.once(data, "class_intervals", res.class_intervals)


def headline_chart(data: res.EvalData, rows: list[res.MetricRow]) -> None:
    """Accuracy and macro-F1 per candidate, bars with the bootstrap's 95% intervals."""
    values = {
        row.metric: {m: row.intervals[m] for m in data.models}
        for row in rows
        if row.metric in HEADLINE and all(m in row.intervals for m in data.models)
    }
    if values:
        st.plotly_chart(
            metric_charts.headline_figure(values, models=data.models), key="res_headline"
        )


def _cell(iv: metrics.Interval) -> str:
    return f"{iv.estimate:.3f} [{iv.low:.2f}, {iv.high:.2f}]"


def per_class(data: res.EvalData) -> None:
    """Per-class bars (one colour per candidate) and a narrow table: one line per class and
    candidate, so nothing scrolls sideways however many candidates there are."""
    scores = _class_intervals(data)
    st.plotly_chart(
        metric_charts.per_class_figure(scores, models=data.models, labels=data.labels),
        key="res_per_class",
    )
    reports = res.reports(data)
    rows: list[dict[str, object]] = []
    for label in data.labels:
        for m in data.models:
            s = scores[m][label]
            rows.append(
                {
                    "label": label,
                    "support": s.support,
                    "candidate": m,
                    "precision": _cell(s.precision),
                    "recall": _cell(s.recall),
                    "F1": _cell(s.f1),
                }
            )
    for avg in ("macro", "weighted"):
        for m, r in reports.items():
            s = getattr(r, avg)
            rows.append(
                {
                    "label": f"({avg} average)",
                    "support": r.n,
                    "candidate": m,
                    "precision": f"{s.precision:.3f}",
                    "recall": f"{s.recall:.3f}",
                    "F1": f"{s.f1:.3f}",
                }
            )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "label": st.column_config.TextColumn("label", width="medium"),
            "support": st.column_config.NumberColumn("support", format="%d", width="small"),
            "candidate": st.column_config.TextColumn("candidate", width="medium"),
        },
        key="res_per_class_table",
    )
    show_caption(
        "Brackets: 95% bootstrap intervals (seeded, the same as in the report). Invalid answers: "
        + ", ".join(f"{m}: {r.invalid}" for m, r in reports.items())
        + " · failed requests (not scored): "
        + ", ".join(f"{m}: {data.failed_count(m)}" for m in data.models)
    )


def ordinal(data: res.EvalData) -> None:
    if not metrics.is_ordinal(data.labels):
        st.info("Relaxed metrics need numeric labels (such as 1–5 stars).")
        return
    numbers = sorted(float(x) for x in data.labels)
    threshold = st.select_slider(
        "Binary threshold (≤ vs >)", numbers[:-1], value=numbers[len(numbers) // 2], key="res_ord"
    )
    results = {
        m: metrics.ordinal_metrics(data.golds(), data.labels_of(m), threshold=threshold)
        for m in data.models
    }
    st.plotly_chart(
        metric_charts.ordinal_figure(results, threshold=threshold), key="res_ordinal_chart"
    )
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "candidate": m,
                    "exact": round(o.exact, 4),
                    f"binary (≤{threshold:g} vs >)": round(o.binary, 4),
                    "off by at most one": round(o.off_by_one, 4),
                    "invalid": o.invalid,
                }
                for m, o in results.items()
            ]
        ),
        hide_index=True,
    )


def probabilities(data: res.EvalData) -> None:
    """A filterable list of examples to pick from, with the chosen one's bars beside it."""
    cols = st.columns(4)
    filters = browse.Filters(
        wrong=cols[0].checkbox("Wrong", key="res_tp_wrong", help="Some candidate is wrong."),
        disagree=cols[1].checkbox(
            "Models disagree", key="res_tp_disagree", help="The candidates give different labels."
        ),
        low_confidence=cols[2].checkbox(
            "Low confidence", key="res_tp_low", help="Some candidate is below the threshold."
        ),
        threshold=cols[3].slider(
            "Low means below", 0.0, 1.0, browse.LOW_CONFIDENCE, 0.05, key="res_tp_threshold"
        ),
    )
    shown = browse.matching(data, filters)
    show_caption(f"{len(shown):,} of {len(data.examples):,} examples")
    if not shown:
        st.info("No example matches these filters.")
        return
    left, right = st.columns([3, 2])
    with left:
        event = st.dataframe(
            pd.DataFrame([browse.row(data, i) for i in shown]),
            hide_index=True,
            width="stretch",
            height=420,
            on_select="rerun",
            selection_mode="single-row",
            key="res_tp_list",
        )
        rows = getattr(getattr(event, "selection", None), "rows", None) or []
    index = shown[rows[0]] if rows and rows[0] < len(shown) else shown[0]
    with right:
        _bars(data, index)


def _bars(data: res.EvalData, index: int) -> None:
    key = data.examples[index]
    first = data.by_model[data.models[0]][index]
    st.text(f"Example {index + 1} · gold: {first.gold!r}")
    st.text_area(
        "Prompt", data.prompts.get(key, ""), height=110, disabled=True, key=f"res_prompt_{key}"
    )
    tops = {m: data.by_model[m][index].top for m in data.models}
    for m in data.models:
        st.text(f"{m}: {data.by_model[m][index].output!r}")
    if any(tops.values()):
        st.plotly_chart(charts.token_bars(tops, title="First-token probabilities"), key="res_bars")
    else:
        st.info("This run has no token probabilities (top-k was 0 or the provider sent none).")


def compare_warning(data: res.EvalData, other: res.EvalData) -> None:
    """Numbers from runs scored on different examples are not comparable: say so, with counts."""
    overlap = res.example_overlap(data, other)
    if overlap.same:
        return
    show_warning(
        f"These runs were scored on different examples: {overlap.shared:,} shared, "
        f"{overlap.only_first:,} only in run {data.run.id}, {overlap.only_second:,} only in "
        f"run {other.run.id}. Their metrics are not directly comparable."
    )
