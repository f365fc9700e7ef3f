"""The two-reviewer conflict dialog: both versions, then keep mine / keep theirs / a merge.

Opened from a session-state flag (the queue of refused saves), so AppTest can drive it.
"""

from __future__ import annotations

import json

import streamlit as st
from sqlalchemy.engine import Engine

from lib.core.errors import StaleVersionError, UserError
from lib.core.example_store import STATUSES, update_example
from lib.review.diff import field_texts, state_diff
from lib.review.merge import Conflict, change_for, keep_mine, three_way
from lib.review.ui.state import conflicts, discard_draft, push_conflict


def _resolved(conflict: Conflict) -> None:
    queue = conflicts()
    queue[:] = [c for c in queue if c.example_id != conflict.example_id]
    discard_draft(conflict.example_id)


def _write(engine: Engine, conflict: Conflict, change, reviewer: str, reason: str) -> bool:
    try:
        update_example(engine, change, author=reviewer, reason=reason)
    except StaleVersionError as exc:  # changed yet again: start over with the newest theirs
        _resolved(conflict)
        push_conflict(Conflict.from_error(exc, mine=conflict.mine, base=conflict.theirs))
        st.warning("It changed again meanwhile; here is the newest version.")
        return False
    except UserError as exc:
        st.error(str(exc))
        return False
    _resolved(conflict)
    return True


def _side(title: str, state: dict) -> None:
    st.markdown(f"**{title}**")
    for name, text in field_texts(state).items():
        st.caption(name)
        st.text(text if text else "(empty)")


@st.dialog("Someone else changed this example", width="large")
def conflict_dialog(engine: Engine, reviewer: str | None) -> None:
    queue = conflicts()
    if not queue:
        st.rerun()
    conflict = queue[0]
    st.write(
        f"Example {conflict.example_id} was saved by someone else (now version "
        f"{conflict.current_version}) after you read it. Nothing of yours was saved yet."
    )
    left, right = st.columns(2)
    with left:
        _side("Your version", conflict.mine)
    with right:
        _side("Their version (saved)", conflict.theirs)
    with st.expander("What differs (theirs → yours)", expanded=True):
        for diff in state_diff(conflict.theirs, conflict.mine):
            st.caption(diff.field)
            st.code(diff.text, language="diff")
    if not reviewer:
        st.error("Enter your name in the sidebar first.")
        return
    c1, c2 = st.columns(2)
    mine = c1.button("Keep mine", key="rv_conflict_mine", type="primary")
    if mine and _write(engine, conflict, keep_mine(conflict), reviewer, "conflict: kept mine"):
        st.rerun()
    if c2.button("Keep theirs", key="rv_conflict_theirs"):
        _resolved(conflict)
        st.rerun()
    draft = three_way(conflict)
    with st.expander("Edit the merge", expanded=bool(draft.conflicts)):
        if draft.conflicts:
            st.caption(
                "Changed on both sides: " + ", ".join(draft.conflicts) + " (yours prefilled)"
            )
        merged_data: dict = {}
        for key, value in draft.state["data"].items():
            wkey = f"rv_merge_{conflict.example_id}_{conflict.current_version}_{key}"
            if isinstance(value, str):
                merged_data[key] = st.text_area(key, value=value, key=wkey)
            else:
                merged_data[key] = st.text_area(
                    f"{key} (JSON)", value=json.dumps(value, ensure_ascii=False, indent=2), key=wkey
                )
        status = st.selectbox(
            "Status",
            STATUSES,
            index=STATUSES.index(draft.state["status"]) if draft.state["status"] in STATUSES else 0,
            key=f"rv_merge_status_{conflict.example_id}",
        )
        comment = st.text_input(
            "Comment",
            value=draft.state.get("comment") or "",
            key=f"rv_merge_comment_{conflict.example_id}",
        )
        if st.button("Save the merge", key="rv_conflict_merge"):  # noqa: SIM102
            try:
                data = {
                    k: (v if isinstance(draft.state["data"][k], str) else json.loads(v))
                    for k, v in merged_data.items()
                }
            except json.JSONDecodeError as exc:
                st.error(f"A JSON field is not valid: line {exc.lineno}: {exc.msg}")
                return
            state = {**draft.state, "data": data, "status": status, "comment": comment or None}
            if _write(engine, conflict, change_for(conflict, state), reviewer, "conflict: merged"):
                st.rerun()
