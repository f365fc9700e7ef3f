"""Download buttons for a snapshot: pick a format and a split, get the file."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.datasets.service import DatasetInfo, ExportFile, dataset_file, formats_for
from lib.shell.messages import show_caption, show_error
from lib.snapshots.service import SPLIT_CHOICES, SnapshotInfo, snapshot_file

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SPLIT_LABELS = {"train": "train", "valid": "valid", "test": "test", "all": "all splits"}


@st.cache_data(max_entries=16, show_spinner="Preparing the file…")
def _export(
    _engine: Engine,
    snapshot_id: int,
    key: str,
    split: str,
    system: str | None,
    actor: Actor | None,
) -> ExportFile | str:
    """The file (snapshots never change, so caching by id is safe); a UserError's text."""
    try:
        return snapshot_file(
            _engine, snapshot_id, format_key=key, split=split, system=system, actor=actor
        )
    except UserError as exc:
        return str(exc)


@st.cache_data(max_entries=8, show_spinner="Preparing the file…")
def _export_dataset(
    _engine: Engine, dataset_id: int, data_version: int, key: str, actor: Actor | None
) -> ExportFile | str:
    """The whole dataset as it is now (cached per data version, so a save invalidates it)."""
    del data_version
    try:
        return dataset_file(_engine, dataset_id, key, actor=actor)
    except UserError as exc:
        return str(exc)


def _download(result: ExportFile | str, *, key: str) -> None:
    if isinstance(result, str):
        show_error(result)
        return
    st.text(f"{result.file_name} · {len(result.data):,} bytes")
    st.download_button(
        "Download",
        data=result.data,
        file_name=result.file_name,
        mime=result.mime,
        key=key,
        on_click="ignore",
        type="primary",
    )


def render_dataset_export(engine: Engine, info: DatasetInfo, actor: Actor | None) -> None:
    """Export the live dataset without freezing it (no splits)."""
    with st.expander("Export the whole dataset as it is now (no snapshot, no splits)"):
        formats = {f.key: f for f in formats_for(info.schema)}
        key = st.selectbox(
            "Format",
            list(formats),
            format_func=lambda k: formats[k].label,
            key="dataset_export_format",
        )
        if st.toggle("Prepare the file", key="dataset_export_go"):
            _download(
                _export_dataset(engine, info.id, info.data_version, key, actor),
                key="dataset_download",
            )


def render_exports(engine: Engine, snap: SnapshotInfo, actor: Actor | None) -> None:
    st.subheader("Export")
    formats = {f.key: f for f in formats_for(snap.schema)}
    cols = st.columns([2, 1])
    key = cols[0].selectbox(
        "Format",
        list(formats),
        format_func=lambda k: formats[k].label,
        key="snap_export_format",
    )
    splits = [s for s in SPLIT_CHOICES if s == "all" or snap.sizes.get(s, 0) > 0]
    split = cols[1].selectbox(
        "Split", splits, format_func=SPLIT_LABELS.__getitem__, key="snap_export_split"
    )
    show_caption(formats[key].help)
    system = None
    if snap.schema == "completion" and key in ("chat", "llamafactory"):
        system = st.text_input(
            "System message to add (optional)",
            key="snap_export_system",
            help="Prompt/completion rows become system + user + assistant messages.",
        )
    if key in ("csv", "xlsx"):
        st.caption(
            "Cells starting with = + - @ tab or CR get a leading ' so spreadsheets show them "
            "as text instead of running them (the ' stays if the file is imported again)."
        )
    _download(_export(engine, snap.id, key, split, system or None, actor), key="snap_download")
