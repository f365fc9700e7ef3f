"""The built-in engine's state on Providers & settings: running where, or why not."""

from __future__ import annotations

import streamlit as st

from lib.core.identity import Actor
from lib.providers.service import engine_status, start_engine
from lib.shell.messages import show_error, show_success


@st.fragment
def render_engine_status(actor: Actor | None) -> None:
    """Whether the engine answers, its address and process; a button to start it if it stopped."""
    state = engine_status(actor=actor)
    st.subheader("Built-in engine")
    if state.running:
        where = "an engine started outside the app" if state.external else f"process {state.pid}"
        show_success(f"Running at {state.base_url} ({where}). It stops when the app stops.")
    elif state.external:
        show_error(f"No engine answers at {state.base_url} (TUNELAB_ENGINE_URL).")
    else:
        st.info("Not running. It starts with the app, or when a screen first needs it.")
        if st.button("Start the built-in engine", key="engine_start"):
            with st.spinner("Starting the built-in engine…"):
                try:
                    start_engine(actor=actor)
                except Exception as exc:  # noqa: BLE001 - the reason is shown, not a traceback
                    show_error(f"The built-in engine did not start: {exc}")
                    return
            st.rerun(scope="fragment")
    if state.log_path:
        st.caption("Its log")
        st.text(state.log_path)
