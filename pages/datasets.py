"""Datasets: import files (with preview, detection and column mapping) and manage datasets."""

from lib.shell.guard import guard

ctx = guard(title="Datasets")

import streamlit as st  # noqa: E402 - the guard runs first

from lib.datasets.ui.list import render_list  # noqa: E402
from lib.datasets.ui.upload import render_import  # noqa: E402

with st.expander("Import a file", expanded=True):
    render_import(ctx.engine, ctx.actor)
st.subheader("Your datasets")
render_list(ctx.engine, ctx.actor)
