"""Editors of the settings every estimate reads: the price table and the context limits.

Shown on Providers & settings, and next to the numbers they change (the snapshot's cost
estimate, the checks' token figures). Changing either needs the admin role; the providers
service checks it and stores the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from lib.core.identity import Actor
from lib.core.pricing import PriceTable, table_rows
from lib.core.tokens import CONTEXT_LIMITS_SOURCE, DEFAULT_CONTEXT_LIMITS
from lib.providers.service import (
    context_limits,
    price_table,
    reset_prices,
    save_context_limits,
    save_prices,
)
from lib.shell.messages import show_caption, show_success
from lib.shell.widgets import run_action

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

PRICE_FLASH_KEY = "price_flash"


def _records(edited: Any) -> list[dict[str, Any]]:
    if hasattr(edited, "to_dict"):
        return edited.to_dict("records")
    return list(edited)


def price_table_editor(engine: Engine, table: PriceTable, actor: Actor | None) -> None:
    """The editable price table (US dollars per 1M tokens)."""
    with st.expander("Price table (US dollars per 1M tokens; editable)"):
        show_caption(table.caption())
        edited = st.data_editor(table_rows(table), num_rows="dynamic", key="price_editor")
        cols = st.columns(2)
        read_on = cols[0].text_input("Prices read on", table.read_on, key="price_read_on")
        source = cols[1].text_input("Source", table.source, key="price_source")
        if actor is None:
            st.caption("Enter your name in the sidebar to change the price table.")
        cols = st.columns(2)
        if cols[0].button("Save prices", disabled=actor is None, key="price_save"):
            saved = run_action(
                lambda: save_prices(
                    engine, _records(edited), read_on=read_on, source=source, actor=actor
                )
            )
            if saved is not None:
                _flash_and_rerun("Prices saved; the estimates above use them.")
        reset = cols[1].button(
            "Back to the built-in prices", disabled=actor is None, key="price_reset"
        )
        if reset and run_action(lambda: reset_prices(engine, actor=actor)) is not None:
            _flash_and_rerun("Built-in prices restored.")
        message = st.session_state.pop(PRICE_FLASH_KEY, None)
        if message:
            show_success(message)


def _flash_and_rerun(message: str) -> None:
    """Rerun so that the estimates use the new table; say what happened afterwards."""
    st.session_state[PRICE_FLASH_KEY] = message
    for key in ("price_editor", "price_read_on", "price_source"):
        st.session_state.pop(key, None)
    st.rerun()


def price_editor(engine: Engine, actor: Actor | None) -> None:
    """The price table editor on its own (Providers & settings)."""
    table = run_action(lambda: price_table(engine, actor=actor))
    if table is not None:
        price_table_editor(engine, table, actor)


def context_limits_editor(engine: Engine, actor: Actor | None) -> None:
    """The per-model context-limit table, editable (stored in the settings)."""
    with st.expander("Context limits per model"):
        show_caption(CONTEXT_LIMITS_SOURCE)
        table = run_action(lambda: context_limits(engine, actor=actor))
        if table is None:
            return
        frame = pd.DataFrame({"model": list(table), "context limit": list(table.values())})
        edited = st.data_editor(frame, num_rows="dynamic", key="checks_limits", hide_index=True)
        if st.button("Save limits", key="checks_limits_save"):
            values = {
                str(row["model"]): row["context limit"]
                for _, row in edited.iterrows()
                if str(row["model"] or "").strip()
            }
            saved = run_action(
                lambda: save_context_limits(engine, values, actor=actor), success="Limits saved."
            )
            if saved is not None:
                st.cache_data.clear()
        show_caption(f"Defaults: {len(DEFAULT_CONTEXT_LIMITS)} models; unknown models use 16,385.")
