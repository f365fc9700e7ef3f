"""Column mapping: building example fields from a file's columns with ``{column}`` templates.

A mapping is ``{field: template}``, e.g. ``{"prompt": "{review_title}\\n\\n{review_body}",
"completion": " {stars}"}``. ``{{`` and ``}}`` are literal braces. The fields decide the
schema: ``prompt``/``completion`` make prompt/completion examples; ``system``/``user``/
``assistant`` make one-turn chat examples. Columns no template uses are kept with the example
as unknown keys (nothing imported is dropped silently); columns the user chose to leave out
(``drop``, e.g. the ``unnamed_1`` index column pandas writes) are the only ones not kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lib.core.errors import ReadError, UserError
from lib.core.examples import Schema
from lib.core.templates import split_template

COMPLETION_FIELDS = ("prompt", "completion")
CHAT_FIELDS = ("system", "user", "assistant")
FIELDS = COMPLETION_FIELDS + CHAT_FIELDS

# Column names (lower case) that obviously hold the input or the answer, best first.
PROMPT_COLUMNS = (
    "prompt",
    "question",
    "query",
    "input",
    "instruction",
    "text",
    "sentence",
    "review",
    "content",
    "document",
    "body",
    "message",
)
COMPLETION_COLUMNS = (
    "completion",
    "answer",
    "output",
    "response",
    "label",
    "category",
    "class",
    "stars",
    "rating",
    "score",
    "target",
    "intent",
    "sentiment",
)
# Pairs that together make the prompt: title + body-like column.
TITLE_COLUMNS = ("title", "review_title", "subject", "headline")
BODY_COLUMNS = ("description", "body", "review_body", "text", "content")


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: literal text and column placeholders, in order."""

    source: str
    parts: tuple[tuple[bool, str], ...]  # (is_placeholder, text-or-column)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(text for is_column, text in self.parts if is_column)

    def render(self, values: Mapping[str, Any]) -> str:
        out = []
        for is_column, text in self.parts:
            out.append(value_text(values.get(text)) if is_column else text)
        return "".join(out)


def value_text(value: Any) -> str:
    """A cell or JSON value as template text (JSON for lists/objects)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def parse_template(text: str, *, field: str) -> Template:
    """Split a template into literals and ``{column}`` placeholders; errors say what is wrong.

    Column names may hold spaces or punctuation (``{review title}``), so any non-empty text
    between braces names a column; whether it exists is checked against the file's columns.
    """

    def check_name(inner: str, position: str) -> str:
        if not inner.strip():
            raise UserError(f"the template for {field}, {position}: empty placeholder {{}}")
        return inner

    parts = split_template(text, label=f"the template for {field}", check_name=check_name)
    # Template keeps (is_placeholder, text) pairs.
    return Template(text, tuple((is_name, value) for value, is_name in parts))


def unescape(text: str) -> str:
    r"""Turn ``\n``, ``\t`` and ``\\`` typed on a command line or in a text box into characters."""
    out = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in "nt\\r":
                out.append({"n": "\n", "t": "\t", "\\": "\\", "r": "\r"}[nxt])
                i += 2
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def parse_cli_mapping(items: list[str]) -> dict[str, str]:
    """``["prompt={title}\\n\\n{body}", "completion= {stars}"]`` → a mapping (escapes decoded)."""
    mapping: dict[str, str] = {}
    for item in items:
        field, sep, template = item.partition("=")
        field = field.strip()
        if not sep or not field:
            raise UserError(
                f"--map wants FIELD=TEMPLATE, e.g. --map 'prompt={{text}}'; got {item!r}"
            )
        if field in mapping:
            raise UserError(f"--map gives {field} twice")
        mapping[field] = unescape(template)
    return mapping


@dataclass(frozen=True, slots=True)
class CompiledMapping:
    """A validated mapping ready to turn records into example data."""

    schema: Schema
    templates: dict[str, Template]
    used_columns: frozenset[str]
    dropped: frozenset[str] = frozenset()

    def as_dict(self) -> dict[str, str]:
        return {field: template.source for field, template in self.templates.items()}

    @property
    def dropped_list(self) -> list[str]:
        return sorted(self.dropped)

    def build(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The example's data: mapped fields, then every column no template used."""
        rendered = {field: t.render(values) for field, t in self.templates.items()}
        if self.schema == "chat":
            messages = [
                {"role": role, "content": rendered[role]}
                for role in CHAT_FIELDS
                if role in rendered
            ]
            data: dict[str, Any] = {"messages": messages}
        else:
            data = rendered
        for key, value in values.items():
            if key not in self.used_columns and key not in self.dropped:
                # A JSON record may hold a key the mapping writes (checked only on the first
                # record): keep it beside, never overwrite or drop it.
                data[f"{key} (column)" if key in data else key] = value
        return data


def compile_mapping(
    mapping: Mapping[str, str],
    *,
    columns: tuple[str, ...] | None,
    file_name: str,
    drop: Sequence[str] = (),
) -> CompiledMapping:
    """Check a mapping's fields and placeholders (and the columns to leave out) against the
    file's columns."""
    if not mapping:
        raise UserError("the column mapping is empty")
    unknown = [field for field in mapping if field not in FIELDS]
    if unknown:
        raise UserError(
            f"unknown field {unknown[0]!r} in the mapping; map prompt and completion "
            "(or system, user and assistant for chat)"
        )
    chat = [field for field in mapping if field in CHAT_FIELDS]
    legacy = [field for field in mapping if field in COMPLETION_FIELDS]
    if chat and legacy:
        raise UserError(
            "the mapping mixes prompt/completion with chat roles; map either prompt and "
            "completion, or system, user and assistant"
        )
    if legacy and "completion" not in mapping:
        raise UserError("the mapping needs a completion template too (e.g. completion={label})")
    if chat and not {"user", "assistant"} <= set(mapping):
        raise UserError("a chat mapping needs user and assistant templates")
    templates = {field: parse_template(text, field=field) for field, text in mapping.items()}
    used: set[str] = set()
    for field, template in templates.items():
        for column in template.columns:
            if columns is not None and column not in columns:
                listed = ", ".join(columns)
                raise ReadError(
                    file_name,
                    f"the template for {field} uses {{{column}}}, but there is no column "
                    f"{column!r}; columns: {listed}",
                )
            used.add(column)
    for column in drop:
        if columns is not None and column not in columns:
            raise ReadError(
                file_name,
                f"cannot leave out column {column!r}: there is no such column; columns: "
                + ", ".join(columns),
            )
        if column in used:
            raise UserError(f"column {column!r} is used in a template, so it cannot be left out")
    schema: Schema = "chat" if chat else "completion"
    outputs = ("messages",) if chat else tuple(mapping)
    for key in outputs:
        if columns is not None and key in columns and key not in used:
            raise ReadError(
                file_name,
                f"the file has a column {key!r} that the mapping would replace; use it in a "
                f"template ({{{key}}}) or rename the column",
            )
    return CompiledMapping(schema, templates, frozenset(used), frozenset(drop))


def suggest_mapping(columns: tuple[str, ...]) -> dict[str, str] | None:
    """A mapping when the column names make it obvious (text/label, question/answer, …)."""
    lower = {column.lower().strip(): column for column in columns}

    def pick(candidates: tuple[str, ...], exclude: set[str]) -> str | None:
        for candidate in candidates:
            column = lower.get(candidate)
            if column is not None and column not in exclude:
                return column
        return None

    completion = pick(COMPLETION_COLUMNS, set())
    if completion is None:
        return None
    title = pick(TITLE_COLUMNS, {completion})
    body = pick(BODY_COLUMNS, {completion, title} if title else {completion})
    if title and body:
        prompt = f"{_placeholder(title)}\n\n{_placeholder(body)}"
    else:
        single = pick(PROMPT_COLUMNS, {completion}) or title
        if single is None:
            return None
        prompt = _placeholder(single)
    return {"prompt": prompt, "completion": _placeholder(completion)}


def _placeholder(column: str) -> str:
    return "{" + column + "}"
