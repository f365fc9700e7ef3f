"""The conflict dialog: what each side changed, a side-by-side chooser for the fields both
changed, and keep mine / keep theirs. No JSON for a person to edit.

Opened from a session-state flag (the queue of refused saves), so AppTest can drive it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.review import service
from lib.review.diff import state_diff
from lib.review.merge import Conflict
from lib.review.ui.state import conflicts, drop_conflict, notify, push_conflict
from lib.shell.messages import show_caption, show_error

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def _finish(conflict: Conflict, result: service.ActionResult) -> None:
    drop_conflict(conflict.example_id)
    if result.conflict is not None:
        push_conflict(result.conflict)
    notify("success" if result.ok else "warning", result.message)


def _choice_key(conflict: Conflict, name: str) -> str:
    return f"rv_merge_{conflict.example_id}_{conflict.current_version}_{name}"


@st.dialog("Someone else changed this example", width="large")
def conflict_dialog(engine: Engine, actor: Actor | None) -> None:
    queue = conflicts()
    if not queue:
        st.rerun()
    conflict = queue[0]
    st.write(
        f"Example {conflict.example_id} was saved by someone else (now version "
        f"{conflict.current_version}) after you opened it. Nothing of yours was saved yet."
    )
    base = conflict.base
    mine_changed = [d.field for d in state_diff(base, conflict.mine)] if base else []
    theirs_changed = [d.field for d in state_diff(base, conflict.theirs)] if base else []
    choices = service.conflict_choices(conflict)
    both = {c.name.split(".")[0] for c in choices}
    only_mine = [f for f in mine_changed if f not in theirs_changed and f not in both]
    only_theirs = [f for f in theirs_changed if f not in mine_changed and f not in both]
    if only_mine:
        st.text("Only you changed: " + ", ".join(only_mine) + " (yours will be saved)")
    if only_theirs:
        st.text("Only they changed: " + ", ".join(only_theirs) + " (theirs is kept)")
    if actor is None:
        st.error("Enter your name in the sidebar first.")
        return
    picks: dict[str, str] = {}
    if choices:
        st.write("Changed on both sides — choose for each:")
    for choice in choices:
        with st.container(border=True):
            show_caption(choice.label)
            left, right = st.columns(2)
            left.caption("Yours")
            left.text(choice.mine or "(empty)")
            right.caption("Theirs (saved)")
            right.text(choice.theirs or "(empty)")
            side = st.radio(
                f"Keep for {choice.label}",
                ["Yours", "Theirs"],
                key=_choice_key(conflict, choice.name),
                horizontal=True,
            )
            picks[choice.name] = "mine" if side == "Yours" else "theirs"
    c1, c2, c3 = st.columns(3)
    try:
        if c1.button("Keep mine", key="rv_conflict_mine", type="primary"):
            _finish(conflict, service.resolve_conflict(engine, conflict, actor=actor))
            st.rerun()
        if c2.button("Keep theirs", key="rv_conflict_theirs"):
            _finish(conflict, service.keep_theirs(engine, conflict, actor=actor))
            st.rerun()
        if choices and c3.button("Save my choices", key="rv_conflict_merge"):
            result = service.resolve_conflict(engine, conflict, picks=picks, actor=actor)  # type: ignore[arg-type]
            _finish(conflict, result)
            st.rerun()
    except UserError as exc:
        show_error(str(exc))
    st.caption(
        "Keep mine saves your changes and keeps every change of theirs you did not touch; "
        "where you both changed the same thing, yours wins. Keep theirs saves nothing."
    )
