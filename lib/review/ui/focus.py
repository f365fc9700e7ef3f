"""The focus view: one example in full, editable, every action naming what is on screen.

Each button and shortcut carries the example the screen drew (its id and the version the text
boxes started from) through ``on_click`` arguments; the review service refuses the action when
the example moved on meanwhile, so a verdict can only land on the example the reviewer saw.
What the reviewer types is kept as a draft in the store (per reviewer and example) when a text
box commits. "Next" is the next example of the pass the reviewer has not seen, worked out from
the example they just saw, so approving under "unreviewed" never skips one.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import streamlit as st

from lib.core.errors import UserError
from lib.core.examples import content_text
from lib.core.identity import Actor
from lib.datasets.service import DatasetInfo
from lib.review import query, service
from lib.review.edit import with_completion
from lib.review.service import ExampleRow
from lib.review.ui.history import render_history
from lib.review.ui.state import (
    CURRENT_KEY,
    NO_REVIEWER_HINT,
    drafts_notice,
    go_to,
    mark_seen,
    notify,
    push_conflict,
    show_notice,
    the_pass,
)
from lib.shell.messages import md, show_caption, show_info, show_warning

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

ROLES = ("system", "developer", "user", "assistant", "tool")
SHORTCUTS = {
    "save_next": "Ctrl+Enter",
    "approve": "Alt+1",
    "reject": "Alt+2",
    "flag": "Alt+3",
    "next": "Alt+N",
    "previous": "Alt+P",
}
GEN_KEY = "review_widget_gen"  # {example_id: n}: bumped to redraw text boxes from the store
MAX_PICKER_LABELS = 9


@dataclass(frozen=True, slots=True)
class Shown:
    """What the screen drew. Every action carries it, so it acts on exactly this."""

    dataset_id: int
    schema: str
    example: ExampleRow  # as drawn
    base_version: int  # the version the text boxes' text started from
    base: dict[str, Any]  # the example's state at base_version
    start_data: dict[str, Any]  # what the boxes were filled with (a draft, else the example)
    start_comment: str
    filters: query.Filters | None  # the filters it matched when drawn (None: it did not)
    pass_filters: query.Filters
    prefix: str

    @property
    def target(self) -> service.Target:
        return service.Target(self.example.id, self.base_version)

    def key(self, name: str) -> str:
        return f"{self.prefix}_{name}"


def _gen(example_id: int) -> int:
    return int(st.session_state.get(GEN_KEY, {}).get(example_id, 0))


def _bump(example_id: int) -> None:
    gens = st.session_state.setdefault(GEN_KEY, {})
    gens[example_id] = gens.get(example_id, 0) + 1


def _typed(shown: Shown) -> tuple[dict[str, Any], str]:
    """The data and comment as the text boxes hold them now."""
    state = st.session_state
    data = copy.deepcopy(shown.start_data)
    if shown.schema == "completion":
        for name in ("prompt", "completion"):
            if shown.key(name) in state:
                data[name] = state[shown.key(name)]
    elif shown.schema == "chat" and isinstance(data.get("messages"), list):
        for i, message in enumerate(data["messages"]):
            if not isinstance(message, dict):
                continue
            if shown.key(f"role_{i}") in state:
                message["role"] = state[shown.key(f"role_{i}")]
            if shown.key(f"content_{i}") in state:
                message["content"] = state[shown.key(f"content_{i}")]
    elif shown.key("json") in state:
        try:
            value = json.loads(state[shown.key("json")])
        except json.JSONDecodeError as exc:
            raise UserError(
                f"the example's JSON is not valid: line {exc.lineno}: {exc.msg}"
            ) from exc
        if not isinstance(value, dict):
            raise UserError("the example's JSON must be an object")
        data = value
    comment = state.get(shown.key("comment"), shown.start_comment) or ""
    return data, comment


# ---------------------------------------------------------------- callbacks


ACTED_KEY = "_review_acted"  # the target an action of this rerun already saved


def _keep(engine: Engine, shown: Shown, actor: Actor | None) -> None:
    """A text box committed: keep the typing as the reviewer's draft in the store.

    A box that commits because a shortcut took its focus runs in the same rerun as the
    action; when the action ran first, it has saved this very typing: nothing to keep.
    """
    if st.session_state.get(ACTED_KEY) == shown.target:
        return
    if actor is None:
        notify("warning", f"Your typing is not kept yet. {NO_REVIEWER_HINT}")
        return
    try:
        data, comment = _typed(shown)
        service.keep_draft(
            engine, shown.dataset_id, shown.target, data=data, comment=comment, actor=actor
        )
    except UserError as exc:
        notify("error", str(exc))


def _restructure(engine: Engine, shown: Shown, actor: Actor | None, op: str, index: int) -> None:
    """Add, remove or move a chat message; kept as a draft, boxes redrawn from it."""
    if actor is None:
        notify("warning", NO_REVIEWER_HINT)
        return
    data, comment = _typed(shown)
    messages = data.setdefault("messages", [])
    if op == "add":
        last = messages[-1].get("role") if messages and isinstance(messages[-1], dict) else None
        messages.append({"role": "assistant" if last == "user" else "user", "content": ""})
    elif op == "remove" and 0 <= index < len(messages):
        messages.pop(index)
    elif op == "up" and 0 < index < len(messages):
        messages[index - 1], messages[index] = messages[index], messages[index - 1]
    elif op == "down" and 0 <= index < len(messages) - 1:
        messages[index + 1], messages[index] = messages[index], messages[index + 1]
    service.keep_draft(
        engine, shown.dataset_id, shown.target, data=data, comment=comment, actor=actor
    )
    _bump(shown.example.id)


def _move_on(engine: Engine, shown: Shown, actor: Actor | None) -> None:
    p = the_pass(shown.dataset_id, shown.pass_filters)
    following = service.next_example(
        engine,
        shown.dataset_id,
        shown.pass_filters,
        after=shown.example,
        seen=p["seen"],
        actor=actor,
    )
    if following is None:
        notify("success", f"You have seen every example of this pass ({len(p['seen']):,}).")
        return
    go_to(following, from_id=shown.example.id)


def _act(
    engine: Engine,
    shown: Shown,
    actor: Actor | None,
    status: str | None,
    move: bool,
    label: str | None = None,
) -> None:
    """Save what is typed (and a verdict) on the example shown; then, if asked, move on."""
    try:
        data, comment = _typed(shown)
        if label is not None:
            data = with_completion(shown.schema, data, label)
        changed_data = data != shown.base.get("data")
        changed_comment = comment != (shown.base.get("comment") or "")
        extra: dict[str, Any] = {}
        if changed_comment:
            extra["comment"] = comment
        result = service.save(
            engine,
            shown.dataset_id,
            shown.target,
            actor=actor,
            data=data if changed_data else None,
            status=status,
            filters=shown.filters,
            reason=f"focus: {status}" if status else "focus edit",
            **extra,
        )
    except UserError as exc:
        notify("error", str(exc))
        return
    if result.conflict is not None:
        st.session_state[ACTED_KEY] = shown.target  # the typing is in the conflict now
        push_conflict(result.conflict)
        return
    if result.ok:
        st.session_state[ACTED_KEY] = shown.target  # the typing is saved
    else:
        notify("warning", result.message)
        _bump(shown.example.id)
        return
    notify("success", result.message)
    if move:
        _move_on(engine, shown, actor)


def _next(engine: Engine, shown: Shown, actor: Actor | None) -> None:
    _move_on(engine, shown, actor)


def _previous(engine: Engine, shown: Shown, actor: Actor | None) -> None:
    p = the_pass(shown.dataset_id, shown.pass_filters)
    if p["back"]:
        st.session_state[CURRENT_KEY] = p["back"].pop()
        return
    before = service.previous_example(
        engine, shown.dataset_id, shown.pass_filters, before=shown.example, actor=actor
    )
    if before is None:
        notify("info", "This is the first example.")
    else:
        st.session_state[CURRENT_KEY] = before


def _discard(engine: Engine, shown: Shown, actor: Actor | None) -> None:
    if actor is not None:
        service.discard_draft(engine, shown.example.id, actor=actor)
    _bump(shown.example.id)


# ---------------------------------------------------------------- drawing


def _text_area(
    engine: Engine, shown: Shown, actor: Actor | None, name: str, label: str, value: str, **kw: Any
) -> None:
    key = shown.key(name)
    if key not in st.session_state:
        st.session_state[key] = value
    st.text_area(label, key=key, on_change=_keep, args=(engine, shown, actor), **kw)


def _messages_editor(engine: Engine, shown: Shown, actor: Actor | None) -> None:
    data = shown.start_data
    messages = data.get("messages")
    if not isinstance(messages, list):
        st.warning("This chat example has no messages list.")
        return
    cb = (engine, shown, actor)
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            st.code(json.dumps(message, ensure_ascii=False), language="json")
            continue
        with st.container(border=True):
            top = st.columns([2, 1, 1, 1], vertical_alignment="bottom")
            role = message.get("role")
            options = list(ROLES) if role in ROLES else [*ROLES, str(role)]
            rkey = shown.key(f"role_{i}")
            if rkey not in st.session_state:
                st.session_state[rkey] = role if role in options else options[0]
            top[0].selectbox(f"Message {i + 1} role", options, key=rkey, on_change=_keep, args=cb)
            top[1].button(
                "↑",
                key=shown.key(f"up_{i}"),
                on_click=_restructure,
                args=(*cb, "up", i),
                disabled=i == 0,
                help="Move up",
            )
            top[2].button(
                "↓",
                key=shown.key(f"down_{i}"),
                on_click=_restructure,
                args=(*cb, "down", i),
                disabled=i == len(messages) - 1,
                help="Move down",
            )
            top[3].button(
                "Remove",
                key=shown.key(f"remove_{i}"),
                on_click=_restructure,
                args=(*cb, "remove", i),
            )
            content = message.get("content")
            if content is None or isinstance(content, str):
                _text_area(
                    engine,
                    shown,
                    actor,
                    f"content_{i}",
                    f"Message {i + 1} content",
                    content or "",
                    height=110,
                )
            else:
                st.caption("Content parts (kept as they are)")
                st.text(content_text(content))
            for extra in ("tool_calls", "tool_call_id", "name", "weight", "function_call"):
                if extra in message:
                    show_caption(extra.replace("_", " "))
                    st.code(
                        json.dumps(message[extra], ensure_ascii=False, indent=2), language="json"
                    )
    st.button("Add a message", key=shown.key("add"), on_click=_restructure, args=(*cb, "add", -1))
    others = {k: v for k, v in data.items() if k != "messages"}
    if others:
        st.caption("Other fields (tools, settings)")
        st.code(json.dumps(others, ensure_ascii=False, indent=2), language="json")


def _actions(engine: Engine, shown: Shown, actor: Actor | None, has_draft: bool) -> None:
    cb = (engine, shown, actor)
    disabled = actor is None
    row1 = st.columns([1, 1.5, 1.15, 1])
    row1[0].button(
        "Save",
        key="rv_save",
        type="primary",
        disabled=disabled,
        width="stretch",
        on_click=_act,
        args=(*cb, None, False),
    )
    row1[1].button(
        "Save & next",
        key="rv_save_next",
        disabled=disabled,
        shortcut=SHORTCUTS["save_next"],
        width="stretch",
        on_click=_act,
        args=(*cb, None, True),
    )
    row1[2].button(
        "Previous",
        key="rv_prev",
        shortcut=SHORTCUTS["previous"],
        width="stretch",
        on_click=_previous,
        args=cb,
    )
    row1[3].button(
        "Next",
        key="rv_next",
        shortcut=SHORTCUTS["next"],
        width="stretch",
        on_click=_next,
        args=cb,
    )
    row2 = st.columns([1, 1.5, 1.15, 1])
    verdicts = (
        ("approved", "Approve", "approve"),
        ("rejected", "Reject", "reject"),
        ("flagged", "Flag", "flag"),
    )
    for col, (status, label, shortcut) in zip(row2, verdicts, strict=False):
        col.button(
            label,
            key=f"rv_{status}",
            disabled=disabled,
            shortcut=SHORTCUTS[shortcut],
            width="stretch",
            on_click=_act,
            args=(*cb, status, True),
        )
    row2[3].button(
        "Discard my edits",
        key="rv_discard",
        disabled=not has_draft,
        width="stretch",
        on_click=_discard,
        args=cb,
    )


def _label_picker(
    engine: Engine, shown: Shown, actor: Actor | None, choices: tuple[service.LabelChoice, ...]
) -> None:
    """One button per known label (keys 1–9): writes the label as the data spells it (leading
    space and all) as the completion, approves, and moves on."""
    picked = choices[:MAX_PICKER_LABELS]
    st.caption("Label (keys 1–9 outside text boxes): written as the data spells it, then approved.")
    cols = st.columns(len(picked))
    for i, (col, choice) in enumerate(zip(cols, picked, strict=True)):
        col.button(
            md(choice.plain),  # a label is user text: shown as written
            key=f"rv_label_{i}",
            shortcut=str(i + 1),
            disabled=actor is None,
            width="stretch",
            help=md(f"Label {choice.spelled!r}, approve and go on (key {i + 1})"),
            on_click=_act,
            args=(engine, shown, actor, "approved", True, choice.spelled),
        )


def render_focus(
    engine: Engine,
    info: DatasetInfo,
    filters: query.Filters,
    actor: Actor | None,
    overview: service.Overview,
) -> None:
    p = the_pass(info.id, filters)
    view = service.focus(
        engine,
        info.id,
        filters,
        example_id=st.session_state.get(CURRENT_KEY),
        seen=p["seen"],
        actor=actor,
    )
    show_notice()
    st.session_state.pop(ACTED_KEY, None)  # the callbacks of this rerun are done
    if view.example is None:
        st.info("No example matches the filters.")
        return
    example, draft = view.example, view.draft
    st.session_state[CURRENT_KEY] = example.id
    mark_seen(info.id, filters, example)
    base_version = draft.base_version if draft else example.version
    shown = Shown(
        dataset_id=info.id,
        schema=info.schema,
        example=example,
        base_version=base_version,
        base=draft.base if draft else example.state(),
        start_data=draft.data if draft else example.data,
        start_comment=draft.comment if draft else (example.comment or ""),
        filters=filters if view.in_filter else None,
        pass_filters=filters,
        prefix=f"rv_{example.id}_{base_version}_{_gen(example.id)}",
    )
    source = example.source_row if example.source_row is not None else "—"
    show_caption(
        f"Source row {source} · id {example.id} · version {example.version} · status "
        f"{example.status}"
        + (f" · last change by {example.updated_by}" if example.updated_by else "")
        + f" — this pass: {len(p['seen']):,} of {view.matching} matching seen"
    )
    if not view.in_filter:
        show_info(f"Example {example.id} does not match the filters (any more).")
    if actor is None:
        show_warning(NO_REVIEWER_HINT)
    _actions(engine, shown, actor, draft is not None)
    if overview.label_choices and info.schema in ("completion", "chat"):
        _label_picker(engine, shown, actor, overview.label_choices)
    if draft and draft.base_version != example.version:
        show_warning(
            f"Someone saved this example (version {example.version}) after you started editing "
            f"version {draft.base_version}. Saving shows what each of you changed."
        )
    data = shown.start_data
    if info.schema == "completion":
        _text_area(
            engine, shown, actor, "prompt", "Prompt", str(data.get("prompt", "")), height=160
        )
        _text_area(
            engine,
            shown,
            actor,
            "completion",
            "Completion",
            str(data.get("completion", "")),
            height=80,
        )
    elif info.schema == "chat":
        _messages_editor(engine, shown, actor)
    else:
        _text_area(
            engine,
            shown,
            actor,
            "json",
            "Example (JSON)",
            json.dumps(data, ensure_ascii=False, indent=2),
            height=300,
        )
    _text_area(engine, shown, actor, "comment", "Comment", shown.start_comment, height=68)
    show_caption(
        "Keys: "
        + " · ".join(f"{name.replace('_', ' ')} {key}" for name, key in SHORTCUTS.items())
        + ". A shortcut pressed while typing keeps the typing. Unsaved typing is kept for you."
    )
    drafts_notice(engine, info, actor, current_id=example.id)
    render_history(engine, example, actor)
