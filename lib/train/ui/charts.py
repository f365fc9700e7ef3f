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


COLOURS = ("#0072B2", "#E69F00", "#009E73")


def smooth(values: list[float], weight: float) -> list[float]:
    """Exponential moving average with bias correction, as TensorBoard's and W&B's smoothing
    slider: ``weight`` 0 keeps the raw values, 0.99 is very smooth; the first points are not
    pulled towards zero (the running average is divided by ``1 - weight**n``)."""
    if weight <= 0:
        return list(values)
    out, running = [], 0.0
    for n, value in enumerate(values, 1):
        running = running * weight + (1 - weight) * value
        out.append(running / (1 - weight**n))
    return out


def metrics_figure(
    points: list[dict[str, Any]], *, kind: str, smoothing: float = 0.0
) -> go.Figure | None:
    """One line per series that has values (valid points are sparse: markers join them).

    With ``smoothing`` above 0 each series is drawn smoothed, over its raw values in a faint
    line of the same colour (as providers' dashboards do)."""
    fig = go.Figure()
    for (name, label), colour in zip(SERIES[kind], COLOURS, strict=True):
        xs = [p["step"] for p in points if p.get(name) is not None]
        ys = [p[name] for p in points if p.get(name) is not None]
        if not xs:
            continue
        mode = "lines+markers" if len(xs) < 50 else "lines"
        if smoothing > 0:
            fig.add_trace(
                go.Scatter(
                    x=xs, y=ys, mode="lines", name=f"{label} (raw)", opacity=0.25,
                    line={"color": colour}, showlegend=False, hoverinfo="skip",
                )
            )  # fmt: skip
            ys = smooth(ys, smoothing)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode=mode, name=label, line={"color": colour}))
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
