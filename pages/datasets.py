"""Datasets: import files (with preview, detection and column mapping) and manage datasets."""

import streamlit as st

from lib.ui.datasets_import import render_import
from lib.ui.datasets_list import render_list
from lib.ui.guard import guard

ctx = guard(title="Datasets")
with st.expander("Import a file", expanded=True):
    render_import(ctx.engine, ctx.reviewer)
st.subheader("Your datasets")
render_list(ctx.engine)
