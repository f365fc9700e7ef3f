"""Checks page: leakage between a snapshot's train split and its held-out splits."""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from lib.checks.leakage import snapshot_leakage
from lib.checks.ui.run import REVIEW_IDS_KEY, REVIEW_PAGE
from lib.datasets.repo import DatasetInfo
from lib.snapshots.repo import list_snapshots


@st.cache_data(show_spinner="Comparing the splits…", max_entries=50)
def _leakage(_engine: Engine, snapshot_id: int) -> list[dict[str, Any]]:
    """Snapshots never change, so the result is cached by the snapshot id alone."""
    return [
        {**f.to_json(), "example_ids": f.example_ids}
        for f in snapshot_leakage(_engine, snapshot_id)
    ]


def render_leakage(engine: Engine, info: DatasetInfo) -> None:
    with engine.connect() as conn:
        snapshots = list_snapshots(conn, dataset_id=info.id)
    if not snapshots:
        return
    st.subheader("Leakage in snapshots")
    by_id = {s.id: s for s in snapshots}
    chosen = st.selectbox(
        "Snapshot", list(by_id), format_func=lambda i: by_id[i].name, key="checks_leak_snapshot"
    )
    if not st.toggle("Compare train with valid and test", key="checks_leak_run"):
        return
    findings = _leakage(engine, chosen)
    if not findings:
        st.success("No prompt of the held-out splits appears in train.")
    for finding in findings:
        st.warning("Leakage found.")
        st.text(finding["message"])
        if finding["example_ids"] and st.button(
            f"Review these {len(finding['example_ids']):,} examples",
            key=f"leak_review_{chosen}_{finding['details']['split']}",
        ):
            st.session_state[REVIEW_IDS_KEY] = list(finding["example_ids"])
            st.switch_page(REVIEW_PAGE)
