"""User text for charts: plotly renders a subset of HTML in tick labels, legends, titles and
hover text (``<a href>``, ``<b>``, ``<br>``, ``<img>`` is dropped but links are live), so every
label a user wrote goes through :func:`plot_text` first. Plotly decodes HTML entities, so the
escaped text is shown exactly as typed (https://plotly.com/chart-studio-help/adding-HTML-and-links-to-charts/).

Markdown escaping for Streamlit lives in ``lib.shell.messages``; this one is for figure
builders, which are not UI code.
"""

from __future__ import annotations

import html
from collections.abc import Iterable


def plot_text(text: object) -> str:
    """``text`` for a plotly label, legend entry, title or hover text: shown as typed."""
    return html.escape(str(text), quote=False)


def plot_texts(values: Iterable[object]) -> list[str]:
    return [plot_text(v) for v in values]
