"""A fix's before/after as one highlighted diff: removed text struck through on red, added
text on green, so a one-character change (a leading space, a stop sequence) is seen at once.

Every piece of the example is HTML-escaped before it is wrapped in our own ``<del>``/``<ins>``
spans: user text is shown, never interpreted. Whitespace that is added or removed is made
visible (``␣`` for a space, ``↵`` for a line break, ``→`` for a tab), since an invisible
change is the usual reason for these fixes.
"""

from __future__ import annotations

import difflib
import html
import re

_TOKENS = re.compile(r"\s|\w+|[^\w\s]")
_VISIBLE = {" ": "␣", "\n": "↵\n", "\t": "→"}
DEL = "background:#ffd7d5;color:#82071e;text-decoration:line-through"
INS = "background:#ccffd8;color:#055d20;text-decoration:none"
BOX = (
    "font-family:ui-monospace,monospace;font-size:0.85rem;white-space:pre-wrap;"
    "word-break:break-word;border:1px solid #d0d7de;border-radius:6px;padding:8px;margin:0"
)


def _changed(text: str) -> str:
    if text.strip():
        return html.escape(text)
    return html.escape("".join(_VISIBLE.get(c, c) for c in text))


def diff_html(before: str, after: str) -> str:
    """``before`` → ``after`` as escaped HTML with the removed and added parts highlighted."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    parts = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(html.escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            parts.append(f'<del style="{DEL}">{_changed("".join(a[i1:i2]))}</del>')
        if j2 > j1:
            parts.append(f'<ins style="{INS}">{_changed("".join(b[j1:j2]))}</ins>')
    return f'<pre style="{BOX}">{"".join(parts)}</pre>'
