"""Session state of the review page: filters, cursor, drafts, conflicts, and cached reads.

Session state holds ids, filters, page numbers and per-example drafts (the unsaved text of
examples a reviewer touched), never pages of data: those come from the store through
``st.cache_data`` keyed by the dataset's ``data_version``, so every save invalidates them.
"""

from __future__ import annotations

import copy
from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from lib.core.example_store import ExampleRow
from lib.datasets.repo import DatasetInfo, label_counts
from lib.review import query
from lib.review.merge import Conflict

IDS_FROM_OTHER_SCREENS = "review_example_ids"  # set by other screens: [example ids]
MODE_KEY = "review_mode"
FOCUS_INDEX_KEY = "review_focus_index"
DRAFTS_KEY = "review_drafts"  # {example_id: {"base_version", "base", "data", "comment", "gen"}}
CONFLICTS_KEY = "review_conflicts"  # [Conflict]
NO_REVIEWER_HINT = (
    "Enter your name in the sidebar (“Your name”) to save: every change records who made it."
)
MODES = ("Table", "Focus", "Random sample", "Double review")


def cache_key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@st.cache_data(show_spinner=False, max_entries=200)
def cached_page(
    _engine: Engine,
    url: str,
    dataset_id: int,
    data_version: int,
    filters: query.Filters,
    offset: int,
    limit: int,
) -> list[ExampleRow]:
    with _engine.connect() as conn:
        return query.page(conn, dataset_id, filters, offset=offset, limit=limit)


@st.cache_data(show_spinner=False, max_entries=200)
def cached_count(
    _engine: Engine, url: str, dataset_id: int, data_version: int, filters: query.Filters
) -> int:
    with _engine.connect() as conn:
        return query.count(conn, dataset_id, filters)


@st.cache_data(show_spinner=False, max_entries=50)
def cached_status_counts(_engine: Engine, url: str, dataset_id: int, data_version: int) -> dict:
    with _engine.connect() as conn:
        return query.status_counts(conn, dataset_id)


@st.cache_data(show_spinner=False, max_entries=50)
def cached_labels(_engine: Engine, url: str, dataset_id: int, data_version: int) -> dict:
    with _engine.connect() as conn:
        return label_counts(conn, dataset_id)


def page_rows(engine: Engine, info: DatasetInfo, filters: query.Filters, offset: int, limit: int):
    return cached_page(
        engine, cache_key(engine), info.id, info.data_version, filters, offset, limit
    )


def filtered_count(engine: Engine, info: DatasetInfo, filters: query.Filters) -> int:
    return cached_count(engine, cache_key(engine), info.id, info.data_version, filters)


def labels_of(engine: Engine, info: DatasetInfo) -> dict[str, int]:
    return cached_labels(engine, cache_key(engine), info.id, info.data_version)


def statuses_of(engine: Engine, info: DatasetInfo) -> dict[str, int]:
    return cached_status_counts(engine, cache_key(engine), info.id, info.data_version)


# Drafts: unsaved edits per example, kept across navigation until saved or discarded.


def drafts() -> dict[int, dict[str, Any]]:
    return st.session_state.setdefault(DRAFTS_KEY, {})


def draft_for(example: ExampleRow) -> dict[str, Any]:
    """The example's draft, created from its current state on first touch."""
    store = drafts()
    if example.id not in store:
        store[example.id] = {
            "base_version": example.version,
            "base": copy.deepcopy(example.state()),
            "data": copy.deepcopy(example.data),
            "comment": example.comment or "",
            "gen": 0,
        }
    return store[example.id]


def draft_is_dirty(draft: dict[str, Any]) -> bool:
    base = draft["base"]
    return draft["data"] != base["data"] or (draft["comment"] or "") != (base["comment"] or "")


def discard_draft(example_id: int) -> None:
    draft = drafts().pop(example_id, None)
    # Bump the widget generation so text areas show the stored text again.
    gens = st.session_state.setdefault("review_draft_gens", {})
    gens[example_id] = gens.get(example_id, 0) + 1 + (draft["gen"] if draft else 0)


def widget_gen(example_id: int) -> int:
    draft = drafts().get(example_id)
    base = st.session_state.get("review_draft_gens", {}).get(example_id, 0)
    return base + (draft["gen"] if draft else 0)


# Conflicts: refused saves waiting for keep mine / keep theirs / merge.


def conflicts() -> list[Conflict]:
    return st.session_state.setdefault(CONFLICTS_KEY, [])


def push_conflict(conflict: Conflict) -> None:
    queue = conflicts()
    queue[:] = [c for c in queue if c.example_id != conflict.example_id] + [conflict]


def _show_drafts(ids: list[int]) -> None:
    # A callback: widget-bound keys (the mode) can only change before the script runs.
    st.session_state[IDS_FROM_OTHER_SCREENS] = ids
    st.session_state[MODE_KEY] = "Table"


def drafts_notice(current_id: int | None = None) -> None:
    """Say which examples hold unsaved focus-view edits, and offer to list them."""
    others = [i for i, d in drafts().items() if i != current_id and draft_is_dirty(d)]
    if others:
        shown = ", ".join(map(str, others[:20])) + (" …" if len(others) > 20 else "")
        st.info(
            f"Unsaved focus-view edits are kept for {len(others)} "
            f"{'other ' if current_id else ''}example(s) (ids {shown}) until you save or "
            "discard them."
        )
        st.button(
            "Show them in the table",
            key="review_show_drafts",
            on_click=_show_drafts,
            args=(others,),
        )
