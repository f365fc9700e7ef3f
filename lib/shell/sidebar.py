"""The shared sidebar: who is working and where the data lives.

Signed in, it shows the verified identity and its role. In local mode (no sign-in
configured) it says so, and the typed name (remembered in the URL) is recorded as unverified.
"""

from __future__ import annotations

import ipaddress

import streamlit as st

from lib.core.db import database_url
from lib.core.identity import Actor
from lib.shell.messages import show_caption

REVIEWER_KEY = "reviewer_name"  # the text box's key
REVIEWER_KEPT_KEY = "_reviewer_name_kept"  # not a widget key: survives page changes
REVIEWER_PARAM = "reviewer"
_SIDEBAR_RUN_KEY = "_sidebar_rendered_run"


def _redacted_url(url: str) -> str:
    # A PostgreSQL URL may carry a password: show only scheme, host and database.
    if "@" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://…@{rest.split('@', 1)[1]}"
    return url


def current_reviewer() -> str | None:
    name = (
        st.session_state.get(REVIEWER_KEY)
        or st.session_state.get(REVIEWER_KEPT_KEY)
        or st.query_params.get(REVIEWER_PARAM)
    )
    name = (name or "").strip()
    return name or None


def _keep_reviewer() -> None:
    st.session_state[REVIEWER_KEPT_KEY] = st.session_state.get(REVIEWER_KEY, "")


def _loopback_only() -> bool:
    address = str(st.get_option("server.address") or "").strip()
    if address in ("localhost", ""):
        return address == "localhost"
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def render_sidebar(*, logged_in_user: str | None, actor: Actor | None = None) -> str | None:
    """Draw the sidebar once per rerun; return the reviewer name every change records."""
    reviewer: str | None
    with st.sidebar:
        if logged_in_user:
            from lib.access.service import role_of

            st.caption("Signed in as")
            st.text(logged_in_user)
            if actor is not None:
                show_caption(f"Role: {role_of(actor)}")
            st.button("Sign out", on_click=st.logout, key="sidebar_logout")
            reviewer = logged_in_user
        else:
            st.caption(
                "Local mode: no sign-in is configured, names are typed and shown as unverified."
            )
            if not _loopback_only():
                st.warning(
                    "This server listens beyond this machine without sign-in: anyone who "
                    "reaches it can act as anyone. Configure sign-in (README: Deploy for a team)."
                )
            # Streamlit drops a widget's state when a page without that widget runs, and each
            # page's sidebar box is a widget of its own: the name is kept under a plain key and
            # put back into the box on every page (the URL remembers it across reloads).
            if REVIEWER_KEPT_KEY not in st.session_state:
                st.session_state[REVIEWER_KEPT_KEY] = st.session_state.get(
                    REVIEWER_KEY
                ) or st.query_params.get(REVIEWER_PARAM, "")
            st.session_state[REVIEWER_KEY] = st.session_state[REVIEWER_KEPT_KEY]
            st.text_input(
                "Your name (recorded with every change)",
                key=REVIEWER_KEY,
                placeholder="e.g. Ana",
                max_chars=100,
                on_change=_keep_reviewer,
            )
            reviewer = current_reviewer()
            # Keep it in the URL so a reload or bookmark remembers it.
            if reviewer and st.query_params.get(REVIEWER_PARAM) != reviewer:
                st.query_params[REVIEWER_PARAM] = reviewer
        with st.expander("Store", expanded=False):
            st.caption("Data lives in")
            st.text(_redacted_url(database_url()))
    return reviewer
