"""Summaries of a dataset for the Datasets screen: label distribution and its chart."""

from __future__ import annotations

import plotly.graph_objects as go

from lib.core.text import plot_text, plot_texts

MAX_BARS = 40


def label_distribution_figure(counts: dict[str, int], *, title: str = "") -> go.Figure:
    """A bar chart of examples per label, most common first (labels shown verbatim as text)."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_BARS]
    labels = plot_texts(
        repr(label) if label != label.strip() or not label else label for label, _ in items
    )
    figure = go.Figure(
        go.Bar(
            x=labels,
            y=[n for _, n in items],
            text=[f"{n:,}" for _, n in items],
            textposition="outside",
            hovertemplate="%{x}: %{y:,} examples<extra></extra>",
        )
    )
    figure.update_layout(
        title=plot_text(title) if title else None,
        xaxis_title="label",
        yaxis_title="examples",
        xaxis={"type": "category"},
        margin={"l": 40, "r": 20, "t": 40 if title else 10, "b": 40},
        height=320,
    )
    return figure


def imbalance_ratio(counts: dict[str, int]) -> float | None:
    """Largest class over smallest class (None with fewer than two classes)."""
    if len(counts) < 2:
        return None
    return max(counts.values()) / max(1, min(counts.values()))
