"""Templates with ``{placeholder}``s and the lists of values that fill them.

Why our own small parser rather than ``str.format``: a template is text a person typed, and
``str.format`` would also interpret ``{0}``, ``{a.b}``, ``{a[0]}`` and ``{a!r:>10}`` — ways for a
stray brace to become attribute access or a cryptic ``KeyError``. Here a placeholder is only
``{name}`` (letters, digits and ``_``), ``{{`` and ``}}`` are literal braces, and anything else
is an error that names the template, the line and the column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lib.errors import UserError

MAX_VALUES_PER_PLACEHOLDER = 5_000
MAX_VALUE_LENGTH = 10_000
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template: literal text and placeholder names, alternating."""

    label: str  # how messages name it: "the generation prompt", "the training prompt"
    text: str
    parts: tuple[tuple[str, bool], ...]  # (literal text, False) or (placeholder name, True)

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Placeholder names in order of first use (each once)."""
        seen: dict[str, None] = {}
        for value, is_name in self.parts:
            if is_name:
                seen.setdefault(value, None)
        return tuple(seen)

    def render(self, values: Mapping[str, str]) -> str:
        """The text with every placeholder replaced; a missing value is a UserError naming it."""
        out: list[str] = []
        for value, is_name in self.parts:
            if not is_name:
                out.append(value)
                continue
            if value not in values:
                raise UserError(
                    f"{self.label} uses the placeholder {{{value}}} but no values were given for "
                    f"{value!r}; enter values for {value} (one per line) or remove it from the "
                    "template"
                )
            out.append(values[value])
        return "".join(out)


def _where(text: str, index: int) -> str:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line}, column {column}"


def parse_template(text: str, *, label: str) -> Template:
    """Parse ``text``; a UserError says where a brace is wrong and how to write a literal one."""
    parts: list[tuple[str, bool]] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "{":
            if text.startswith("{{", i):
                literal.append("{")
                i += 2
                continue
            end = text.find("}", i + 1)
            inner = text[i + 1 : end] if end != -1 else ""
            if end == -1 or "{" in inner or "\n" in inner:
                raise UserError(
                    f"{label}, {_where(text, i)}: '{{' is not closed by '}}'; write '{{{{' for a "
                    "literal brace"
                )
            name = inner.strip()
            if not _NAME.fullmatch(name):
                raise UserError(
                    f"{label}, {_where(text, i)}: {{{inner}}} is not a placeholder name (use "
                    "letters, digits and _, e.g. {city}); write '{{' and '}}' for literal braces"
                )
            if literal:
                parts.append(("".join(literal), False))
                literal = []
            parts.append((name, True))
            i = end + 1
            continue
        if char == "}":
            if text.startswith("}}", i):
                literal.append("}")
                i += 2
                continue
            raise UserError(
                f"{label}, {_where(text, i)}: '}}' has no opening '{{'; write '}}}}' for a literal "
                "brace"
            )
        literal.append(char)
        i += 1
    if literal:
        parts.append(("".join(literal), False))
    return Template(label=label, text=text, parts=tuple(parts))


def parse_values(text: str, *, name: str) -> list[str]:
    """Values typed one per line: blank lines dropped, spaces trimmed, repeats kept once."""
    seen: dict[str, None] = {}
    for line_no, raw in enumerate((text or "").splitlines(), 1):
        value = raw.strip()
        if not value:
            continue
        if len(value) > MAX_VALUE_LENGTH:
            raise UserError(
                f"values for {name}, line {line_no}: a value can have at most "
                f"{MAX_VALUE_LENGTH:,} characters"
            )
        seen.setdefault(value, None)
    values = list(seen)
    if len(values) > MAX_VALUES_PER_PLACEHOLDER:
        raise UserError(
            f"values for {name}: at most {MAX_VALUES_PER_PLACEHOLDER:,} values per placeholder "
            f"(got {len(values):,})"
        )
    return values
