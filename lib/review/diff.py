"""Readable diffs between two states of an example (revision before/after).

Reviewers are not programmers: the diff is per field, over text lines — prompt and completion
as written, chat messages as "role: content" lines with tool calls as indented JSON — rather
than over the raw JSON, where one changed word shows up as a changed 2 kB line.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from lib.core.examples import content_text


@dataclass(frozen=True, slots=True)
class FieldDiff:
    field: str
    lines: tuple[str, ...]  # unified diff lines (without the ---/+++ header)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def messages_text(messages: Any) -> str:
    """Chat messages as readable lines (one block per message, tool calls as JSON)."""
    if not isinstance(messages, list):
        return json.dumps(messages, ensure_ascii=False, indent=2)
    blocks = []
    for index, message in enumerate(messages, start=1):
        if not isinstance(message, dict):
            blocks.append(f"[{index}] {json.dumps(message, ensure_ascii=False)}")
            continue
        block = [f"[{index}] {message.get('role', '?')}:"]
        block.extend("    " + line for line in content_text(message.get("content")).splitlines())
        for key, value in message.items():
            if key in ("role", "content"):
                continue
            rendered = json.dumps(value, ensure_ascii=False, indent=2)
            block.append(f"    {key}:")
            block.extend("      " + line for line in rendered.splitlines())
        blocks.append("\n".join(block))
    return "\n".join(blocks)


def field_texts(state: dict[str, Any] | None) -> dict[str, str]:
    """Every reviewable field of a state as text, in a stable order."""
    if not state:
        return {}
    out: dict[str, str] = {}
    data = state.get("data") or {}
    for key, value in data.items():
        if isinstance(value, str):
            out[key] = value
        elif key == "messages":
            out[key] = messages_text(value)
        elif key == "input" and isinstance(value, dict) and "messages" in value:
            out["input.messages"] = messages_text(value["messages"])
        elif key in ("preferred_output", "non_preferred_output"):
            out[key] = messages_text(value)
        else:
            out[key] = json.dumps(value, ensure_ascii=False, indent=2)
    out["status"] = str(state.get("status") or "")
    out["comment"] = str(state.get("comment") or "")
    if state.get("deleted"):
        out["deleted"] = "yes"
    return out


def state_diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldDiff]:
    """Per-field unified diffs from ``before`` to ``after``; unchanged fields are left out."""
    old, new = field_texts(before), field_texts(after)
    diffs = []
    for name in list(dict.fromkeys([*old, *new])):
        a, b = old.get(name, ""), new.get(name, "")
        if a == b:
            continue
        lines = difflib.unified_diff(
            a.splitlines(), b.splitlines(), lineterm="", n=2, fromfile="before", tofile="after"
        )
        body = [line for line in lines if not line.startswith(("---", "+++"))]
        diffs.append(FieldDiff(name, tuple(body)))
    return diffs
