"""Guidelines markdown made safe to render with ``st.markdown``.

Streamlit's markdown (with ``unsafe_allow_html=False``) drops raw HTML but still renders links
and images, so a guideline could hold ``[x](javascript:…)`` or load a remote image. Here HTML is
escaped to text, images become plain text, and links keep only http(s), mailto and in-page
targets; anything else is shown as the literal text that was written.
"""

from __future__ import annotations

import html
import re

SAFE_SCHEMES = ("http://", "https://", "mailto:", "#")
_INLINE_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)")
_REFERENCE_DEF = re.compile(r"^(\s{0,3})\[([^\]]+)\]:\s*<?(\S*)", re.MULTILINE)


def _safe_target(target: str) -> bool:
    cleaned = re.sub(r"[\s\x00-\x1f]", "", html.unescape(target)).lower()
    return cleaned.startswith(SAFE_SCHEMES)


def safe_markdown(text: str) -> str:
    """``text`` with HTML escaped, images disarmed and unsafe link targets disabled."""
    out = html.escape(text or "", quote=False)
    out = out.replace("![", "!\\[")  # images never load (no remote content)

    def inline(match: re.Match[str]) -> str:
        if _safe_target(match.group(1)):
            return match.group(0)
        return "\\]\\(" + match.group(0)[2:]

    def reference(match: re.Match[str]) -> str:
        if _safe_target(match.group(3)):
            return match.group(0)
        return f"{match.group(1)}\\[{match.group(2)}\\]: {match.group(3)}"

    out = _INLINE_LINK.sub(inline, out)
    return _REFERENCE_DEF.sub(reference, out)
