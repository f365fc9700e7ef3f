"""Exports of an evaluation: an HTML report with the charts, and a CSV of the predictions.

User text (prompts, outputs, labels, run names) is HTML-escaped in the report; the charts are
plotly's own HTML (plotly.js included once, from the bundle: the report opens offline). CSV
cells that a spreadsheet would run as a formula are neutralised with a leading ``'``.
"""

from __future__ import annotations

import csv
import html
import io

import plotly.graph_objects as go

from lib.evaluate import charts, metric_charts, metrics
from lib.evaluate.results import (
    EvalData,
    class_intervals,
    confidences,
    generation_scores,
    mcnemar_against_first,
    metric_table,
    reports,
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def predictions_csv(data: EvalData) -> bytes:
    """One row per example and model: gold, output, label, correct, confidence, p(gold)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "example",
            "source_row",
            "model",
            "gold",
            "output",
            "label",
            "label_restricted",
            "correct",
            "confidence",
            "p_gold",
            "status",
            "error",
        ]
    )
    for model in data.models:
        for p in data.by_model[model]:
            row = [
                p.example, p.source_row, p.model, p.gold_text, p.output, p.label, p.restricted, p.correct,
                "" if p.confidence is None else f"{p.confidence:.6f}", f"{p.p_gold:.6f}", p.status, p.error or "",
            ]  # fmt: skip
            writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _recipes(data: EvalData) -> str:
    """Each prompted candidate's recipe and one rendered example prompt (escaped text)."""
    recipes = data.run.settings.get("recipes") or {}
    parts = ["<h2>Prompt recipes</h2>"] if recipes else []
    for name, recipe in recipes.items():
        head = (
            f"{name}: {recipe.get('shots', 0)} demonstrations ({recipe.get('selection')}, seed "
            f"{recipe.get('seed')}); instructions: {recipe.get('instructions') or '—'}; "
            f"system message: {recipe.get('system') or '—'}"
        )
        parts.append(f"<p>{html.escape(head)}</p>")
        parts.append(f"<pre>{html.escape(str(recipe.get('example_prompt') or ''))}</pre>")
    return "".join(parts)


def html_report(data: EvalData, *, notes: str = "") -> str:
    """A self-contained HTML page: metrics side by side, McNemar, confusion matrices, charts."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>{html.escape(data.run.name)}</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}</style></head><body>",
        f"<h1>Evaluation: {html.escape(data.run.name)}</h1>",
        f"<p>{len(data.examples)} examples · models: {html.escape(', '.join(data.models))}</p>",
    ]
    if notes:
        parts.append(f"<pre>{html.escape(notes)}</pre>")
    parts.append(_recipes(data))
    figures: list[go.Figure] = []
    if data.task == "classification":
        rows = []
        table = metric_table(data)  # the screen's bootstrap: the same intervals
        headline = {
            row.metric: {m: row.intervals[m] for m in data.models}
            for row in table
            if row.metric in ("accuracy", "macro F1")
            and all(m in row.intervals for m in data.models)
        }
        if headline:
            figures.append(metric_charts.headline_figure(headline, models=data.models))
        figures.append(
            metric_charts.per_class_figure(
                class_intervals(data), models=data.models, labels=data.labels
            )
        )
        for row in table:
            cells: list[object] = [row.metric]
            for m in data.models:
                ci = row.intervals.get(m)
                cells.append(
                    f"{row.values[m]:.4f}" + (f" [{ci.low:.3f}, {ci.high:.3f}]" if ci else "")
                )
            rows.append(cells)
        parts.append("<h2>Metrics</h2>" + _table(["metric", *data.models], rows))
        tests = mcnemar_against_first(data)
        if tests:
            parts.append("<h2>McNemar's test against " + html.escape(data.models[0]) + "</h2>")
            parts.append(_table(["model", "b", "c", "p-value", "method"], [
                [m, t.b, t.c, f"{t.p_value:.4g}", "exact binomial" if t.exact else "χ² (continuity)"] for m, t in tests.items()
            ]))  # fmt: skip
        for model, report in reports(data).items():
            figures.append(
                charts.confusion_figure(
                    report.confusion_labels, report.confusion, title=f"Confusion matrix: {model}"
                )
            )
        conf = {m: confidences(data, m) for m in data.models}
        figures.append(charts.confidence_histogram({m: c for m, (c, _) in conf.items()}))
        figures.append(
            charts.reliability_diagram(
                {m: metrics.calibration(c, ok) for m, (c, ok) in conf.items()}
            )
        )
    else:
        scores = generation_scores(data)
        parts.append("<h2>Reference-based scores</h2>" + _table(
            ["model", "exact match", "token F1", "chrF"],
            [[m, f"{s.exact_match:.3f}", f"{s.token_f1:.3f}", f"{s.chrf:.3f}"] for m, s in scores.items()],
        ))  # fmt: skip
    for index, fig in enumerate(figures):
        parts.append(fig.to_html(full_html=False, include_plotlyjs=index == 0))
    parts.append("</body></html>")
    return "".join(parts)
