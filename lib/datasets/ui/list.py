"""The list of datasets with details, label distribution, rename and delete."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from lib.core.examples import SCHEMA_LABELS, is_classification
from lib.core.identity import Actor
from lib.datasets.service import (
    DatasetInfo,
    delete_dataset,
    first_rows,
    label_counts,
    rename_dataset,
)
from lib.datasets.stats import imbalance_ratio, label_distribution_figure
from lib.shell.messages import md, show_caption, show_info, show_success, show_warning
from lib.shell.widgets import (
    SELECTED_DATASET_KEY,
    cached_datasets,
    first_fitting,
    run_action,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_CONFIRM_DELETE_KEY = "datasets_confirm_delete"
_FLASH_KEY = "datasets_flash"
RAW_ROWS = 5


@st.cache_data(max_entries=64, show_spinner=False)
def _label_counts(
    _engine: Engine, dataset_id: int, data_version: int, actor: Actor | None
) -> dict[str, int]:
    # data_version is the cache key: any save to the dataset bumps it.
    return label_counts(_engine, dataset_id, actor=actor)


def _table(infos: list[DatasetInfo], labels: dict[int, dict[str, int]]) -> pd.DataFrame:
    rows = []
    for info in infos:
        counts = labels[info.id]
        classification = is_classification(n_examples=info.n_examples, labels=counts.keys())
        rows.append(
            {
                "Name": info.name,
                "Rows": info.n_examples,
                "Schema": SCHEMA_LABELS.get(info.schema, info.schema),
                "Labels": f"{len(counts):,}" if classification else "—",
                "Source": info.source_name or "",
                "Created": info.created_at.strftime("%Y-%m-%d %H:%M"),
                "Updated": info.updated_at.strftime("%Y-%m-%d %H:%M"),
            }
        )
    return pd.DataFrame(rows)


def _details(info: DatasetInfo, counts: dict[str, int]) -> None:
    if info.description:
        st.text(info.description)
    source = info.meta.get("source", {})
    facts = [f"{info.n_examples:,} examples", SCHEMA_LABELS.get(info.schema, info.schema)]
    if source.get("encoding"):
        facts.append(f"encoding {source['encoding']}")
    if source.get("sheet"):
        facts.append(f"sheet {source['sheet']}")
    show_caption(" · ".join(facts))
    if source.get("mapping"):
        st.caption("Column mapping used on import:")
        st.code("\n".join(f"{k} = {v!r}" for k, v in source["mapping"].items()), language=None)
    unknown = info.meta.get("unknown_keys") or {}
    if unknown:
        show_info(
            "Kept with the examples but not used for training: "
            + ", ".join(f"{k} ({n:,} rows)" for k, n in unknown.items())
        )
    if is_classification(n_examples=info.n_examples, labels=counts.keys()):
        ratio = imbalance_ratio(counts)
        st.plotly_chart(
            label_distribution_figure(counts, title=f"{len(counts)} labels"),
            key=f"labels_chart_{info.id}",
        )
        if ratio and ratio >= 5:
            show_caption(f"The largest class is {ratio:.0f}× the smallest.")
    elif counts:
        show_caption(
            f"{len(counts):,} distinct completions: a generation dataset, not classification."
        )


def _manage(engine: Engine, info: DatasetInfo, actor: Actor | None) -> None:
    with st.form(f"rename_{info.id}", border=False):
        new_name = st.text_input("Rename", value=info.name, key=f"rename_input_{info.id}")
        if st.form_submit_button("Rename"):
            renamed = run_action(lambda: rename_dataset(engine, info.id, new_name, actor=actor))
            if renamed:
                st.session_state[_FLASH_KEY] = f"Renamed to “{renamed.name}”."
                st.rerun()
    if st.session_state.get(_CONFIRM_DELETE_KEY) == info.id:
        show_warning(
            f"Delete “{info.name}” with its {info.n_examples:,} examples, their history and its "
            "snapshots? This cannot be undone."
        )
        yes, no = st.columns(2)
        confirmed = yes.button(
            f"Yes, delete “{md(info.name)}”", type="primary", key=f"delete_yes_{info.id}"
        )
        if confirmed and run_action(lambda: delete_dataset(engine, info.id, actor=actor)):
            st.session_state.pop(_CONFIRM_DELETE_KEY, None)
            st.session_state.pop(SELECTED_DATASET_KEY, None)
            st.session_state[_FLASH_KEY] = f"Deleted “{info.name}”."
            st.rerun()
        if no.button("Cancel", key=f"delete_no_{info.id}"):
            st.session_state.pop(_CONFIRM_DELETE_KEY, None)
            st.rerun()
    elif st.button("Delete dataset…", key=f"delete_{info.id}"):
        st.session_state[_CONFIRM_DELETE_KEY] = info.id
        st.rerun()


def render_list(engine: Engine, actor: Actor | None) -> None:
    flash = st.session_state.pop(_FLASH_KEY, None)
    if flash:
        show_success(flash)
    infos = cached_datasets(engine, actor)
    if not infos:
        st.info("No datasets yet: upload a file above.")
        return
    labels = {info.id: _label_counts(engine, info.id, info.data_version, actor) for info in infos}
    st.dataframe(
        _table(infos, labels),
        hide_index=True,
        width="stretch",
        column_config={"Rows": st.column_config.NumberColumn(format="%d")},
    )
    by_id = {info.id: info for info in infos}
    chosen = st.session_state.get(SELECTED_DATASET_KEY)
    ids = list(by_id)
    picked = st.selectbox(
        "Details of",
        ids,
        index=first_fitting(ids, chosen, frozenset()),  # the newest import
        format_func=lambda i: by_id[i].name,
        key="datasets_details_pick",
    )
    st.session_state[SELECTED_DATASET_KEY] = picked
    info = by_id[picked]
    left, right = st.columns([3, 2])
    with left:
        _details(info, labels[info.id])
    with right:
        _manage(engine, info, actor)
    _raw_rows(engine, info, actor)


@st.cache_data(max_entries=16, show_spinner=False)
def _first_rows(
    _engine: Engine, dataset_id: int, data_version: int, actor: Actor | None
) -> list[dict[str, object]]:
    return first_rows(_engine, dataset_id, limit=RAW_ROWS, actor=actor)


def _raw_rows(engine: Engine, info: DatasetInfo, actor: Actor | None) -> None:
    """A few rows exactly as stored (every field as text), to see what the data looks like."""
    rows = _first_rows(engine, info.id, info.data_version, actor)
    if not rows:
        return
    show_caption(f"The first {len(rows)} examples as stored")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                    for k, v in row.items()
                }
                for row in rows
            ]
        ),
        hide_index=True,
        width="stretch",
        key=f"datasets_raw_{info.id}",
    )


def render_screen(engine: Engine, actor: Actor | None) -> None:
    """The Datasets screen: import a file, then the list of datasets with their details."""
    from lib.datasets.ui.upload import render_import

    with st.expander("Import a file", expanded=True):
        render_import(engine, actor)
    st.subheader("Your datasets")
    render_list(engine, actor)
