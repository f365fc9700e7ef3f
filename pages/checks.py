"""Checks & fixes: everything that would make a fine-tuning job fail or learn the wrong thing,
with one-click fixes that are previewed, recorded and undoable."""

from lib.shell.guard import guard

ctx = guard(title="Checks & fixes")

import streamlit as st  # noqa: E402

from lib.checks.ui.fix import (  # noqa: E402
    render_fix_panel,
    render_other_fixes,
    render_undo_list,
)
from lib.checks.ui.leakage import render_leakage  # noqa: E402
from lib.checks.ui.run import (  # noqa: E402
    checked,
    context_limits_editor,
    model_picker,
    render_findings,
    render_tokens,
)
from lib.shell.widgets import dataset_picker, run_action  # noqa: E402

info = dataset_picker(ctx.engine, key="checks_dataset")
if info is None:
    st.stop()
model = model_picker()
if message := st.session_state.pop("checks_applied", None):
    st.success(message)
result = run_action(lambda: checked(ctx.engine, info.id, info.data_version, model))
if result is None:
    st.stop()
render_fix_panel(ctx.engine, info, model=model, reviewer=ctx.reviewer)
render_findings(result["findings"])
render_other_fixes(info)
render_tokens(result["tokens"])
render_undo_list(ctx.engine, info, reviewer=ctx.reviewer)
render_leakage(ctx.engine, info)
context_limits_editor(ctx.engine)
