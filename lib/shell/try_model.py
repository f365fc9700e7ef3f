"""The "Try a model" panel: a prompt to any model of any provider, the answer and its token
probabilities. Shared by the job page (the job's new model) and Results (the run's models), so
it lives in the shell and reaches the evaluate and providers features through their services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.evaluate.service import MAX_ANSWER_TOKENS, TryAnswer, try_model
from lib.providers.service import providers, the_default
from lib.shell.messages import plain, show_caption, ui_secrets

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SHOWN_POSITIONS = 40  # token positions drawn in the chart
CHOSEN, OTHER = "#0072B2", "#56B4E9"  # the answer's token, the alternatives


def _text(value: object) -> str:
    import html

    return html.escape(str(value), quote=False)


def answer_figure(answer: TryAnswer) -> go.Figure:
    """Each generated token's probability (bars), its label the token as written (quoted)."""
    shown = answer.tokens[:SHOWN_POSITIONS]
    fig = go.Figure(
        go.Bar(
            x=[f"{i + 1}. {_text(repr(t.token))}" for i, t in enumerate(shown)],
            y=[t.probability for t in shown],
            marker_color=CHOSEN,
            text=[f"{t.probability:.2f}" for t in shown],
            textposition="outside",
            hovertext=[
                "<br>".join(f"{_text(repr(tok))}: {p:.4f}" for tok, p in t.alternatives)
                for t in shown
            ],
            hoverinfo="text",
        )
    )
    fig.update_layout(
        title="Probability of each token of the answer",
        yaxis={"range": [0, 1.1], "title": "probability"},
        xaxis={"type": "category", "title": "token"},
        height=340,
        margin={"t": 50, "b": 60},
    )
    return fig


def alternatives_figure(answer: TryAnswer, position: int) -> go.Figure:
    token = answer.tokens[position]
    fig = go.Figure(
        go.Bar(
            x=[_text(repr(t)) for t, _ in token.alternatives],
            y=[p for _, p in token.alternatives],
            marker_color=[CHOSEN if t == token.token else OTHER for t, _ in token.alternatives],
            text=[f"{p:.4f}" for _, p in token.alternatives],
            textposition="outside",
        )
    )
    fig.update_layout(
        title=f"Alternatives at token {position + 1}",
        yaxis={"range": [0, 1.1], "title": "probability"},
        xaxis={"type": "category"},
        height=320,
        margin={"t": 50, "b": 50},
    )
    return fig


def _show(answer: TryAnswer, key: str) -> None:
    show_caption(
        f"{answer.model} on {answer.provider} · {answer.completion_tokens} answer tokens · "
        f"{answer.seconds:.1f} s · stopped: {answer.finish_reason or '—'}"
    )
    st.text_area("Answer", answer.output, height=100, disabled=True, key=f"{key}_output")
    if not answer.tokens:
        st.info("The server sent no token probabilities for this answer.")
        return
    if answer.confidence is not None:
        st.text(f"Probability of the whole answer: {answer.confidence:.4f}")
    st.plotly_chart(answer_figure(answer), key=f"{key}_chart")
    position = st.selectbox(
        "Alternatives at token",
        list(range(len(answer.tokens))),
        format_func=lambda i: f"{i + 1}. {answer.tokens[i].token!r}",
        key=f"{key}_position",
    )
    if answer.tokens[position].alternatives:
        st.plotly_chart(alternatives_figure(answer, position), key=f"{key}_alternatives")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "#": i + 1,
                    "token": repr(t.token),
                    "probability": round(t.probability, 4),
                    "alternatives": ", ".join(f"{tok!r} {p:.3f}" for tok, p in t.alternatives),
                }
                for i, t in enumerate(answer.tokens)
            ]
        ),
        hide_index=True,
        width="stretch",
        key=f"{key}_table",
    )


def render_try(
    engine: Engine,
    actor: Actor | None,
    *,
    models: Sequence[str] = (),
    provider: str | None = None,
    key: str = "try",
) -> None:
    """Prompt, model (picked from ``models`` or typed), provider, settings; Send; the answer."""
    names = [c.name for c in providers(engine, actor=actor)]
    if not names:
        st.info("No provider is configured. Add one on Providers & settings.")
        return
    chosen = provider if provider in names else the_default(engine, actor=actor).name
    left, right = st.columns(2)
    provider_name = left.selectbox(
        "Provider", names, index=names.index(chosen), key=f"{key}_provider"
    )
    model = right.selectbox(
        "Model",
        list(dict.fromkeys(models)),
        index=0 if models else None,
        accept_new_options=True,
        placeholder="Type a model name",
        key=f"{key}_model",
        help="Any model the provider serves, base or fine-tuned: pick one or type its name.",
    )
    prompt = st.text_area("Prompt", key=f"{key}_prompt", height=120)
    with st.expander("System message and settings"):
        system = st.text_area("System message (chat models)", key=f"{key}_system", height=68)
        cols = st.columns(3)
        max_tokens = cols[0].number_input(
            "Answer tokens at most", 1, MAX_ANSWER_TOKENS, 64, key=f"{key}_max_tokens"
        )
        temperature = cols[1].number_input(
            "Temperature", 0.0, 2.0, 0.0, 0.1, key=f"{key}_temperature"
        )
        top_k = cols[2].number_input("Alternatives per token", 0, 20, 5, key=f"{key}_top_k")
    if actor is None:
        st.caption("Enter your name in the sidebar to send: trying a model spends tokens.")
    if st.button("Send", type="primary", key=f"{key}_send", disabled=actor is None):
        try:
            with st.spinner("Waiting for the answer…"):
                st.session_state[f"{key}_answer"] = try_model(
                    engine,
                    provider=provider_name,
                    model=str(model or ""),
                    prompt=prompt,
                    system=system or None,
                    max_tokens=int(max_tokens),
                    temperature=float(temperature),
                    top_k=int(top_k),
                    secrets=ui_secrets(),
                    actor=actor,
                )
        except UserError as exc:
            st.session_state.pop(f"{key}_answer", None)
            st.error(plain(exc))
    answer = st.session_state.get(f"{key}_answer")
    if isinstance(answer, TryAnswer):
        _show(answer, key)
