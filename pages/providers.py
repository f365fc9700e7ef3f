"""Providers & settings: where models are trained and served, and other editable tables."""

import streamlit as st

from lib.ui.guard import guard

ctx = guard(title="Providers & settings")

from lib.ui.providers_settings import render_form, render_providers  # noqa: E402

st.caption(
    "Tunelab reaches every provider through the same OpenAI client. Keys are read from "
    "environment variables or .streamlit/secrets.toml and are never stored or shown."
)
render_providers(ctx.engine)
render_form(ctx.engine)

# ----------------------------------------------------------------------------------------------
# Other settings: editable tables of other areas (price table, context limits, …).
# Add one call per editor below, each a function from lib/ui (e.g. lib/ui/<area>_settings.py)
# taking (ctx.engine, ctx.reviewer). Keep this page thin: no logic here.
# ----------------------------------------------------------------------------------------------
