"""Our messages' own markdown, with the user text inside them never interpreted.

Check messages write names and values in backticks (``the separator `\\n\\n###\\n\\n` ``): shown
as intended, those are inline code. Everything else is escaped (``plain``), so a label such as
``[click](https://evil.example)`` or ``**urgent**`` reads as typed; a span's content is literal
in a code span whatever it holds (CommonMark: a span delimited by N backticks may hold shorter
runs of backticks, https://spec.commonmark.org/0.31.2/#code-spans).
"""

from __future__ import annotations

import re

from lib.shell.messages import plain

_SPAN = re.compile(r"`([^`\n]+)`")


def code_span(text: str) -> str:
    """``text`` as one inline code span, whatever backticks or markup it holds."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or text.strip() != text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def marked(message: str) -> str:
    """A message for ``st.markdown``: its backtick spans as code, the rest shown as typed."""
    out = []
    last = 0
    for match in _SPAN.finditer(message):
        out.append(plain(message[last : match.start()]))
        out.append(code_span(match.group(1)))
        last = match.end()
    out.append(plain(message[last:]))
    return "".join(out)
