"""Checks page: preview a fix (before/after, how many rows), apply it, undo batches."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

import streamlit as st

from lib.checks.service import FIXES, apply_fix, fix_preview, recent_fixes, undo_fix
from lib.checks.ui.diff import diff_html
from lib.checks.ui.run import PREVIEW_KEY
from lib.core.identity import Actor
from lib.datasets.service import DatasetInfo
from lib.shell.messages import show_caption
from lib.shell.widgets import run_action

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def _params(name: str) -> dict[str, str]:
    if name == "add_system_message":
        text = st.text_area("System message to add", key="checks_system_text")
        return {"text": text} if text.strip() else {}
    return {}


def render_fix_panel(engine: Engine, info: DatasetInfo, *, model: str, actor: Actor | None) -> None:
    """The fix chosen with "Preview the fix": preview, then apply as one undoable batch."""
    name = st.session_state.get(PREVIEW_KEY)
    if not name or name not in FIXES:
        return
    fix = FIXES[name]
    st.subheader(f"Fix: {fix.title}")
    params = _params(name)
    preview = run_action(
        lambda: fix_preview(engine, info.id, name, model=model, params=params, actor=actor)
    )
    if preview is None:
        return
    if preview.n_total == 0:
        st.info("This fix would change nothing.")
    else:
        st.write(f"{preview.n_changed:,} examples change, {preview.n_dropped:,} are removed.")
        for sample in preview.samples:
            show_caption(f"Row {sample['row']}: removed on red, added on green")
            st.html(diff_html(sample["before"], sample["after"]))
            with st.expander(f"Row {sample['row']} before and after in full"):
                before, after = st.columns(2)
                before.code(sample["before"], language=None)
                after.code(sample["after"], language=None)
    cols = st.columns(2)
    if cols[0].button(
        "Apply the fix", type="primary", key="checks_apply", disabled=preview.n_total == 0
    ):
        applied = run_action(
            lambda: apply_fix(
                engine,
                info.id,
                name,
                data_version=info.data_version,
                model=model,
                params=params,
                actor=actor,
            )
        )
        if applied is not None:
            st.session_state.pop(PREVIEW_KEY, None)
            st.session_state["checks_applied"] = (
                f"Applied “{fix.title}” ({preview.n_total:,} examples)."
            )
            st.rerun()
    if cols[1].button("Close", key="checks_close"):
        st.session_state.pop(PREVIEW_KEY, None)
        st.rerun()


def render_other_fixes(info: DatasetInfo) -> None:
    """Every fix that applies to the dataset's format (e.g. converting it), findings or not."""
    names = [name for name, fix in FIXES.items() if info.schema in fix.schemas]
    cols = st.columns([3, 1])
    chosen = cols[0].selectbox(
        "Other fixes",
        names,
        format_func=lambda n: FIXES[n].title,
        key="checks_other_fix",
    )
    if cols[1].button("Preview", key="checks_other_preview"):
        st.session_state[PREVIEW_KEY] = chosen
        st.rerun()


def render_undo_list(engine: Engine, info: DatasetInfo, *, actor: Actor | None) -> None:
    batches = recent_fixes(engine, info.id, actor=actor)
    if not batches:
        return
    st.subheader("Recent changes")
    for batch in batches:
        cols = st.columns([5, 1])
        when = batch.created_at.strftime("%Y-%m-%d %H:%M")
        state = f" — undone by {batch.undone_by}" if batch.undone_at else ""
        cols[0].text(
            f"{when} · {batch.author} · {batch.reason} · {batch.n_changes:,} examples{state}"
        )
        undo = batch.undone_at is None and cols[1].button("Undo", key=f"undo_{batch.id}")
        if undo and run_action(partial(undo_fix, engine, batch.id, actor=actor)) is not None:
            st.session_state["checks_applied"] = f"Undid “{batch.reason}”."
            st.rerun()
