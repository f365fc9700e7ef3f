"""Loss and accuracy charts of a job (plotly), from the metrics series ``lib.train`` returns."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

SERIES = {
    "loss": (
        ("train_loss", "train loss"),
        ("valid_loss", "valid loss"),
        ("full_valid_loss", "full valid loss"),
    ),
    "accuracy": (
        ("train_accuracy", "train accuracy"),
        ("valid_accuracy", "valid accuracy"),
        ("full_valid_accuracy", "full valid accuracy"),
    ),
}


def metrics_figure(points: list[dict[str, Any]], *, kind: str) -> go.Figure | None:
    """One line per series that has values (valid points are sparse: markers join them)."""
    fig = go.Figure()
    for name, label in SERIES[kind]:
        xs = [p["step"] for p in points if p.get(name) is not None]
        ys = [p[name] for p in points if p.get(name) is not None]
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs, y=ys, mode="lines+markers" if len(xs) < 50 else "lines", name=label
                )
            )
    if not fig.data:
        return None
    fig.update_layout(
        title=f"Train / valid {kind}",
        xaxis_title="step",
        yaxis_title=kind,
        height=320,
        margin={"l": 40, "r": 10, "t": 40, "b": 80},
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
    )
    return fig
