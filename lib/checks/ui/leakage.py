"""Checks page: leakage between a snapshot's train split and its held-out splits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from lib.checks.service import snapshot_leakage
from lib.checks.ui.run import REVIEW_IDS_KEY, REVIEW_PAGE
from lib.core.identity import Actor
from lib.datasets.service import DatasetInfo
from lib.snapshots.service import snapshot_list

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@st.cache_data(show_spinner="Comparing the splits…", max_entries=50)
def _leakage(_engine: Engine, snapshot_id: int, actor: Actor | None) -> list[dict[str, Any]]:
    """Snapshots never change, so the result is cached by the snapshot id alone."""
    return snapshot_leakage(_engine, snapshot_id, actor=actor)


def render_leakage(engine: Engine, info: DatasetInfo, actor: Actor | None) -> None:
    snapshots = snapshot_list(engine, dataset_id=info.id, actor=actor)
    if not snapshots:
        return
    st.subheader("Leakage in snapshots")
    by_id = {s.id: s for s in snapshots}
    chosen = st.selectbox(
        "Snapshot", list(by_id), format_func=lambda i: by_id[i].name, key="checks_leak_snapshot"
    )
    if not st.toggle("Compare train with valid and test", key="checks_leak_run"):
        return
    findings = _leakage(engine, chosen, actor)
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
