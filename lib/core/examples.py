"""The example model shared by readers, the store, checks, review and exports.

An example is kept as the JSON object the user's file held (``data``), unknown keys included, so
nothing a user imported is dropped. The store also keeps a few extracted fields (prompt,
completion, label) so that filters and label counts are plain SQL.

Schemas:
- ``completion``: ``{"prompt": str, "completion": str}`` (the legacy prompt/completion form)
- ``chat``: ``{"messages": [{"role", "content", ...}], "tools"?, "parallel_tool_calls"?}``
- ``preference``: ``{"input": {"messages": [...]}, "preferred_output": [...],
  "non_preferred_output": [...]}`` (DPO)
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Schema = Literal["completion", "chat", "preference"]
SCHEMAS: tuple[Schema, ...] = ("completion", "chat", "preference")
SCHEMA_LABELS = {
    "completion": "prompt/completion",
    "chat": "chat",
    "preference": "preference (DPO)",
}

# Keys each schema knows; anything else is kept with the example and reported as unknown.
KNOWN_KEYS: dict[str, frozenset[str]] = {
    "completion": frozenset({"prompt", "completion"}),
    "chat": frozenset({"messages", "tools", "parallel_tool_calls", "functions"}),
    "preference": frozenset({"input", "preferred_output", "non_preferred_output"}),
}


@dataclass(slots=True)
class Example:
    """One example as read from a file: its JSON object and where it came from."""

    data: dict[str, Any]
    source_row: int  # 1-based line (JSONL/TXT), spreadsheet row (CSV/TSV/XLSX) or element (JSON)
    unknown_keys: tuple[str, ...] = field(default=())
    # The compact JSON text of ``data`` when the reader already has it (JSONL lines): saves
    # re-serialising a million rows on import. Must satisfy json.loads(raw_json) == data.
    raw_json: str | None = None


@dataclass(slots=True, frozen=True)
class Extracted:
    """Plain-text fields the store indexes for filtering, searching and label counts."""

    prompt: str
    completion: str
    label: str | None


def content_text(content: Any) -> str:
    """Text of a message's content, whether a string or a list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, dict):
                if isinstance(part.get("text"), str):
                    texts.append(part["text"])
                elif isinstance(part.get("refusal"), str):
                    texts.append(part["refusal"])
            elif isinstance(part, str):
                texts.append(part)
        return "\n".join(texts)
    return json.dumps(content, ensure_ascii=False)


def _message_text(message: Any) -> str:
    if not isinstance(message, dict):
        return ""
    text = content_text(message.get("content"))
    calls = message.get("tool_calls")
    if not text and isinstance(calls, list) and calls:
        text = json.dumps(calls, ensure_ascii=False)
    return text


def _messages(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _split_chat(messages: list[Any]) -> tuple[str, str]:
    """Prompt = everything before the last assistant message; completion = that message."""
    last_assistant = None
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if isinstance(message, dict) and message.get("role") == "assistant":
            last_assistant = index
            break
    if last_assistant is None:
        return _render_turns(messages), ""
    return _render_turns(messages[:last_assistant]), _message_text(messages[last_assistant])


def _render_turns(messages: list[Any]) -> str:
    lines = []
    for message in messages:
        if isinstance(message, dict):
            lines.append(f"{message.get('role', '?')}: {_message_text(message)}")
    return "\n".join(lines)


def extract(schema: str, data: dict[str, Any]) -> Extracted:
    """The prompt, completion and label of an example, as text.

    The label is the completion without surrounding whitespace; whether a dataset is
    classification-like is decided over all labels (see ``is_classification``).
    """
    if schema == "completion":
        prompt = data.get("prompt")
        completion = data.get("completion")
        prompt_s = prompt if isinstance(prompt, str) else ("" if prompt is None else str(prompt))
        comp_s = (
            completion
            if isinstance(completion, str)
            else ("" if completion is None else str(completion))
        )
        return Extracted(prompt_s, comp_s, comp_s.strip() or None)
    if schema == "chat":
        prompt_s, comp_s = _split_chat(_messages(data.get("messages")))
        return Extracted(prompt_s, comp_s, comp_s.strip() or None)
    if schema == "preference":
        source = data.get("input")
        inner = source.get("messages") if isinstance(source, dict) else None
        prompt_s = _render_turns(_messages(inner))
        preferred = _messages(data.get("preferred_output"))
        comp_s = _message_text(preferred[0]) if preferred else ""
        return Extracted(prompt_s, comp_s, None)
    raise ValueError(f"unknown schema {schema!r}")


# A label is a few words ("Home & Kitchen", " 5", "billing_question"); answers of a sentence
# or more are free text even when they repeat.
MAX_LABEL_WORDS = 6


def is_classification(*, n_examples: int, labels: Collection[str]) -> bool:
    """Whether the distinct ``labels`` (stripped completions) of ``n_examples`` are classes.

    The one copy of the rule: the app (datasets, checks, snapshots, evaluation) and the built-in
    engine's trainer all ask it, so they never disagree on what a task is.

    prepare_data's rule — fewer unique completions than n/3 — plus one of ours: most of the
    distinct completions are short. A support bot's 48 canned answers over 240 conversations
    pass the n/3 rule, but they are sentences a model writes, not labels it picks; showing them
    as "48 labels" with a class-imbalance warning misleads.
    """
    n_labels = len(labels)
    if not (n_examples > 0 and 0 < n_labels < n_examples / 3):
        return False
    long = sum(1 for label in labels if len(label.split()) > MAX_LABEL_WORDS)
    return long * 2 <= n_labels


def labels_are_classification(labels: Sequence[str | None]) -> bool:
    """:func:`is_classification` over a list of completions (one per example)."""
    # Distinct values first (C speed): 200k completions are usually a few labels.
    distinct = {label.strip() for label in set(labels) if label and label.strip()}
    return is_classification(n_examples=len(labels), labels=distinct)


# The cookbook's default-epochs rule (OpenAI's "Data preparation and analysis for chat model
# fine-tuning"): 3 epochs, changed so that examples × epochs lands in 100..25,000, 1..25 epochs.
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


def default_epochs(n_examples: int) -> int:
    """Epochs for ``n_epochs="auto"``: the cookbook's rule, with its integer division.

    ``MIN_TARGET_EXAMPLES // n`` rounds *down* (31 examples → 100 // 31 = 3 epochs), as the
    cookbook's code does. The cost estimate and the built-in engine's trainer both call this, so
    an estimate bills the epochs a job will run.
    """
    if n_examples <= 0:
        raise ValueError("n_examples must be positive")
    epochs = TARGET_EPOCHS
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        epochs = min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    elif n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        epochs = max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return epochs


def unknown_keys(schema: str, data: dict[str, Any]) -> tuple[str, ...]:
    """Top-level keys the schema does not know (kept with the example, reported on import)."""
    known = KNOWN_KEYS.get(schema, frozenset())
    return tuple(key for key in data if key not in known)
