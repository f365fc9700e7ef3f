"""Snapshots & export: freeze train/valid/test splits, download them, estimate what training costs."""

import streamlit as st

from lib.shell.guard import guard

ctx = guard(title="Snapshots & export")

from lib.shell.widgets import dataset_picker  # noqa: E402
from lib.snapshots.ui.costs import render_costs  # noqa: E402 - the guard runs first
from lib.snapshots.ui.create import render_create  # noqa: E402
from lib.snapshots.ui.export import render_dataset_export, render_exports  # noqa: E402
from lib.snapshots.ui.list import render_list  # noqa: E402

info = dataset_picker(ctx.engine, key="snapshots_dataset")
if info is not None:
    with st.expander("New snapshot", expanded=True):
        render_create(ctx.engine, info, ctx.reviewer)
    snapshot = render_list(ctx.engine, info, ctx.reviewer)
    if snapshot is not None:
        render_exports(ctx.engine, snapshot)
        render_costs(ctx.engine, snapshot, ctx.reviewer)
    render_dataset_export(ctx.engine, info)
