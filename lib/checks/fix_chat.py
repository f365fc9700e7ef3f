"""Fix plans for chat and preference data, and format conversion (via ``lib.core.convert``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from lib.checks.base import Edit
from lib.checks.fix_plans import _set
from lib.checks.view import View
from lib.core.errors import UserError

DEFAULT_SYSTEM_MESSAGE = "You are a helpful assistant."


def drop_invalid(view: View) -> list[Edit]:
    """Remove examples a job would refuse (format errors)."""
    from lib.checks.chat import example_problems, preference_problems

    problems = example_problems if view.schema == "chat" else preference_problems
    return [Edit(i, drop=True) for i, d in enumerate(view.datas) if next(problems(d), None)]


def most_common_system_message(view: View) -> str | None:
    counts: Counter[str] = Counter()
    for data in view.datas:
        messages = data.get("messages") if isinstance(data, dict) else None
        for message in messages if isinstance(messages, list) else []:
            if isinstance(message, dict) and message.get("role") == "system":
                if isinstance(message.get("content"), str) and message["content"].strip():
                    counts[message["content"]] += 1
                break
    return counts.most_common(1)[0][0] if counts else None


def add_system_message(view: View, *, text: str | None = None) -> list[Edit]:
    """Give examples without one a system message: ``text``, else the dataset's most common."""
    if text is None:
        text = most_common_system_message(view) or DEFAULT_SYSTEM_MESSAGE
    if not text.strip():
        raise UserError("write the system message to add first")
    edits = []
    for index, data in enumerate(view.datas):
        messages = data.get("messages") if isinstance(data, dict) else None
        if not isinstance(messages, list):
            continue
        if any(isinstance(m, dict) and m.get("role") in ("system", "developer") for m in messages):
            continue
        edits.append(
            Edit(index, _set(data, messages=[{"role": "system", "content": text}, *messages]))
        )
    return edits


def _convert_all(view: View, one: Callable[[dict[str, Any]], dict[str, Any]]) -> list[Edit]:
    from lib.core.convert import ConversionError

    edits = []
    for index, data in enumerate(view.datas):
        try:
            edits.append(Edit(index, one(data)))
        except ConversionError as exc:
            raise UserError(
                f"row {view.source_rows[index]} cannot be converted: {exc}; nothing was changed"
            ) from exc
    return edits


def convert_to_chat(view: View, *, system: str | None = None) -> list[Edit]:
    from lib.core.convert import completion_to_chat, detect_ending, detect_separator

    separator = detect_separator(view.prompts)
    ending = detect_ending(view.completions)
    return _convert_all(
        view,
        lambda d: completion_to_chat(
            d, system=system, separator=separator, ending=ending, keep_unknown=True
        ),
    )


def convert_to_completion(view: View) -> list[Edit]:
    from lib.core.convert import chat_to_completion

    return _convert_all(view, lambda d: chat_to_completion(d, keep_unknown=True))
