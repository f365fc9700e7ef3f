"""Reading training files the way OpenAI validates them, and deciding what kind of task they hold.

A training file is JSONL: either chat rows (``{"messages": [...]}``) or legacy rows
(``{"prompt": ..., "completion": ...}``). Problems are reported like OpenAI reports them — the
job fails with a code and a message that names the line — so users meet the same errors here
as on their real provider.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lib.core.examples import content_text

MIN_EXAMPLES = 10
_ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
_INPUT_ROLES = {"system", "developer", "user"}


class DataError(Exception):
    """A training file OpenAI would refuse; ``line`` is 1-based, or None for the whole file."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        where = f"Line {line}: " if line is not None else ""
        super().__init__(f"{where}{message}")


@dataclass
class TrainingData:
    """Model inputs and target outputs, one pair per example, plus the file's format."""

    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # the preferred output for DPO data
    rejected: list[str] = field(default_factory=list)  # DPO only: the non-preferred output
    format: str = "chat"  # or "completion", "preference"


def chat_input_text(messages: Sequence[dict[str, Any]]) -> str:
    """The text a model reads from a conversation: its system, developer and user messages.

    Training (all messages before the final assistant reply) and inference (the request's
    messages) both go through this function, so they see the same text.
    """
    parts = []
    for m in messages:
        if isinstance(m, dict) and m.get("role") in _INPUT_ROLES:
            content = m.get("content")
            # Plain strings (nearly every message) skip content_text: training files are big.
            part = content if type(content) is str else content_text(content)
            if part:
                parts.append(part)
    return "\n".join(parts)


def _check_messages(messages: Any, line: int) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise DataError('Key "messages" must be a non-empty list of messages.', line=line)
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise DataError(f"Message {index} must be an object.", line=line)
        role = message.get("role")
        if type(message.get("content")) is str and role in _ROLES:
            continue  # the common case, valid whatever else the message holds
        if role not in _ROLES:
            raise DataError(f"Message {index} has an unrecognized role: {role!r}.", line=line)
        has_calls = bool(message.get("tool_calls") or message.get("function_call"))
        content = message.get("content")
        if content is None and not has_calls:
            raise DataError(f'Message {index} is missing key "content".', line=line)
        if content is not None and not isinstance(content, (str, list)):
            raise DataError(f'Message {index} has "content" that is not text.', line=line)
    return messages


def _reply_text(message: dict[str, Any]) -> str:
    """An assistant reply as the model learns it: its text, or its tool calls as JSON."""
    target = content_text(message.get("content"))
    if not target and message.get("tool_calls"):
        target = json.dumps(message["tool_calls"], sort_keys=True)
    return target


def _chat_row(row: dict[str, Any], line: int) -> tuple[str, str]:
    messages = _check_messages(row.get("messages"), line)
    last_assistant = next(
        (i for i in range(len(messages) - 1, -1, -1) if messages[i].get("role") == "assistant"),
        None,
    )
    if last_assistant is None:
        raise DataError("Example has no assistant message.", line=line)
    return chat_input_text(messages[:last_assistant]), _reply_text(messages[last_assistant])


def _preference_row(row: dict[str, Any], line: int) -> tuple[str, str, str]:
    """A DPO row: ``input.messages``, ``preferred_output`` and ``non_preferred_output``."""
    source = row.get("input")
    if not isinstance(source, dict):
        raise DataError('Key "input" must be an object with a "messages" list.', line=line)
    messages = _check_messages(source.get("messages"), line)
    replies = []
    for key in ("preferred_output", "non_preferred_output"):
        value = row.get(key)
        if (
            not isinstance(value, list)
            or not value
            or not isinstance(value[-1], dict)
            or value[-1].get("role") != "assistant"
        ):
            raise DataError(
                f'Key "{key}" must be a list ending with an assistant message.', line=line
            )
        replies.append(_reply_text(value[-1]))
    return chat_input_text(messages), replies[0], replies[1]


def _row_format(row: dict[str, Any]) -> str | None:
    if "messages" in row:
        return "chat"
    if "preferred_output" in row or "input" in row:
        return "preference"
    return "completion" if "prompt" in row else None


def _completion_row(row: dict[str, Any], line: int) -> tuple[str, str]:
    prompt, completion = row.get("prompt"), row.get("completion")
    if not isinstance(prompt, str):
        raise DataError('Key "prompt" must be a string.', line=line)
    if not isinstance(completion, str):
        raise DataError('Key "completion" must be a string.', line=line)
    if not completion:
        raise DataError('Key "completion" is empty.', line=line)
    return prompt, completion


def parse_training_text(
    text: str, *, min_examples: int = MIN_EXAMPLES, method: str = "supervised"
) -> TrainingData:
    """Parse a JSONL training file's text, raising :class:`DataError` at the first problem.

    ``method`` "dpo" expects preference rows; "supervised" chat or prompt/completion rows.
    """
    data = TrainingData()
    fmt: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"Invalid JSON ({exc.msg} at column {exc.colno}).", line=number
            ) from None
        if not isinstance(row, dict):
            raise DataError("Each line must be a JSON object.", line=number)
        row_fmt = _row_format(row)
        if row_fmt is None:
            raise DataError(
                'Expected key "messages" (chat), "prompt" and "completion", or "input" and '
                '"preferred_output" (preference).',
                line=number,
            )
        if fmt is None:
            fmt = row_fmt
        elif row_fmt != fmt:
            raise DataError(
                f"Mixed formats: this line is {row_fmt} data, earlier lines are {fmt} data.",
                line=number,
            )
        if fmt == "preference" and method != "dpo" or fmt != "preference" and method == "dpo":
            wanted = "preference data" if method == "dpo" else "chat or prompt/completion data"
            raise DataError(f"A {method} job needs {wanted}; this line is {fmt} data.", line=number)
        if fmt == "preference":
            source, target, rejected = _preference_row(row, number)
            data.rejected.append(rejected)
        elif fmt == "chat":
            source, target = _chat_row(row, number)
        else:
            source, target = _completion_row(row, number)
        data.inputs.append(source)
        data.outputs.append(target)
    data.format = fmt or "chat"
    if len(data.inputs) < min_examples:
        raise DataError(
            f"Training file has {len(data.inputs)} example(s), but must have at least "
            f"{min_examples} examples."
        )
    return data


def parse_training_file(
    path: Path, *, min_examples: int = MIN_EXAMPLES, method: str = "supervised"
) -> TrainingData:
    """Read and parse a stored training file (UTF-8, a BOM tolerated)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"File is not valid UTF-8 (byte {exc.start}).") from None
    return parse_training_text(text, min_examples=min_examples, method=method)
