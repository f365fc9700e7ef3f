"""The import panel of the Datasets screen: upload, see what was detected, map, import."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from lib.core.errors import UserError
from lib.core.examples import SCHEMA_LABELS
from lib.core.identity import Actor
from lib.datasets.service import Inspection, import_upload, inspect_upload, suggest_name
from lib.datasets.ui.columns import pick_columns
from lib.shell.messages import show_caption, show_error, show_info, show_success, show_warning

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

UPLOAD_TYPES = ["csv", "tsv", "xlsx", "json", "jsonl", "txt"]
PREVIEW_ROWS = 20
_UPLOADER_KEY = "import_uploader"
_NONCE_KEY = "import_uploader_nonce"
_LAST_IMPORT_KEY = "import_last_summary"
RAW_ROWS = 5  # raw rows shown beside the mapped result


@st.cache_data(max_entries=8, show_spinner="Reading the file…")
def _inspect(
    data: bytes,
    file_name: str,
    sheet: str | None,
    mapping_json: str | None,
    drop: tuple[str, ...] = (),
) -> Inspection:
    mapping = json.loads(mapping_json) if mapping_json else None
    return inspect_upload(
        data,
        file_name=file_name,
        sheet=sheet,
        mapping=mapping,
        preview_rows=PREVIEW_ROWS,
        drop=drop,
    )


def _text_frame(rows: tuple[dict, ...]) -> pd.DataFrame:
    # Every cell as text: user data is shown, never interpreted.
    return pd.DataFrame(
        [
            {
                k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                for k, v in r.items()
            }
            for r in rows
        ]
    )


def _detected(inspection: Inspection) -> None:
    cols = st.columns(4)
    cols[0].metric("Format", inspection.format_label)
    cols[1].metric("Encoding", inspection.encoding or "—")
    cols[2].metric("Rows", f"{inspection.n_rows:,}")
    cols[3].metric("Schema", inspection.schema_label if inspection.schema else "needs mapping")
    show_caption(
        "Columns: " + ", ".join(inspection.columns) if inspection.columns else "No columns"
    )
    for warning in inspection.warnings:
        show_warning(warning)
    if inspection.unknown_keys:
        listed = ", ".join(f"{k} ({n:,} rows)" for k, n in inspection.unknown_keys.items())
        show_info(f"Kept with the examples but not used for training: {listed}")


def _raw_rows(inspection: Inspection) -> None:
    show_caption(f"The file's first {min(RAW_ROWS, len(inspection.preview_raw))} rows as read")
    st.dataframe(_text_frame(inspection.preview_raw[:RAW_ROWS]), hide_index=True, width="stretch")


def _mapped_rows(inspection: Inspection, n: int) -> None:
    shown = inspection.preview_examples[:n]
    label = SCHEMA_LABELS[inspection.schema] if inspection.schema else ""
    show_caption(f"The first {len(shown)} examples as they will be stored ({label})")
    st.dataframe(_text_frame(shown), hide_index=True, width="stretch")


def render_import(engine: Engine, actor: Actor | None) -> None:
    nonce = st.session_state.setdefault(_NONCE_KEY, 0)
    uploaded = st.file_uploader(
        "Upload a CSV, TSV, XLSX, JSON (array of objects), JSONL or TXT file",
        type=UPLOAD_TYPES,
        key=f"{_UPLOADER_KEY}_{nonce}",
    )
    last = st.session_state.pop(_LAST_IMPORT_KEY, None)
    if last:
        show_success(last)
    if uploaded is None:
        return
    data = uploaded.getvalue()
    base: Inspection | None = None
    digest = hashlib.sha256(data).hexdigest()[:16]
    try:
        first = _inspect(data, uploaded.name, None, None)
        sheet = None
        if first.sheets:
            sheet = st.selectbox(
                "Sheet",
                first.sheets,
                index=first.sheets.index(first.sheet) if first.sheet in first.sheets else 0,
                key=f"import_sheet_{digest}",
            )
        base = first if sheet == first.sheet else _inspect(data, uploaded.name, sheet, None)
        _detected(base)
        choice = pick_columns(base)
        mapping, drop = choice.mapping, choice.drop
        inspection = (
            _inspect(data, uploaded.name, sheet, json.dumps(mapping, sort_keys=True), drop)
            if mapping
            else base
        )
    except UserError as exc:
        show_error(str(exc))
        if base is not None:
            _raw_rows(base)
        return
    if inspection.schema is None:
        st.info(
            "Pick the columns for the prompt and the completion (or the chat roles) to "
            "import this file."
        )
        _raw_rows(inspection)
        return
    if mapping:
        raw, mapped = st.columns(2)
        with raw:
            _raw_rows(inspection)
        with mapped:
            _mapped_rows(inspection, RAW_ROWS)
    else:
        _mapped_rows(inspection, PREVIEW_ROWS)
    suggestion = suggest_name(engine, uploaded.name, actor=actor)
    name = st.text_input("Dataset name", value=suggestion, key=f"import_name_{digest}")
    if actor is None:
        st.info("Enter your name in the sidebar to import: every dataset records who made it.")
    if st.button("Import", type="primary", key="import_button", disabled=actor is None):
        try:
            with st.spinner("Importing…"):
                summary = import_upload(
                    engine,
                    data,
                    file_name=uploaded.name,
                    name=name,
                    sheet=sheet,
                    mapping=mapping,
                    drop=drop,
                    actor=actor,
                )
        except UserError as exc:
            show_error(f"Nothing was imported. {exc}")
            return
        st.session_state[_LAST_IMPORT_KEY] = (
            f"Imported {summary.n_examples:,} examples into “{summary.name}” "
            f"({SCHEMA_LABELS[summary.schema]}"
            + (f", {summary.n_labels} labels" if summary.classification else "")
            + ")."
        )
        st.session_state[_NONCE_KEY] = nonce + 1  # a fresh, empty uploader
        st.session_state["selected_dataset_id"] = summary.dataset_id
        st.rerun()
