"""Checks page: preview a fix (before/after, how many rows), apply it, undo batches."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from lib.checks import view_from_store
from lib.checks.fixes import FIXES, apply_fix, preview_fix
from lib.checks.ui.run import PREVIEW_KEY
from lib.core.example_store import list_batches, undo_batch
from lib.core.tokens import load_context_limits
from lib.datasets.repo import DatasetInfo
from lib.shell.widgets import run_action


def _params(name: str) -> dict[str, str]:
    if name == "add_system_message":
        text = st.text_area("System message to add", key="checks_system_text")
        return {"text": text} if text.strip() else {}
    return {}


def render_fix_panel(
    engine: Engine, info: DatasetInfo, *, model: str, reviewer: str | None
) -> None:
    """The fix chosen with "Preview the fix": preview, then apply as one undoable batch."""
    name = st.session_state.get(PREVIEW_KEY)
    if not name or name not in FIXES:
        return
    fix = FIXES[name]
    st.subheader(f"Fix: {fix.title}")
    params = _params(name)
    with engine.connect() as conn:
        limits = load_context_limits(conn)
    view = view_from_store(engine, info.id, model=model, context_limits=limits)
    preview = run_action(lambda: preview_fix(view, name, **params))
    if preview is None:
        return
    if preview.n_total == 0:
        st.info("This fix would change nothing.")
    else:
        st.write(f"{preview.n_changed:,} examples change, {preview.n_dropped:,} are removed.")
        for sample in preview.samples:
            st.caption(f"Row {sample['row']}")
            before, after = st.columns(2)
            before.code(sample["before"], language=None)
            after.code(sample["after"], language=None)
    cols = st.columns(2)
    if cols[0].button(
        "Apply the fix", type="primary", key="checks_apply", disabled=preview.n_total == 0
    ):
        if not reviewer:
            st.error("Enter your name in the sidebar first: every change records who made it.")
            return
        batch = run_action(lambda: apply_fix(engine, view, name, author=reviewer, **params))
        if batch is not None:
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


def render_undo_list(engine: Engine, info: DatasetInfo, *, reviewer: str | None) -> None:
    with engine.connect() as conn:
        batches = [b for b in list_batches(conn, info.id) if b.undo_of is None][:10]
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
        if batch.undone_at is None and cols[1].button("Undo", key=f"undo_{batch.id}"):
            if not reviewer:
                st.error("Enter your name in the sidebar first: every change records who made it.")
                return
            if run_action(lambda b=batch.id: undo_batch(engine, b, author=reviewer)) is not None:
                st.session_state["checks_applied"] = f"Undid “{batch.reason}”."
                st.rerun()
