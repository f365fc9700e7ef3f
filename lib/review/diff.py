"""Readable diffs between two states of an example (revision before/after).

Reviewers are not programmers: the diff is per field — prompt and completion as written, chat
messages as "role: content" lines with tool calls as indented JSON — and word by word, shown
side by side: the old text with removed words marked ``[-like this-]`` and the new text with
added words marked ``{+like this+}`` (git's word-diff marks, plain text, no ``@@`` hunks), so one
changed word in a long paragraph is one mark, not two changed 2 kB lines.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from typing import Any

from lib.core.examples import content_text


@dataclass(frozen=True, slots=True)
class FieldDiff:
    field: str
    before: str  # the old text, removed words marked [-…-]
    after: str  # the new text, added words marked {+…+}

    @property
    def text(self) -> str:
        return f"{self.before}\n→\n{self.after}"


_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def word_diff(old: str, new: str) -> tuple[str, str]:
    """``old`` and ``new`` with the words that differ marked, for a side-by-side view."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    left: list[str] = []
    right: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            left.append(removed)
            right.append(added)
            continue
        if removed:
            left.append(f"[-{removed}-]")
        if added:
            right.append(f"{{+{added}+}}")
    return "".join(left), "".join(right)


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
    """Per-field word diffs from ``before`` to ``after``; unchanged fields are left out."""
    old, new = field_texts(before), field_texts(after)
    diffs = []
    for name in list(dict.fromkeys([*old, *new])):
        a, b = old.get(name, ""), new.get(name, "")
        if a == b:
            continue
        diffs.append(FieldDiff(name, *word_diff(a, b)))
    return diffs
