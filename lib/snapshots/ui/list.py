"""The dataset's snapshots: a table, a picker, the chosen one's counts, and deletion."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import streamlit as st

from lib.core.identity import Actor
from lib.datasets.service import DatasetInfo
from lib.shell.messages import show_caption
from lib.shell.widgets import run_action
from lib.snapshots.service import SnapshotInfo, counts_rows, delete_snapshot, snapshot_list
from lib.snapshots.ui.create import SELECTED_SNAPSHOT_KEY

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def snapshot_row(snap: SnapshotInfo) -> dict[str, Any]:
    sizes = snap.sizes
    settings = snap.settings
    how = "stratified" if settings.get("stratified") else "random"
    if settings.get("balance", "none") != "none":
        how += f", {settings['balance']}-sampled"
    if settings.get("approved_only"):
        how += ", approved only"
    return {
        "id": snap.id,
        "name": snap.name,
        "train": sizes["train"],
        "valid": sizes["valid"],
        "test": sizes["test"],
        "split": how,
        "seed": snap.seed,
        "created": snap.created_at.strftime("%Y-%m-%d %H:%M"),
        "by": snap.created_by,
    }


def render_list(engine: Engine, info: DatasetInfo, actor: Actor | None) -> SnapshotInfo | None:
    """List the dataset's snapshots; return the one picked (remembered in session state)."""
    st.subheader("Snapshots")
    snaps = snapshot_list(engine, dataset_id=info.id, actor=actor)
    if not snaps:
        st.info("This dataset has no snapshots yet.")
        return None
    st.dataframe([snapshot_row(s) for s in snaps], hide_index=True)
    by_id = {s.id: s for s in snaps}
    ids = list(by_id)
    chosen = st.session_state.get(SELECTED_SNAPSHOT_KEY)
    index = ids.index(chosen) if chosen in by_id else 0
    picked = st.selectbox(
        "Snapshot",
        ids,
        index=index,
        format_func=lambda i: f"#{i} · {by_id[i].name} · {by_id[i].n_examples:,} examples",
        key="snap_picker",
    )
    st.session_state[SELECTED_SNAPSHOT_KEY] = picked
    snap = by_id[picked]
    if snap.settings.get("stratified"):
        st.dataframe(counts_rows(snap.counts), hide_index=True)
    for note in snap.settings.get("notes", []):
        show_caption(f"Note: {note}.")
    _delete_panel(engine, snap, actor)
    return snap


def _delete_panel(engine: Engine, snap: SnapshotInfo, actor: Actor | None) -> None:
    with st.expander("Delete this snapshot"):
        st.caption("The dataset is not touched; exports already downloaded stay as they are.")
        sure = st.checkbox(f"Yes, delete snapshot #{snap.id}", key=f"snap_delete_sure_{snap.id}")
        if st.button(
            "Delete snapshot", disabled=not (sure and actor), key=f"snap_delete_{snap.id}"
        ) and run_action(lambda: delete_snapshot(engine, snap.id, actor=actor)):
            st.session_state.pop(SELECTED_SNAPSHOT_KEY, None)
            st.rerun()
