"""Chat and preference (DPO) format checks: the cookbook's chat checks without its bugs.

Accepted as valid (the cookbook flagged or crashed on them): assistant messages with
``tool_calls`` (or ``function_call``) and no content, ``tool`` and ``developer`` roles, ``tools``
and ``parallel_tool_calls``, ``weight`` 0 or 1, content given as a list of parts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeGuard

from lib.checks.base import Check, Finding, agree, n_examples, rows_text
from lib.checks.view import View

ROLES = frozenset({"system", "user", "assistant", "tool", "function", "developer"})
MESSAGE_KEYS = frozenset(
    {"role", "content", "name", "function_call", "tool_calls", "tool_call_id", "weight", "refusal"}
)
_PLAIN_KEYS = frozenset({"role", "content", "name"})
CHAT = ("chat",)
PREFERENCE = ("preference",)


def _is_call_only(message: dict[str, Any]) -> bool:
    return message.get("role") == "assistant" and bool(
        message.get("tool_calls") or message.get("function_call")
    )


def _valid_content(content: Any) -> bool:
    if isinstance(content, str):
        return True
    if isinstance(content, list):
        return all(isinstance(part, dict) and isinstance(part.get("type"), str) for part in content)
    return False


def message_problems(message: Any) -> Iterator[tuple[str, str]]:
    """(check name, reason) for each format problem of one message."""
    if not isinstance(message, dict):
        yield "data_type", f"a message is a {type(message).__name__}, not an object"
        return
    if "role" not in message:
        yield "message_missing_key", "a message has no `role`"
    elif message["role"] not in ROLES:
        yield "unrecognized_role", f"unknown role {str(message['role'])[:40]!r}"
    unknown = sorted(str(k) for k in message if k not in MESSAGE_KEYS)
    if unknown:
        yield "message_unrecognized_key", f"unknown message key(s) {', '.join(unknown)}"
    content = message.get("content")
    if content is None:
        if not _is_call_only(message) and not message.get("refusal"):
            if "content" not in message:
                yield "message_missing_key", "a message has no `content`"
            else:
                yield "missing_content", "a message's content is null"
    elif not _valid_content(content):
        yield "missing_content", f"content is a {type(content).__name__}, not text or parts"
    if "weight" in message:
        weight = message["weight"]
        if isinstance(weight, bool) or not isinstance(weight, int) or weight not in (0, 1):
            yield "invalid_weight", f"weight {str(weight)[:20]!r} is not 0 or 1"
        elif message.get("role") != "assistant":
            yield "invalid_weight", "weight is only allowed on assistant messages"


def example_problems(data: Any) -> Iterator[tuple[str, str]]:
    """(check name, reason) for each format problem of one chat example."""
    if not isinstance(data, dict):
        yield "data_type", f"the example is a {type(data).__name__}, not an object"
        return
    messages = data.get("messages")
    if not isinstance(messages, list) or not messages:
        yield "missing_messages_list", "no `messages` list"
        return
    has_assistant = False
    for message in messages:
        if isinstance(message, dict):
            role = message.get("role")
            if role == "assistant":
                has_assistant = True
            if (
                type(message) is dict
                and message.keys() <= _PLAIN_KEYS
                and type(message.get("content")) is str
                and role in ROLES
            ):
                continue  # the common case, decided without the generator (100k+ rows)
        yield from message_problems(message)
    if not has_assistant:
        yield "example_missing_assistant_message", "no assistant message"
    tools = data.get("tools")
    if tools is not None and not (
        isinstance(tools, list) and all(isinstance(t, dict) for t in tools)
    ):
        yield "invalid_tools", "`tools` is not a list of tool definitions"
    parallel = data.get("parallel_tool_calls")
    if parallel is not None and not isinstance(parallel, bool):
        yield "invalid_tools", "`parallel_tool_calls` is not true or false"


FORMAT_TEXT = {
    "data_type": "are not JSON objects",
    "missing_messages_list": "have no `messages` list",
    "message_missing_key": "have a message without `role` or `content`",
    "message_unrecognized_key": "have a message key OpenAI does not accept",
    "unrecognized_role": "have a role other than system, developer, user, assistant, tool, function",
    "missing_content": "have a message whose content is missing or not text",
    "example_missing_assistant_message": "have no assistant message to learn from",
    "invalid_weight": "have a `weight` other than 0 or 1 (or on a non-assistant message)",
    "invalid_tools": "have malformed `tools` or `parallel_tool_calls`",
    "preference_input": "have no valid `input.messages`",
    "preference_output": "do not have exactly one assistant message in each output",
    "preference_same_outputs": "prefer an answer identical to the rejected one",
}


_SINGULAR = (("have ", "has "), ("are ", "is "), ("do not ", "does not "), ("prefer ", "prefers "))


def format_text(name: str, count: int) -> str:
    """What ``count`` examples with problem ``name`` do, with the verb agreeing (1 example has)."""
    text = FORMAT_TEXT.get(name, name)
    if count == 1:
        for plural, singular in _SINGULAR:
            if text.startswith(plural):
                return singular + text[len(plural) :]
    return text


class FormatErrors(Check):
    """All format errors of one family, grouped by check name (one finding per name)."""

    name = "chat_format"
    severity = "error"
    schemas = CHAT
    fix = "drop_invalid"

    def problems(self, data: Any) -> Iterator[tuple[str, str]]:
        return example_problems(data)

    def each(self, view: View) -> Iterator[tuple[int, list[tuple[str, str]]]]:
        """(index, problems) of the examples with problems, in order (a scanned chat file has
        them listed already)."""
        if view.facts is not None and self.schemas == CHAT:
            yield from sorted(view.facts.problems.items())
            return
        for index, data in enumerate(view.datas):
            found = list(self.problems(data))
            if found:
                yield index, found

    def find(self, view: View) -> list[Finding]:
        groups: dict[str, tuple[list[int], dict[str, int]]] = {}
        for index, problems in self.each(view):
            for name, reason in problems:
                indexes, reasons = groups.setdefault(name, ([], {}))
                if not indexes or indexes[-1] != index:
                    indexes.append(index)
                reasons[reason] = reasons.get(reason, 0) + 1
        found = []
        for name, (indexes, reasons) in groups.items():
            sample = "; ".join(list(reasons)[:3])
            found.append(
                Finding(
                    check=name,
                    severity="error",
                    message=f"{n_examples(len(indexes))} {format_text(name, len(indexes))} "
                    f"({rows_text(view.rows_of(indexes))}): {sample}. A job would refuse the file.",
                    rows=view.rows_of(indexes),
                    example_ids=view.ids_of(indexes),
                    details={"reasons": reasons},
                    indexes=indexes,
                    fix=self.fix,
                )
            )
        return found


class MissingRole(Check):
    severity = "warning"
    schemas = CHAT

    def __init__(self, role: str, *, accept: tuple[str, ...] = ()) -> None:
        self.role = role
        self.accept = (role, *accept)

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"no_{self.role}_message"

    @property
    def fix(self) -> str | None:  # type: ignore[override]
        return "add_system_message" if self.role == "system" else None

    def find(self, view: View) -> list[Finding]:
        indexes = view.lacking_roles(frozenset(self.accept))
        if not indexes:
            return []
        why = (
            "Training with the system message you will use with the fine-tuned model helps; the "
            "fix adds one."
            if self.role == "system"
            else "The model learns replies without a request to answer."
        )
        return [
            self.finding(
                view,
                f"{n_examples(len(indexes))} {agree(len(indexes), 'have')} no {self.role} message "
                f"({rows_text(view.rows_of(indexes))}). {why}",
                indexes=indexes,
            )
        ]


def _assistant_only(output: Any) -> TypeGuard[list[dict[str, Any]]]:
    return (
        isinstance(output, list)
        and len(output) == 1
        and isinstance(output[0], dict)
        and output[0].get("role") == "assistant"
    )


def preference_problems(data: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(data, dict):
        yield "data_type", f"the example is a {type(data).__name__}, not an object"
        return
    source = data.get("input")
    messages = source.get("messages") if isinstance(source, dict) else None
    if not isinstance(messages, list) or not messages:
        yield "preference_input", "no `input.messages` list"
    else:
        for message in messages:
            yield from message_problems(message)
    outputs = []
    for key in ("preferred_output", "non_preferred_output"):
        output = data.get(key)
        if not _assistant_only(output):
            yield "preference_output", f"`{key}` is not one assistant message"
        else:
            yield from message_problems(output[0])
            outputs.append(output[0])
    if len(outputs) == 2:
        first, second = ({k: v for k, v in o.items() if k != "weight"} for o in outputs)
        if first == second:
            yield "preference_same_outputs", "preferred and non-preferred outputs are the same"


class PreferenceFormat(FormatErrors):
    name = "preference_format"
    schemas = PREFERENCE

    def problems(self, data: Any) -> Iterator[tuple[str, str]]:
        return preference_problems(data)


CHECKS: list[Check] = [
    FormatErrors(),
    MissingRole("system", accept=("developer",)),
    MissingRole("user"),
    PreferenceFormat(),
]
