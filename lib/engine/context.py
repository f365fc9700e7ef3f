"""Reading a prompt the way a base model reads it: instructions, demonstrations and the query.

A base model learns in context from what the request itself holds (see
:mod:`lib.engine.incontext`). This module only finds those parts:

- **Chat**: system and developer messages are the instructions; every user turn (or run of user
  turns) answered by an assistant turn is a demonstration ``(user text, assistant text)``; the
  user turns after the last assistant turn are the query.
- **Legacy completions**: a prompt that ends with one of the separators OpenAI's ``prepare_data``
  chooses (``" ->"``, ``"\\n\\n###\\n\\n"`` …) and holds it several times is a run of
  demonstrations ``prompt<sep>completion<ending>`` followed by the query ``prompt<sep>``. The
  ending is the request's first stop sequence that ends every demonstrated completion, else a
  newline; completions keep their leading space, as legacy data spells them.
- **Labels listed in the instructions**: a line whose text before a colon names them ("labels",
  "categories", "classes", "one of", "options", "choices", "answer with") followed by a list —
  comma/semicolon separated on the same line, up to the end of its sentence (``Answer with
  one of: World, Sports or Business. Reply with the label only.``) or one bullet per line below it. Read from the system and developer messages, else
  from the first paragraph of the first user message (or of a legacy prompt).

Instructions written in other words are not understood: the engine has no language knowledge,
and its model descriptions say so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lib.core.examples import content_text

# The separators OpenAI's legacy prepare_data chooses from (openai 0.28.1, validators.py).
LEGACY_SEPARATORS = (
    "\n\n###\n\n",
    "\n\n===\n\n",
    "\n\n---\n\n",
    "\n\n===>\n\n",
    "\n\n--->\n\n",
    "\n\n### =>\n\n",
    " ->",
)
_LIST_TRIGGER = re.compile(
    r"\b(labels?|categor(?:y|ies)|class(?:es)?|one of|options?|choices?|answer with)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"\.(?:\s|$)")  # a list on one line ends with its sentence
_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.+?)\s*$")
_QUOTES = "\"'`“”‘’"
_INSTRUCTION_ROLES = ("system", "developer")


@dataclass(frozen=True)
class Context:
    """What a base model can use: demonstrations ``(input, answer)``, the query, listed labels."""

    query: str
    demonstrations: list[tuple[str, str]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # listed in the instructions, as written
    answer_prefix: str = ""  # " " for legacy prompts: completions start with a space


def _clean_item(item: str) -> str:
    item = item.strip()
    item = re.sub(r"^(?:or|and)\s+", "", item, flags=re.IGNORECASE).strip()
    item = item.rstrip(".").strip().strip(_QUOTES).strip()
    return item


def _split_list(text: str) -> list[str]:
    parts = re.split(r"\s*[,;|]\s*", text.strip())
    if len(parts) == 1:
        parts = re.split(r"\s+or\s+", text.strip())
    elif len(parts) > 1:
        parts = parts[:-1] + re.split(r"\s+(?:or|and)\s+", parts[-1])
    return [p for p in (_clean_item(part) for part in parts) if p]


def listed_labels(text: str) -> tuple[list[str], int]:
    """The labels a text lists (see the module docstring) and where the list ends (0 if none)."""
    lines = text.splitlines(keepends=True)
    position = 0
    for index, line in enumerate(lines):
        position += len(line)
        head, colon, tail = line.partition(":")
        if not colon or not _LIST_TRIGGER.search(head):
            continue
        if tail.strip():
            items = _split_list(_SENTENCE_END.split(tail, maxsplit=1)[0])
            if len(items) >= 2:
                return list(dict.fromkeys(items)), position
            continue
        items, end = [], position
        for bullet_line in lines[index + 1 :]:
            match = _BULLET.match(bullet_line)
            if not match:
                if bullet_line.strip():
                    break
                if items:
                    break
                end += len(bullet_line)
                continue
            items.append(_clean_item(match.group(1)))
            end += len(bullet_line)
        items = [i for i in items if i]
        if len(items) >= 2:
            return list(dict.fromkeys(items)), end
    return [], 0


def _first_paragraph_labels(text: str) -> tuple[list[str], str]:
    """Labels listed in ``text``'s first paragraph, and the text after that paragraph."""
    first, blank, rest = text.partition("\n\n")
    labels, end = listed_labels(first)
    if not labels:
        return [], text
    return labels, (rest if blank else first[end:]).lstrip("\n")


def _reply_text(message: dict[str, Any]) -> str:
    return content_text(message.get("content"))


def from_messages(messages: Sequence[dict[str, Any]]) -> Context | None:
    """The context of a chat request, or None when it holds no user turn to answer."""
    instructions: list[str] = []
    demonstrations: list[tuple[str, str]] = []
    pending: list[str] = []
    for message in messages:
        role = message.get("role")
        text = content_text(message.get("content"))
        if role in _INSTRUCTION_ROLES:
            instructions.append(text)
        elif role == "user":
            pending.append(text)
        elif role == "assistant":
            if pending:
                demonstrations.append(("\n".join(pending), _reply_text(message)))
            pending = []
    if not pending:
        return None
    labels, _ = listed_labels("\n".join(instructions))
    user_turns = [d[0] for d in demonstrations] + ["\n".join(pending)]
    if not labels:
        labels, first = _first_paragraph_labels(user_turns[0])
        if labels:  # the instructions head the first user turn: it is not part of the example
            user_turns[0] = first
    demos = [(text, answer) for text, (_, answer) in zip(user_turns, demonstrations, strict=False)]
    return Context(query=user_turns[-1], demonstrations=demos, labels=labels)


def _legacy_ending(chunks: Sequence[str], stops: Sequence[str]) -> str | None:
    for ending in [*stops, "\n"]:
        if ending and all(ending in chunk for chunk in chunks):
            return ending
    return None


def from_prompt(prompt: str, stops: Sequence[str] = ()) -> Context:
    """The context of a legacy completions prompt (see the module docstring)."""
    separator = next((s for s in LEGACY_SEPARATORS if prompt.endswith(s)), None)
    chunks = prompt.split(separator)[:-1] if separator else [prompt]
    ending = _legacy_ending(chunks[1:], stops) if len(chunks) > 1 else None
    if len(chunks) > 1 and ending is None:
        chunks = [separator.join(chunks)] if separator else chunks
    labels, first = _first_paragraph_labels(chunks[0])
    inputs, answers = [first], []
    for chunk in chunks[1:]:
        assert ending is not None
        answer, _, following = chunk.partition(ending)
        answers.append(answer)
        inputs.append(following.lstrip("\n"))
    return Context(
        query=inputs[-1],
        demonstrations=list(zip(inputs[:-1], answers, strict=True)),
        labels=labels,
        answer_prefix=" ",
    )
