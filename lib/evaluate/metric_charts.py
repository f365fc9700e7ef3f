"""Metrics as charts (pure: numbers in, plotly figure out), shared by the screen and the report.

One colour per candidate, the same in every chart and in the report (``candidate_colours``), so
"the blue one" means one model everywhere. Error bars are the shared bootstrap's 95% intervals
(``lib.evaluate.intervals``). Names and labels are user text: plotly renders a subset of HTML
in tick labels, legends and hover text, so they are escaped (``_text``) and shown as typed.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lib.evaluate.intervals import ClassIntervals
from lib.evaluate.metrics import Interval, Ordinal

# Okabe–Ito: distinct for the common colour-vision deficiencies, and in greyscale print.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#D55E00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)
CLASS_METRICS = (("precision", "Precision"), ("recall", "Recall"), ("f1", "F1"))


def _text(value: object) -> str:
    return html.escape(str(value), quote=False)


def candidate_colours(models: Sequence[str]) -> dict[str, str]:
    """A distinct colour per candidate, in the run's order (repeats only after eight)."""
    return {model: PALETTE[i % len(PALETTE)] for i, model in enumerate(models)}


def _error(intervals: Sequence[Interval]) -> dict[str, object]:
    return {
        "type": "data",
        "symmetric": False,
        "array": [iv.high - iv.estimate for iv in intervals],
        "arrayminus": [iv.estimate - iv.low for iv in intervals],
        "thickness": 1.5,
        "width": 4,
    }


def headline_figure(
    values: Mapping[str, Mapping[str, Interval]], *, models: Sequence[str]
) -> go.Figure:
    """Accuracy and macro-F1 (``values[metric][model]``) as bars with intervals."""
    colours = candidate_colours(models)
    metrics_shown = list(values)
    fig = go.Figure()
    for model in models:
        shown = [values[metric][model] for metric in metrics_shown]
        fig.add_bar(
            name=_text(model),
            x=metrics_shown,
            y=[iv.estimate for iv in shown],
            error_y=_error(shown),
            marker_color=colours[model],
            text=[f"{iv.estimate:.3f}" for iv in shown],
            textposition="inside",
            hovertemplate="%{x}: %{y:.4f}<extra>" + _text(model) + "</extra>",
        )
    fig.update_layout(
        barmode="group",
        yaxis={"range": [0, 1.05], "title": "score (95% interval)"},
        height=340,
        margin={"t": 30, "b": 40},
        legend={"orientation": "h", "y": -0.15},
    )
    return fig


def per_class_figure(
    scores: Mapping[str, Mapping[str, ClassIntervals]],
    *,
    models: Sequence[str],
    labels: Sequence[str],
) -> go.Figure:
    """Precision, recall and F1 per class (one row each), a bar per candidate with intervals."""
    colours = candidate_colours(models)
    fig = make_subplots(
        rows=len(CLASS_METRICS),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[title for _, title in CLASS_METRICS],
    )
    ticks = [_text(label) for label in labels]
    for row, (attr, title) in enumerate(CLASS_METRICS, 1):
        for model in models:
            shown = [getattr(scores[model][label], attr) for label in labels]
            fig.add_bar(
                name=_text(model),
                legendgroup=model,
                showlegend=row == 1,
                x=ticks,
                y=[iv.estimate for iv in shown],
                error_y=_error(shown),
                marker_color=colours[model],
                customdata=[scores[model][label].support for label in labels],
                hovertemplate=title
                + " of %{x}: %{y:.3f} (support %{customdata})<extra>"
                + _text(model)
                + "</extra>",
                row=row,
                col=1,
            )
        fig.update_yaxes(range=[0, 1.05], row=row, col=1)
    fig.update_layout(
        barmode="group",
        height=220 * len(CLASS_METRICS) + 60,
        margin={"t": 30, "b": 40},
        legend={"orientation": "h", "y": -0.06},
    )
    fig.update_xaxes(type="category", automargin=True)
    return fig


def ordinal_figure(results: Mapping[str, Ordinal], *, threshold: float) -> go.Figure:
    """Exact, binary (≤ threshold vs above) and off-by-at-most-one accuracy per candidate."""
    models = list(results)
    colours = candidate_colours(models)
    names = ["exact", f"binary (≤{threshold:g} vs >)", "off by at most one"]
    fig = go.Figure()
    for model in models:
        o = results[model]
        values = [o.exact, o.binary, o.off_by_one]
        fig.add_bar(
            name=_text(model),
            x=names,
            y=values,
            marker_color=colours[model],
            text=[f"{v:.3f}" for v in values],
            textposition="inside",
        )
    fig.update_layout(
        barmode="group",
        yaxis={"range": [0, 1.05], "title": "accuracy"},
        height=320,
        margin={"t": 30, "b": 40},
        legend={"orientation": "h", "y": -0.18},
    )
    return fig
