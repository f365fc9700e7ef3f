"""The Checks & fixes screen: pick a dataset and a model, see findings, fix, undo, leakage."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from lib.checks.ui.fix import render_fix_panel, render_other_fixes, render_undo_list
from lib.checks.ui.leakage import render_leakage
from lib.checks.ui.run import checked, model_picker, render_findings, render_tokens
from lib.core.identity import Actor
from lib.shell.messages import show_success
from lib.shell.settings import context_limits_editor
from lib.shell.widgets import dataset_picker, run_action

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def render_screen(engine: Engine, actor: Actor | None) -> None:
    info = dataset_picker(engine, key="checks_dataset", actor=actor)
    if info is None:
        return
    model = model_picker()
    if message := st.session_state.pop("checks_applied", None):
        show_success(message)
    report = run_action(lambda: checked(engine, info.id, info.data_version, model, actor))
    if report is None:
        return
    render_fix_panel(engine, info, model=model, actor=actor)
    render_findings(report.findings)
    render_other_fixes(info)
    render_tokens(report.tokens)
    render_undo_list(engine, info, actor=actor)
    render_leakage(engine, info, actor)
    context_limits_editor(engine, actor)
