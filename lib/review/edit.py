"""Turning what a reviewer typed into store changes.

The table shows a few text columns (prompt, completion/answer, status, comment); an edit to
one of them becomes a ``Change`` on the example's full JSON, so unknown keys, tool calls and
other messages are kept as they were.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from lib.core.errors import UserError
from lib.core.example_store import STATUSES, Change, ExampleRow
from lib.core.examples import content_text

# Table columns a reviewer can edit, per schema (others are shown read-only).
EDITABLE_TEXT: dict[str, tuple[str, ...]] = {
    "completion": ("prompt", "completion"),
    "chat": ("completion",),  # the last assistant message
    "preference": (),
}
EDITABLE_ALWAYS = ("status", "comment")


def _keep_padding(old: str, new_core: str) -> str:
    """``new_core`` with the whitespace that surrounded ``old``'s text (" 5" stays " 4")."""
    core = old.strip()
    if not core:
        return new_core
    start = old.find(core)
    return old[:start] + new_core + old[start + len(core) :]


def _last_assistant(messages: list[Any]) -> int | None:
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, dict) and message.get("role") == "assistant":
            return index
    return None


def with_completion(schema: str, data: dict[str, Any], text: str) -> dict[str, Any]:
    """A copy of ``data`` whose completion (chat: last assistant message) is ``text``."""
    new = copy.deepcopy(data)
    if schema == "completion":
        new["completion"] = text
        return new
    if schema == "chat":
        messages = new.get("messages")
        if not isinstance(messages, list):
            raise UserError("this chat example has no messages list; edit it in the focus view")
        index = _last_assistant(messages)
        if index is None:
            messages.append({"role": "assistant", "content": text})
        else:
            messages[index]["content"] = text
        return new
    raise UserError(f"the completion of a {schema} example is edited in the focus view")


def completion_of(schema: str, data: dict[str, Any]) -> str:
    if schema == "completion":
        value = data.get("completion")
        return value if isinstance(value, str) else ("" if value is None else str(value))
    if schema == "chat":
        messages = data.get("messages")
        if isinstance(messages, list):
            index = _last_assistant(messages)
            if index is not None:
                return content_text(messages[index].get("content"))
    return ""


def with_label(schema: str, data: dict[str, Any], label: str) -> dict[str, Any]:
    """A copy of ``data`` relabelled: the completion's text replaced, its padding kept."""
    return with_completion(schema, data, _keep_padding(completion_of(schema, data), label))


@dataclass(frozen=True, slots=True)
class CellEdit:
    """One table row's edits as the data editor reports them: column -> new value."""

    example_id: int
    expected_version: int
    values: dict[str, Any]


def change_for_edit(schema: str, row: ExampleRow, edit: CellEdit) -> Change | None:
    """The store change for one edited table row, or None when it changes nothing."""
    allowed = EDITABLE_TEXT.get(schema, ()) + EDITABLE_ALWAYS
    data = row.data
    extra: dict[str, Any] = {}
    for column, value in edit.values.items():
        if column not in allowed:
            raise UserError(f"the column {column!r} cannot be edited in the table")
        text = "" if value is None else str(value)
        if column == "prompt":
            data = {**data, "prompt": text}
        elif column == "completion":
            data = with_completion(schema, data, text)
        elif column == "status":
            if text not in STATUSES:
                raise UserError(f"unknown status {text!r}; use one of {', '.join(STATUSES)}")
            extra["status"] = text
        elif column == "comment":
            extra["comment"] = text or None
    if data is not row.data:
        extra["data"] = data
    if not extra:
        return None
    return Change(example_id=edit.example_id, expected_version=edit.expected_version, **extra)


def edited_state(schema: str, state: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``state`` (data, status, comment, deleted) with one table row's edits applied."""
    new = dict(state)
    for column, value in values.items():
        text = "" if value is None else str(value)
        if column == "prompt":
            new["data"] = {**new["data"], "prompt": text}
        elif column == "completion":
            new["data"] = with_completion(schema, new["data"], text)
        elif column == "status":
            new["status"] = text
        elif column == "comment":
            new["comment"] = text or None
    return new
