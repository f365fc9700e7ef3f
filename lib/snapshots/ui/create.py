"""The "new snapshot" panel: ratios, seed, stratify, balance → per-class preview → confirm."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.datasets.service import DatasetInfo
from lib.shell.messages import show_caption, show_info, show_success, show_warning
from lib.shell.widgets import run_action
from lib.snapshots.service import (
    BALANCE_MODES,
    DEFAULT_SEED,
    SnapshotOptions,
    SnapshotPlan,
    counts_rows,
    create_snapshot,
    plan_snapshot,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SELECTED_SNAPSHOT_KEY = "selected_snapshot_id"
NO_NAME_HINT = "Enter your name in the sidebar to create snapshots: each one records who made it."
BALANCE_LABELS = {
    "none": "no balancing",
    "under": "under-sample (cut every class to the smallest)",
    "over": "over-sample (repeat examples up to the largest class)",
}


@st.cache_data(max_entries=32, show_spinner=False)
def _plan(
    _engine: Engine,
    dataset_id: int,
    data_version: int,
    options: SnapshotOptions,
    actor: Actor | None,
) -> SnapshotPlan | str:
    """The preview, cached per dataset version and options (a UserError becomes its text)."""
    del data_version  # part of the cache key only
    try:
        return plan_snapshot(_engine, dataset_id, options, actor=actor)
    except UserError as exc:
        return str(exc)


def _ratios() -> tuple[float, float, float]:
    cols = st.columns(4)
    train = cols[0].number_input("Train share", 0.0, 1.0, 0.8, 0.05, key="snap_train")
    valid = cols[1].number_input("Valid share", 0.0, 1.0, 0.1, 0.05, key="snap_valid")
    test = cols[2].number_input("Test share", 0.0, 1.0, 0.1, 0.05, key="snap_test")
    cols[3].number_input("Seed", 0, 2**31 - 1, DEFAULT_SEED, 1, key="snap_seed")
    return float(train), float(valid), float(test)


def render_create(engine: Engine, info: DatasetInfo, actor: Actor | None) -> None:
    """Options, the preview of per-split (per-class) counts, and the confirm button."""
    st.subheader("New snapshot")
    st.caption(
        "A snapshot freezes the dataset's current examples into train / valid / test. Later "
        "edits to the dataset never change it, so jobs and evaluations keep pointing at the "
        "same data."
    )
    train, valid, test = _ratios()
    cols = st.columns(3)
    approved_only = cols[0].checkbox("Approved examples only", key="snap_approved_only")
    stratify = cols[1].checkbox(
        "Stratify by label",
        value=True,
        key="snap_stratify",
        help="Keep each class's share in every split (classification data only).",
    )
    balance = cols[2].selectbox(
        "Balance the train split",
        BALANCE_MODES,
        format_func=BALANCE_LABELS.__getitem__,
        key="snap_balance",
        disabled=not stratify,
    )
    options = SnapshotOptions(
        train=train,
        valid=valid,
        test=test,
        seed=int(st.session_state.get("snap_seed", DEFAULT_SEED)),
        approved_only=approved_only,
        stratify=None if stratify else False,  # None: stratify when classification-like
        balance=balance if stratify else "none",
    )
    plan = _plan(engine, info.id, info.data_version, options, actor)
    if isinstance(plan, str):
        show_warning(plan)
        return
    if stratify and not plan.split.stratified:
        st.caption("This data is not classification-like, so the split is random (not stratified).")
    _preview(plan)
    name = st.text_input("Snapshot name (optional)", key="snap_name", max_chars=300)
    if actor is None:
        show_info(NO_NAME_HINT)
    if st.button("Create snapshot", type="primary", disabled=actor is None, key="snap_create"):
        created = run_action(
            lambda: create_snapshot(
                engine,
                info.id,
                options,
                name=name or None,
                expected_data_version=plan.data_version,
                actor=actor,
            ),
        )
        if created is not None:
            st.session_state[SELECTED_SNAPSHOT_KEY] = created.id
            show_success(f"Snapshot {created.id} created: {created.n_examples:,} examples.")


def _preview(plan: SnapshotPlan) -> None:
    sizes = plan.sizes
    cols = st.columns(3)
    for col, split in zip(cols, ("train", "valid", "test"), strict=True):
        col.metric(split, f"{sizes[split]:,}")
    if plan.split.stratified:
        st.caption("Examples per class in each split (before confirming):")
        st.dataframe(counts_rows(plan.counts), hide_index=True)
    for note in plan.split.notes:
        show_caption(f"Note: {note}.")
