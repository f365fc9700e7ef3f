"""The shared sidebar: who is working (remembered in the URL) and where the data lives."""

from __future__ import annotations

import streamlit as st

from lib.core.db import database_url

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


def render_sidebar(*, logged_in_user: str | None) -> str | None:
    """Draw the sidebar once per rerun; return the reviewer name every change records."""
    reviewer: str | None
    with st.sidebar:
        if logged_in_user:
            st.caption("Signed in as")
            st.text(logged_in_user)
            st.button("Sign out", on_click=st.logout, key="sidebar_logout")
            reviewer = logged_in_user
        else:
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
