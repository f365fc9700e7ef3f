"""The one brace-template tokenizer: ``{name}`` placeholders, ``{{`` and ``}}`` literal braces.

Import column mappings and synthetic-data prompts both use it. Why not ``str.format``: a
template is text a person typed, and ``str.format`` would also interpret ``{0}``, ``{a.b}``,
``{a[0]}`` and ``{a!r:>10}`` — ways for a stray brace to become attribute access or a cryptic
``KeyError``. Errors name the template, the line and the column, and say how to write a brace.
"""

from __future__ import annotations

from collections.abc import Callable

from lib.core.errors import UserError

Part = tuple[str, bool]  # (literal text, False) or (placeholder name, True)


def where(text: str, index: int) -> str:
    """``line L, column C`` of a character index (1-based)."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"line {line}, column {column}"


def split_template(
    text: str, *, label: str, check_name: Callable[[str, str], str]
) -> tuple[Part, ...]:
    """Split ``text`` into literal text and placeholder names.

    ``check_name(inner, position)`` returns the placeholder name for the text between the
    braces, or raises a UserError explaining why it is not one (``position`` is
    ``"line L, column C"``).
    """
    parts: list[Part] = []
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
                    f"{label}, {where(text, i)}: '{{' is not closed by '}}' (a {{ without a "
                    "matching }); write '{{' for a literal brace"
                )
            name = check_name(inner, where(text, i))
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
                f"{label}, {where(text, i)}: '}}' has no opening '{{' (a }} without a matching "
                "{); write '}}' for a literal brace"
            )
        literal.append(char)
        i += 1
    if literal:
        parts.append(("".join(literal), False))
    return tuple(parts)
