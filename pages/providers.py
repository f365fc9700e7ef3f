"""Providers & settings: where models are trained and served, and other editable tables."""

from lib.shell.guard import guard

ctx = guard(title="Providers & settings")

import streamlit as st  # noqa: E402 - the guard runs first

from lib.checks.ui.run import context_limits_editor  # noqa: E402
from lib.providers.ui.engine_status import render_engine_status  # noqa: E402
from lib.providers.ui.settings import render_form, render_providers  # noqa: E402
from lib.snapshots.ui.costs import price_editor  # noqa: E402

st.caption(
    "Tunelab reaches every provider through the same OpenAI client. Keys are read from "
    "environment variables or .streamlit/secrets.toml and are never stored or shown."
)
render_providers(ctx.engine)
render_form(ctx.engine)
render_engine_status()

st.subheader("Other settings")
price_editor(ctx.engine, ctx.reviewer)
context_limits_editor(ctx.engine)
