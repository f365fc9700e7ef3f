"""Plotly figure builders for evaluation results (pure: data in, figure out).

Confusion matrices are heatmaps with an invisible scatter point on every cell whose
``customdata`` is ``(gold, predicted)``: Streamlit returns no selection from heatmaps, but
``st.plotly_chart(fig, on_select="rerun")`` returns the clicked scatter point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go

from lib.core.text import plot_text, plot_texts
from lib.evaluate.metric_charts import candidate_colours
from lib.evaluate.metrics import INVALID, Calibration, CoveragePoint

CLICK_HINT = "click a cell to list its examples"


def confusion_figure(
    labels: Sequence[str], matrix: Sequence[Sequence[int]], *, title: str, normalise: bool = False
) -> go.Figure:
    """Rows = gold, columns = predicted; ``normalise`` divides each row by its total.

    A gold row for the invalid bucket (always empty: gold labels are known labels) is left out
    of the picture; its column stays.
    """
    columns = list(labels)
    rows = [label for label in columns if label != INVALID]
    z: list[list[float]] = []
    for index, _ in enumerate(rows):
        row = list(matrix[index])
        total = sum(row)
        z.append([(v / total if total else 0.0) if normalise else float(v) for v in row])
    text = [[f"{v:.2f}" if normalise else f"{int(v)}" for v in row] for row in z]
    # Labels, model names and tokens are user text: escaped for plotly's HTML-ish labels; the
    # clicked cell's customdata keeps the raw labels.
    shown_columns, shown_rows = plot_texts(columns), plot_texts(rows)
    heat = go.Heatmap(
        z=z, x=shown_columns, y=shown_rows, text=text, texttemplate="%{text}", colorscale="Blues",
        hoverinfo="skip", zmin=0, zmax=1 if normalise else None, showscale=False,
    )  # fmt: skip
    xs, ys, custom, hover = [], [], [], []
    for i, gold in enumerate(rows):
        for j, predicted in enumerate(columns):
            xs.append(plot_text(predicted))
            ys.append(plot_text(gold))
            custom.append([gold, predicted])
            hover.append(text[i][j])
    # Invisible but clickable: "none" (not "skip") keeps plotly's click and select events.
    overlay = go.Scatter(
        x=xs, y=ys, customdata=custom, text=hover, mode="markers",
        marker={"size": 40, "opacity": 0.0, "color": "black", "symbol": "square"},
        hovertemplate="gold %{y}<br>predicted %{x}<br>%{text}<extra></extra>",
        showlegend=False, name="cells",
    )  # fmt: skip
    fig = go.Figure([heat, overlay])
    fig.update_layout(
        title=plot_text(title), xaxis_title="predicted", yaxis_title="gold", height=420,
        margin={"l": 60, "r": 20, "t": 50, "b": 50}, clickmode="event+select",
    )  # fmt: skip
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=shown_columns)
    fig.update_yaxes(
        type="category", categoryorder="array", categoryarray=shown_rows, autorange="reversed"
    )
    return fig


def selected_cell(event: object) -> tuple[str, str] | None:
    """The (gold, predicted) of the clicked cell from ``st.plotly_chart``'s selection event."""
    try:
        points = event["selection"]["points"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    for point in points or []:
        custom = point.get("customdata") if isinstance(point, Mapping) else None
        if custom and len(custom) == 2:
            return str(custom[0]), str(custom[1])
    return None


def token_bars(tops: Mapping[str, Sequence[tuple[str, float]]], *, title: str) -> go.Figure:
    """Top first-token probabilities, one bar group per model (tokens shown with quotes so a
    leading space is visible)."""
    fig = go.Figure()
    colours = candidate_colours(list(tops))
    for model, top in tops.items():
        fig.add_bar(
            name=plot_text(model), x=plot_texts(repr(t) for t, _ in top), y=[p for _, p in top], marker_color=colours[model],
            text=[f"{p:.4f}" for _, p in top], textposition="outside",
        )  # fmt: skip
    fig.update_layout(
        title=plot_text(title), barmode="group", yaxis={"range": [0, 1.1], "title": "probability"},
        xaxis_title="token", height=380, margin={"t": 50, "b": 50},
    )  # fmt: skip
    return fig


def confidence_histogram(
    confidences: Mapping[str, Sequence[float]], *, bins: int = 20
) -> go.Figure:
    fig = go.Figure()
    colours = candidate_colours(list(confidences))
    for model, values in confidences.items():
        fig.add_histogram(
            x=list(values),
            name=plot_text(model),
            marker_color=colours[model],
            xbins={"start": 0, "end": 1.0001, "size": 1 / bins},
            opacity=0.6,
        )
    fig.update_layout(
        title="Confidence of the answers", barmode="overlay", xaxis_title="confidence",
        yaxis_title="examples", height=340, margin={"t": 50, "b": 50},
    )  # fmt: skip
    return fig


def reliability_diagram(calibrations: Mapping[str, Calibration]) -> go.Figure:
    fig = go.Figure()
    fig.add_scatter(
        x=[0, 1], y=[0, 1], mode="lines", name="perfect", line={"dash": "dash", "color": "grey"}
    )
    colours = candidate_colours(list(calibrations))
    for model, cal in calibrations.items():
        used = [b for b in cal.bins if b.count]
        fig.add_scatter(
            line={"color": colours[model]},
            x=[b.confidence for b in used], y=[b.accuracy for b in used], mode="lines+markers",
            name=plot_text(f"{model} (ECE {cal.ece:.3f})"), text=[f"{b.count} examples" for b in used],
        )  # fmt: skip
    fig.update_layout(
        title="Reliability diagram", xaxis={"range": [0, 1], "title": "mean confidence"},
        yaxis={"range": [0, 1], "title": "accuracy"}, height=380, margin={"t": 50, "b": 50},
    )  # fmt: skip
    return fig


def coverage_figure(
    curves: Mapping[str, Sequence[CoveragePoint]], *, threshold: float | None = None
) -> go.Figure:
    fig = go.Figure()
    colours = candidate_colours(list(curves))
    for model, points in curves.items():
        fig.add_scatter(
            line={"color": colours[model]},
            x=[p.coverage for p in points], y=[p.accuracy for p in points], mode="lines+markers",
            name=plot_text(model), text=[f"threshold {p.threshold:.2f}" for p in points],
        )  # fmt: skip
    fig.update_layout(
        title="Coverage vs accuracy (answer only above a confidence threshold)",
        xaxis={"range": [0, 1.02], "title": "coverage"}, yaxis={"range": [0, 1.02], "title": "accuracy"},
        height=380, margin={"t": 50, "b": 50},
    )  # fmt: skip
    if threshold is not None:
        fig.add_annotation(
            text=f"threshold {threshold:.2f}",
            xref="paper",
            yref="paper",
            x=0.02,
            y=0.02,
            showarrow=False,
        )
    return fig


def win_rate_figure(rates: Mapping[str, tuple[float, float, float]]) -> go.Figure:
    """Win rate with its interval per model: ``{model: (rate, low, high)}``."""
    models = list(rates)
    fig = go.Figure(
        go.Bar(
            x=plot_texts(models), y=[rates[m][0] for m in models],
            error_y={"type": "data", "symmetric": False,
                     "array": [rates[m][2] - rates[m][0] for m in models],
                     "arrayminus": [rates[m][0] - rates[m][1] for m in models]},
        )
    )  # fmt: skip
    fig.update_layout(
        title="Blind A/B win rate (95% Wilson interval)", yaxis={"range": [0, 1]}, height=320
    )
    return fig
