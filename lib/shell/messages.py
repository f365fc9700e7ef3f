"""One way to put text a person or a provider wrote into a message box, and the secrets.

``st.error``/``st.success``/``st.warning`` render markdown, and provider messages can quote
the user's data: :func:`plain` escapes every markdown character so the text is shown as typed,
never as a link, an image or formatting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import streamlit as st

_MARKDOWN = re.compile(r"([\\`*_\[\]()!<>~$|])")


def plain(text: object) -> str:
    """``text`` for st.error/st.success (which render markdown): shown as typed."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def ui_secrets() -> Mapping[str, Any] | None:
    """``st.secrets`` when a secrets file exists (provider keys may live there), else None."""
    try:
        secrets = st.secrets
        return secrets if secrets.load_if_toml_exists() else None
    except Exception:  # noqa: BLE001 - no secrets file, or an unreadable one: environment only
        return None
