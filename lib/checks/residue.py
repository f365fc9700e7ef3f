"""Checks for what scraping and copying leave behind: HTML markup in the text, and examples
that repeat another one up to case, spacing and punctuation (near-duplicates).

Neither makes a job fail; both make a model learn the wrong thing. A model trained on text with
``<br />`` and ``&amp;`` learns to write them, and a near-duplicate weighs one example twice
while slipping past an exact-duplicate test.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from typing import Any

from lib.checks.base import Check, Edit, Finding, agree, n_examples, rows_text
from lib.checks.view import View, duplicate_indexes, normalise_text

# Tags people meet in scraped text (line breaks, paragraphs, inline formatting, links), and
# character references. Not every "<…>" is markup: "a <b> c" in code or maths stays alone.
_TAG = re.compile(
    r"</?(?:br|p|div|span|b|i|u|em|strong|a|li|ul|ol|h[1-6]|font|img)"
    r"""(?:\s+[\w:-]+\s*=\s*(?:"[^"<>]*"|'[^'<>]*'|[^\s"'<>]+))*\s*/?>""",
    re.I,
)
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{1,6}|#x[0-9a-fA-F]{1,6});")
_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p[^>]*>", re.I)


def has_markup(text: str) -> bool:
    # Every tag holds "<" and every reference "&": two C scans spare most texts the regexes.
    if "<" not in text and "&" not in text:
        return False
    return bool(_TAG.search(text) or _ENTITY.search(text))


def strip_markup(text: str) -> str:
    """Line breaks and paragraph breaks become newlines, other tags go, references are decoded."""
    text = _BREAK.sub("\n", text)
    text = _TAG.sub("", text)
    return html.unescape(text) if _ENTITY.search(text) else text


def _texts(view: View) -> list[str]:
    return [p + "\n" + c for p, c in zip(view.prompts, view.completions, strict=True)]


def markup_indexes(view: View) -> list[int]:
    """Examples whose prompt or completion holds markup (a scanned file has them flagged)."""
    if view.facts is not None:
        from lib.checks.scan import FLAG_MARKUP, flagged

        return flagged(view.facts.flags, FLAG_MARKUP)
    return [i for i, text in enumerate(_texts(view)) if has_markup(text)]


def _text_of(view: View, index: int) -> str:
    """The text ``has_markup`` looked at for one example."""
    return view.prompt_at(index) + "\n" + view.completions[index]


class HtmlResidue(Check):
    name = "html_residue"
    severity = "warning"
    schemas = ("completion", "chat")
    title = "HTML markup left in the text"
    fix = "strip_html"

    def find(self, view: View) -> list[Finding]:
        indexes = markup_indexes(view)
        if not indexes:
            return []
        sample = _text_of(view, indexes[0])
        match = _TAG.search(sample) or _ENTITY.search(sample)
        first = match.group(0) if match else "<…>"
        return [
            self.finding(
                view,
                f"{n_examples(len(indexes))} {agree(len(indexes), 'hold')} HTML markup such as `{first}` "
                f"({rows_text(view.rows_of(indexes))}). The model would learn to write it; the "
                "fix turns line breaks into new lines, removes tags and decodes entities.",
                indexes=indexes,
            )
        ]


class NearDuplicates(Check):
    name = "near_duplicates"
    severity = "warning"
    schemas = ("completion", "chat")
    title = "examples that repeat another up to case, spacing or punctuation"
    fix = "drop_near_duplicates"

    def find(self, view: View) -> list[Finding]:
        indexes = near_duplicate_indexes(view)
        if not indexes:
            return []
        return [
            self.finding(
                view,
                f"{n_examples(len(indexes))} {agree(len(indexes), 'repeat')} an earlier example up to case, spacing or "
                f"punctuation ({rows_text(view.rows_of(indexes))}). They weigh that example "
                "twice and slip past the exact-duplicate test; the fix keeps the first.",
                indexes=indexes,
            )
        ]


def near_duplicate_indexes(view: View) -> list[int]:
    """Later examples equal to an earlier one after normalisation, exact duplicates excluded
    (the ``duplicates`` check reports those). Completions are normalised only where prompts
    already collide, so a file without repeats costs one pass over its prompts."""
    groups = view.prompt_groups()
    if not groups:
        return []
    exact = set(duplicate_indexes(view))
    found = []
    for key, indexes in groups:
        seen: set[str] = set()
        for index in indexes:
            answer = normalise_text(view.completions[index])
            if not key and not answer:
                continue
            if answer in seen:
                if index not in exact:
                    found.append(index)
            else:
                seen.add(answer)
    return sorted(found)


def _strip_in(value: Any) -> Any:
    """``strip_markup`` on every text of an example (strings, message contents, parts)."""
    if isinstance(value, str):
        return strip_markup(value) if has_markup(value) else value
    if isinstance(value, list):
        return [_strip_in(item) for item in value]
    if isinstance(value, dict):
        return {k: (_strip_in(v) if k in ("prompt", "completion", "content", "text", "messages")
                    else v) for k, v in value.items()}  # fmt: skip
    return value


def strip_html(view: View) -> list[Edit]:
    edits = []
    by_index = defaultdict(bool, dict.fromkeys(markup_indexes(view), True))
    for index, data in enumerate(view.datas):
        if by_index[index] and isinstance(data, dict):
            new = _strip_in(data)
            if new != data:
                edits.append(Edit(index, new))
    return edits


def drop_near_duplicates(view: View) -> list[Edit]:
    return [Edit(i, drop=True) for i in near_duplicate_indexes(view)]


CHECKS: list[Check] = [NearDuplicates(), HtmlResidue()]
