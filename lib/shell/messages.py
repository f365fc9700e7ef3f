"""User text shown as text: the one way every screen puts names, labels and errors on screen.

Streamlit renders the body of ``st.error``/``st.info``/``st.caption``/``st.markdown`` and the
labels of widgets, tabs, expanders and radio options as Markdown (links, images, ``**bold**``,
``:red[…]`` colours, ``:material/…:`` icons, ``$…$`` maths). Plotly renders a subset of HTML in
tick labels, legends and hover text (``<a href>``, ``<b>``, ``<br>``). A dataset, column or
reviewer name such as ``[Verify your account](https://evil.example/)`` would become a live link
on a colleague's screen. So:

- ``show_error``/``show_warning``/``show_info``/``show_success``/``show_caption`` take a message
  whose every character is shown literally;
- ``md(text)`` escapes user text for a place that renders Markdown (a widget or tab label, a
  message that mixes our own emphasis with user text);
- ``plot_text(text)`` escapes user text for a plotly label, legend or hover text.

Markdown escaping puts a backslash (CommonMark's escape) before exactly the characters that
Markdown, GFM or Streamlit's extensions (maths, colours, icons) would interpret, so ordinary
messages read unchanged; bare URLs and ``www.`` names are kept from turning into links by an
invisible word joiner (see ``WORD_JOINER``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import streamlit as st

from lib.core.text import plot_text, plot_texts  # noqa: F401 - one place for chart labels

# What Markdown (CommonMark + GFM) and Streamlit's extensions would interpret, and only that,
# so that a message still reads (and compares) as written. A backslash before an ASCII
# punctuation character shows it literally (https://spec.commonmark.org/0.31.2/#backslash-escapes).
_SPECIAL = re.compile(
    r"[\\`*\[\]<|~$&]"  # escapes, code, emphasis, links/images, HTML, tables, strike, maths, entities
    r"|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"  # emphasis underscores (snake_case stays as is)
    r"|:(?=[A-Za-z][\w+\-/]*:)"  # :emoji: and :material/icon: shortcodes
    r"|^[ \t]*(?:[#>+=-]|\d+[.)])",  # headings, quotes, lists, rules at a line start
    re.MULTILINE,
)

# Streamlit turns bare URLs and www. names in rendered text into links even when their
# punctuation is escaped; an invisible WORD JOINER (U+2060) after "scheme:" and "www" breaks
# the pattern while the text still reads exactly as typed. Email addresses are left whole (they
# name people here, and are copied): at most they become mailto: links, which open no page.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9+.-]:)(?=//)|(?<=\bwww)(?=\.)")


def _escape(match: re.Match[str]) -> str:
    found = match.group(0)
    return found[:-1] + "\\" + found[-1]


def md(text: object) -> str:
    """``text`` escaped so that Markdown shows every character as typed, on one paragraph."""
    unlinked = _AUTOLINK.sub(WORD_JOINER, str(text))
    escaped = _SPECIAL.sub(_escape, unlinked)
    # A line break in user text stays a line break (two spaces + newline is a hard break);
    # blank lines would otherwise start paragraphs, lists or code blocks.
    return "  \n".join(line for line in escaped.splitlines() or [""])


# The name other screens know it by: text for st.error/st.success, shown as typed.
plain = md


def show_error(text: object) -> None:
    """An error message shown literally (it may quote file, column or dataset names)."""
    st.error(md(text))


def show_warning(text: object) -> None:
    st.warning(md(text))


def show_info(text: object) -> None:
    st.info(md(text))


def show_success(text: object) -> None:
    st.success(md(text))


def show_caption(text: object) -> None:
    st.caption(md(text))


def show_toast(text: object) -> None:
    st.toast(md(text))


def show_text(text: object) -> None:
    """A block of user text (a prompt, a completion, guidelines) shown exactly as written."""
    st.text(str(text))


def ui_secrets() -> Mapping[str, Any] | None:
    """``st.secrets`` when a secrets file exists (provider keys may live there), else None."""
    try:
        secrets = st.secrets
        return secrets if secrets.load_if_toml_exists() else None
    except Exception:  # noqa: BLE001 - no secrets file, or an unreadable one: environment only
        return None
