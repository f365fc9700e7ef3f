"""The focus view: one example in full, editable, with drafts that survive navigation.

Every text widget writes into the example's draft (session state) through ``on_change``, so
moving to another example keeps what was typed; a save names the version the draft started
from, and a refused save opens the conflict dialog instead of overwriting anyone.
"""

from __future__ import annotations

import json
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from lib.core.errors import StaleVersionError, UserError
from lib.core.example_store import Change, ExampleRow, update_example
from lib.core.examples import content_text
from lib.datasets.repo import DatasetInfo
from lib.review import query
from lib.review.merge import Conflict
from lib.review.ui.history import render_history
from lib.review.ui.state import (
    FOCUS_INDEX_KEY,
    NO_REVIEWER_HINT,
    discard_draft,
    draft_for,
    drafts,
    drafts_notice,
    filtered_count,
    page_rows,
    push_conflict,
    widget_gen,
)

ROLES = ("system", "developer", "user", "assistant", "tool")
SHORTCUTS = {
    "save_next": "Ctrl+Enter",
    "approve": "Alt+1",
    "reject": "Alt+2",
    "flag": "Alt+3",
    "next": "Alt+N",
    "previous": "Alt+P",
}


def _k(example: ExampleRow, name: str) -> str:
    # The version the widgets show is part of the key: a save by anyone shows the new text,
    # unless this reviewer has a draft (then the draft's base version stays in the key).
    draft = drafts().get(example.id)
    version = draft["base_version"] if draft else example.version
    return f"rv_{example.id}_{version}_{widget_gen(example.id)}_{name}"


def _sync(example: ExampleRow, schema: str) -> None:
    """Copy the focus widgets' values into the example's draft (an on_change callback)."""
    draft = draft_for(example)
    state = st.session_state
    data = draft["data"]
    if schema == "completion":
        for name in ("prompt", "completion"):
            if _k(example, name) in state:
                data[name] = state[_k(example, name)]
    elif schema == "chat" and isinstance(data.get("messages"), list):
        for i, message in enumerate(data["messages"]):
            if not isinstance(message, dict):
                continue
            if _k(example, f"role_{i}") in state:
                message["role"] = state[_k(example, f"role_{i}")]
            if _k(example, f"content_{i}") in state:
                message["content"] = state[_k(example, f"content_{i}")]
    elif _k(example, "json") in state:
        draft["json_text"] = state[_k(example, "json")]
    if _k(example, "comment") in state:
        draft["comment"] = state[_k(example, "comment")]


def _restructure(example: ExampleRow, schema: str, op: str, index: int) -> None:
    """Add, remove or move a chat message (a callback); widget keys move on with ``gen``."""
    _sync(example, schema)
    draft = draft_for(example)
    messages = draft["data"].setdefault("messages", [])
    if op == "add":
        messages.append(
            {
                "role": "user"
                if not messages or messages[-1].get("role") != "user"
                else "assistant",
                "content": "",
            }
        )
    elif op == "remove" and 0 <= index < len(messages):
        messages.pop(index)
    elif op == "up" and 0 < index < len(messages):
        messages[index - 1], messages[index] = messages[index], messages[index - 1]
    elif op == "down" and 0 <= index < len(messages) - 1:
        messages[index + 1], messages[index] = messages[index], messages[index + 1]
    draft["gen"] += 1


def _text_area(
    example: ExampleRow, schema: str, name: str, label: str, value: str, **kw: Any
) -> None:
    key = _k(example, name)
    if key not in st.session_state:
        st.session_state[key] = value
    st.text_area(label, key=key, on_change=_sync, args=(example, schema), **kw)


def _messages_editor(example: ExampleRow, data: dict[str, Any]) -> None:
    messages = data.get("messages")
    if not isinstance(messages, list):
        st.warning("This chat example has no messages list; edit its JSON below.")
        return
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            st.code(json.dumps(message, ensure_ascii=False), language="json")
            continue
        with st.container(border=True):
            top = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
            role = message.get("role")
            options = list(ROLES) if role in ROLES else [*ROLES, str(role)]
            rkey = _k(example, f"role_{i}")
            if rkey not in st.session_state:
                st.session_state[rkey] = role if role in options else options[0]
            top[0].selectbox(
                f"Message {i + 1} role", options, key=rkey, on_change=_sync, args=(example, "chat")
            )
            top[1].button(
                "↑",
                key=_k(example, f"up_{i}"),
                on_click=_restructure,
                args=(example, "chat", "up", i),
                disabled=i == 0,
                help="Move up",
            )
            top[2].button(
                "↓",
                key=_k(example, f"down_{i}"),
                on_click=_restructure,
                args=(example, "chat", "down", i),
                disabled=i == len(messages) - 1,
                help="Move down",
            )
            top[3].button(
                "Remove",
                key=_k(example, f"remove_{i}"),
                on_click=_restructure,
                args=(example, "chat", "remove", i),
            )
            content = message.get("content")
            if content is None or isinstance(content, str):
                _text_area(
                    example,
                    "chat",
                    f"content_{i}",
                    f"Message {i + 1} content",
                    content or "",
                    height=120,
                )
            else:
                st.caption("Content parts (shown as JSON, kept as they are)")
                st.code(json.dumps(content, ensure_ascii=False, indent=2), language="json")
                st.text(content_text(content))
            for extra in ("tool_calls", "tool_call_id", "name", "weight", "function_call"):
                if extra in message:
                    st.caption(extra.replace("_", " "))
                    st.code(
                        json.dumps(message[extra], ensure_ascii=False, indent=2), language="json"
                    )
    st.button(
        "Add a message",
        key=_k(example, "add"),
        on_click=_restructure,
        args=(example, "chat", "add", -1),
    )
    others = {k: v for k, v in data.items() if k != "messages"}
    if others:
        st.caption("Other fields (tools, settings)")
        st.code(json.dumps(others, ensure_ascii=False, indent=2), language="json")


def _draft_data(example: ExampleRow, schema: str) -> dict[str, Any]:
    draft = drafts().get(example.id)
    if draft is None:
        return example.data
    if "json_text" in draft:
        try:
            value = json.loads(draft["json_text"])
        except json.JSONDecodeError as exc:
            raise UserError(
                f"the example's JSON is not valid: line {exc.lineno}: {exc.msg}"
            ) from exc
        if not isinstance(value, dict):
            raise UserError("the example's JSON must be an object")
        return value
    return draft["data"]


def save(
    engine: Engine,
    example: ExampleRow,
    schema: str,
    reviewer: str | None,
    *,
    status: str | None = None,
) -> bool:
    """Save the draft (and a status) with the version the draft was read at; True on success."""
    if not reviewer:
        st.error(NO_REVIEWER_HINT)
        return False
    draft = drafts().get(example.id)
    try:
        data = _draft_data(example, schema)
    except UserError as exc:
        st.error(str(exc))
        return False
    comment = draft["comment"] if draft else (example.comment or "")
    version = draft["base_version"] if draft else example.version
    change = Change(
        example_id=example.id,
        expected_version=version,
        data=data,
        status=status,
        comment=comment or None,
    )
    try:
        update_example(
            engine, change, author=reviewer, reason=f"focus: {status}" if status else "focus edit"
        )
    except StaleVersionError as exc:
        base = draft["base"] if draft else example.state()
        mine = {**base, "data": data, "comment": comment or None}
        if status:
            mine["status"] = status
        push_conflict(Conflict.from_error(exc, mine=mine, base=base))
        return False
    except UserError as exc:
        st.error(str(exc))
        return False
    discard_draft(example.id)
    return True


def _move(delta: int, total: int) -> None:
    index = st.session_state.get(FOCUS_INDEX_KEY, 0) + delta
    st.session_state[FOCUS_INDEX_KEY] = max(0, min(total - 1, index))


def render_focus(
    engine: Engine, info: DatasetInfo, filters: query.Filters, reviewer: str | None, guidelines
) -> None:
    total = filtered_count(engine, info, filters)
    if total == 0:
        st.info("No example matches the filters.")
        return
    index = max(0, min(total - 1, int(st.session_state.get(FOCUS_INDEX_KEY, 0))))
    st.session_state[FOCUS_INDEX_KEY] = index
    rows = page_rows(engine, info, filters, index, 1)
    if not rows:
        st.info("No example here any more.")
        return
    example = rows[0]
    drafts_notice(example.id)
    st.caption(
        f"Example {index + 1:,} of {total:,} · id {example.id} · version {example.version} · status {example.status}"
        + (f" · last change by {example.updated_by}" if example.updated_by else "")
    )
    main, side = st.columns([3, 2])
    with main:
        # Actions first: a long chat would otherwise push Save below the fold.
        _actions(engine, info, example, reviewer, index, total, filters)
        draft = drafts().get(example.id)
        if draft and draft["base_version"] != example.version:
            st.warning(
                f"Someone saved this example (version {example.version}) after you started editing version {draft['base_version']}. Saving will show both versions."
            )
        data = draft["data"] if draft else example.data
        if info.schema == "completion":
            _text_area(
                example, "completion", "prompt", "Prompt", str(data.get("prompt", "")), height=200
            )
            _text_area(
                example,
                "completion",
                "completion",
                "Completion",
                str(data.get("completion", "")),
                height=120,
            )
        elif info.schema == "chat":
            _messages_editor(example, data)
        else:
            _text_area(
                example,
                info.schema,
                "json",
                "Example (JSON)",
                json.dumps(data, ensure_ascii=False, indent=2),
                height=400,
            )
        _text_area(
            example,
            info.schema,
            "comment",
            "Comment",
            (draft["comment"] if draft else example.comment) or "",
            height=68,
        )
        render_history(engine, example, reviewer)
    with side:
        guidelines(engine, info, reviewer)


def _actions(
    engine: Engine,
    info: DatasetInfo,
    example: ExampleRow,
    reviewer: str | None,
    index: int,
    total: int,
    filters,
) -> None:
    if not reviewer:
        st.warning(NO_REVIEWER_HINT)
    disabled = not reviewer
    row1 = st.columns(3)
    saved = row1[0].button(
        "Save", key="rv_save", type="primary", disabled=disabled, width="stretch"
    )
    if saved and save(engine, example, info.schema, reviewer):
        st.toast("Saved.")
        st.rerun()
    save_next = row1[1].button(
        "Save & next",
        key="rv_save_next",
        disabled=disabled,
        shortcut=SHORTCUTS["save_next"],
        width="stretch",
    )
    if save_next and save(engine, example, info.schema, reviewer):
        _move(1, total)
        st.rerun()
    if row1[2].button(
        "Discard my edits", key="rv_discard", disabled=example.id not in drafts(), width="stretch"
    ):
        discard_draft(example.id)
        st.rerun()
    row2 = st.columns(3)
    verdicts = (
        ("approved", "Approve", "approve"),
        ("rejected", "Reject", "reject"),
        ("flagged", "Flag", "flag"),
    )
    for col, (status, label, shortcut) in zip(row2, verdicts, strict=True):
        clicked = col.button(
            label,
            key=f"rv_{status}",
            disabled=disabled,
            shortcut=SHORTCUTS[shortcut],
            width="stretch",
        )
        if clicked and save(engine, example, info.schema, reviewer, status=status):
            st.toast(f"Example {example.id}: {status}.")
            _move(1, total)
            st.rerun()
    row3 = st.columns(3)
    if row3[0].button(
        "Previous",
        key="rv_prev",
        disabled=index == 0,
        shortcut=SHORTCUTS["previous"],
        width="stretch",
    ):
        _move(-1, total)
        st.rerun()
    if row3[1].button(
        "Next",
        key="rv_next",
        disabled=index >= total - 1,
        shortcut=SHORTCUTS["next"],
        width="stretch",
    ):
        _move(1, total)
        st.rerun()
    if row3[2].button("Skip to next unreviewed", key="rv_skip", width="stretch"):
        with engine.connect() as conn:
            target = query.next_unreviewed_index(conn, info.id, filters, index)
        if target is None:
            st.info("No unreviewed example after this one.")
        else:
            st.session_state[FOCUS_INDEX_KEY] = target
            st.rerun()
    st.caption(
        "Keys: "
        + " · ".join(f"{name.replace('_', ' ')} {key}" for name, key in SHORTCUTS.items())
        + ". Unsaved edits are kept per example when you move on."
    )
