"""Converting one example between schemas: prompt/completion ↔ chat ↔ preference (DPO).

Why here and pure: the "convert" fix, the export writers and the command line all need the
same mapping, and a conversion that silently differs between the app and an exported file
would train a different model than the one reviewed. Every function takes an example's JSON
object and returns a new one; nothing is changed in place.

The legacy prompt/completion form carries markers that only existed to help old completion
models: a separator at the end of the prompt (`` ->``, ``\\n\\n###\\n\\n`` …), a leading space
on the completion and an ending (``\\n``, `` END`` …). Going to chat strips them when the
caller names them (``detect_separator`` / ``detect_ending`` find the ones a whole dataset uses);
going back adds them.

A conversion that cannot be done faithfully (a chat whose answer is a tool call, a
prompt/completion row turned into a DPO pair without a rejected answer) raises
``ConversionError`` with the reason; callers add the row number.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from lib.core.errors import UserError
from lib.core.examples import KNOWN_KEYS, content_text

# prepare_data's candidates, in its order (design.md §7).
SEPARATOR_CANDIDATES: tuple[str, ...] = (
    " ->",
    "\n\n###\n\n",
    "\n\n===\n\n",
    "\n\n---\n\n",
    "\n\n===>\n\n",
    "\n\n--->\n\n",
)
FALLBACK_SEPARATOR = "\n\n### =>\n\n"
ENDING_CANDIDATES: tuple[str, ...] = ("\n", ".", " END", "***", "+++", "&&&", "$$$", "@@@", "%%%")
FALLBACK_ENDING = " [END]"

# What chat → prompt/completion puts between the prompt and the completion by default.
DEFAULT_SEPARATOR = "\n\n###\n\n"
DEFAULT_ENDING = "\n"
# Turns of a conversation are joined with a blank line when rendered into one prompt.
TURN_JOINER = "\n\n"


class ConversionError(UserError):
    """An example that cannot be converted faithfully; the message says why."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _extra(data: dict[str, Any], schema: str, *, keep_unknown: bool) -> dict[str, Any]:
    """Top-level keys the source schema does not know (kept only when asked)."""
    if not keep_unknown:
        return {}
    known = KNOWN_KEYS.get(schema, frozenset())
    return {key: value for key, value in data.items() if key not in known}


def _messages(data: dict[str, Any], key: str = "messages") -> list[dict[str, Any]]:
    messages = data.get(key)
    if not isinstance(messages, list) or not messages:
        raise ConversionError(f"the example has no '{key}' list")
    for index, message in enumerate(messages, 1):
        if not isinstance(message, dict):
            raise ConversionError(f"message {index} is not an object")
    return messages


def _last_assistant(messages: list[dict[str, Any]]) -> int:
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") == "assistant":
            return index
    raise ConversionError("the conversation has no assistant message to use as the completion")


class SuffixVote:
    """Which candidate suffix every non-empty text seen so far ends with (one pass, any size)."""

    def __init__(self, candidates: tuple[str, ...]) -> None:
        self.remaining = list(candidates)
        self.seen = False

    def add(self, text: str) -> None:
        if text and self.remaining:
            self.seen = True
            self.remaining = [c for c in self.remaining if text.endswith(c)]

    @property
    def winner(self) -> str | None:
        # The longest candidate that fits all ("\n\n###\n\n" rather than its "\n" tail).
        return max(self.remaining, key=len) if self.seen and self.remaining else None


def separator_vote() -> SuffixVote:
    return SuffixVote((*SEPARATOR_CANDIDATES, FALLBACK_SEPARATOR))


def ending_vote() -> SuffixVote:
    return SuffixVote((*ENDING_CANDIDATES, FALLBACK_ENDING))


def detect_separator(prompts: Iterable[str]) -> str | None:
    """The legacy separator every non-empty prompt ends with, or None."""
    vote = separator_vote()
    for text in prompts:
        vote.add(text)
    return vote.winner


def detect_ending(completions: Iterable[str]) -> str | None:
    """The legacy ending every non-empty completion ends with, or None."""
    vote = ending_vote()
    for text in completions:
        vote.add(text)
    return vote.winner


def completion_to_chat(
    data: dict[str, Any],
    *,
    system: str | None = None,
    separator: str | None = None,
    ending: str | None = None,
    strip_leading_space: bool = True,
    keep_unknown: bool = False,
) -> dict[str, Any]:
    """``{"prompt", "completion"}`` → ``{"messages": [system?, user, assistant]}``.

    The prompt becomes the user turn (without ``separator`` at its end), the completion the
    assistant turn (without one leading space and without ``ending`` at its end).
    """
    prompt = _text(data.get("prompt"))
    completion = _text(data.get("completion"))
    if separator and prompt.endswith(separator):
        prompt = prompt[: -len(separator)]
    if strip_leading_space and completion.startswith(" "):
        completion = completion[1:]
    if ending and completion.endswith(ending):
        completion = completion[: -len(ending)]
    messages: list[dict[str, Any]] = []
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": prompt})
    messages.append({"role": "assistant", "content": completion})
    return {"messages": messages, **_extra(data, "completion", keep_unknown=keep_unknown)}


def _render_prompt(turns: list[dict[str, Any]]) -> str:
    """System and user turns as plain text; with earlier assistant turns, each names its role."""
    roles = {message.get("role") for message in turns}
    if "assistant" not in roles and "tool" not in roles:
        return TURN_JOINER.join(content_text(m.get("content")) for m in turns)
    lines = []
    for message in turns:
        role = str(message.get("role", "user"))
        text = content_text(message.get("content"))
        if not text and message.get("tool_calls"):
            text = json.dumps(message["tool_calls"], ensure_ascii=False)
        lines.append(f"{role.capitalize()}: {text}")
    return TURN_JOINER.join(lines)


def chat_to_completion(
    data: dict[str, Any],
    *,
    separator: str = DEFAULT_SEPARATOR,
    ending: str = DEFAULT_ENDING,
    leading_space: bool = True,
    keep_unknown: bool = False,
) -> dict[str, Any]:
    """``{"messages": [...]}`` → ``{"prompt", "completion"}`` in the legacy style.

    Every turn before the last assistant message becomes the prompt (plain text for system and
    user turns; ``Role: text`` lines when the conversation has earlier answers), followed by
    ``separator``; the last assistant message becomes the completion with a leading space and
    ``ending``. Messages after the last assistant message would be lost, so they are refused.
    """
    messages = _messages(data)
    last = _last_assistant(messages)
    if last != len(messages) - 1:
        raise ConversionError(
            "the conversation continues after its last assistant message; "
            "a prompt/completion row can only hold what comes before one answer"
        )
    answer = messages[last]
    text = content_text(answer.get("content"))
    if not text and answer.get("tool_calls"):
        raise ConversionError(
            "the assistant answers with a tool call; prompt/completion rows cannot hold tool calls"
        )
    prompt = _render_prompt(messages[:last]) + separator
    completion = (" " if leading_space and not text.startswith(" ") else "") + text + ending
    return {
        "prompt": prompt,
        "completion": completion,
        **_extra(data, "chat", keep_unknown=keep_unknown),
    }


def preference_to_chat(data: dict[str, Any], *, keep_unknown: bool = False) -> dict[str, Any]:
    """A DPO row → the chat example it prefers (input messages + the preferred answer)."""
    source = data.get("input")
    if not isinstance(source, dict):
        raise ConversionError("the example has no 'input' object")
    messages = _messages(source)
    preferred = _messages(data, "preferred_output")
    result: dict[str, Any] = {"messages": [*messages, preferred[0]]}
    for key in ("tools", "parallel_tool_calls"):
        if key in source:
            result[key] = source[key]
    return {**result, **_extra(data, "preference", keep_unknown=keep_unknown)}


def chat_to_preference(
    data: dict[str, Any],
    *,
    non_preferred: str | dict[str, Any],
    keep_unknown: bool = False,
) -> dict[str, Any]:
    """A chat example + a worse answer → a DPO row (the chat's last answer is preferred)."""
    messages = _messages(data)
    last = _last_assistant(messages)
    if last != len(messages) - 1:
        raise ConversionError("the conversation must end with the assistant answer to prefer")
    rejected = (
        non_preferred
        if isinstance(non_preferred, dict)
        else {"role": "assistant", "content": non_preferred}
    )
    source: dict[str, Any] = {"messages": messages[:last]}
    for key in ("tools", "parallel_tool_calls"):
        if key in data:
            source[key] = data[key]
    return {
        "input": source,
        "preferred_output": [messages[last]],
        "non_preferred_output": [rejected],
        **_extra(data, "chat", keep_unknown=keep_unknown),
    }


def convert(
    data: dict[str, Any],
    *,
    source: str,
    target: str,
    system: str | None = None,
    separator: str | None = None,
    ending: str | None = None,
    keep_unknown: bool = False,
) -> dict[str, Any]:
    """Convert between any two schemas where that makes sense.

    ``separator`` / ``ending``: stripped when going from prompt/completion, added (defaults
    ``DEFAULT_SEPARATOR`` / ``DEFAULT_ENDING``) when going to it. ``system`` is added as a
    system message when going from prompt/completion to chat. Anything → preference needs a
    rejected answer and is refused here (use ``chat_to_preference``).
    """
    if source == target:
        return dict(data)
    if target == "preference":
        raise ConversionError(
            "a preference (DPO) example needs a rejected answer as well as the preferred one; "
            "it cannot be made from a single answer"
        )
    if source == "completion" and target == "chat":
        return completion_to_chat(
            data, system=system, separator=separator, ending=ending, keep_unknown=keep_unknown
        )
    if source == "chat" and target == "completion":
        return chat_to_completion(
            data,
            separator=DEFAULT_SEPARATOR if separator is None else separator,
            ending=DEFAULT_ENDING if ending is None else ending,
            keep_unknown=keep_unknown,
        )
    if source == "preference" and target == "chat":
        return preference_to_chat(data, keep_unknown=keep_unknown)
    if source == "preference" and target == "completion":
        return convert(
            preference_to_chat(data),
            source="chat",
            target="completion",
            separator=separator,
            ending=ending,
        )
    raise ConversionError(f"cannot convert {source} examples to {target}")
