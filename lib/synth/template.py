"""Templates with ``{placeholder}``s and the lists of values that fill them.

A placeholder here is only ``{name}`` (letters, digits and ``_``); the braces themselves are
parsed by :mod:`lib.core.templates`, shared with the import column mapping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lib.core.errors import UserError
from lib.core.templates import split_template

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


def parse_template(text: str, *, label: str) -> Template:
    """Parse ``text``; a UserError says where a brace is wrong and how to write a literal one."""

    def check_name(inner: str, position: str) -> str:
        name = inner.strip()
        if not _NAME.fullmatch(name):
            raise UserError(
                f"{label}, {position}: {{{inner}}} is not a placeholder name (use letters, "
                "digits and _, e.g. {city}); write '{{' and '}}' for literal braces"
            )
        return name

    parts = split_template(text, label=label, check_name=check_name)
    return Template(label=label, text=text, parts=parts)


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
