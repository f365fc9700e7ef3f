"""Session state of the review page: the pass, notices, conflicts, and cached reads.

Session state holds ids, filters and page numbers, never pages of data: those come from the
review service through ``st.cache_data`` keyed by the dataset's ``data_version``, so every save
invalidates them. Drafts are not here: the service keeps them in the store per reviewer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from lib.core.identity import Actor
from lib.datasets.service import DatasetInfo
from lib.review import query, service
from lib.review.merge import Conflict
from lib.review.service import ExampleRow
from lib.review.ui.place import CURRENT_KEY, MODE_KEY
from lib.shell.messages import show_toast

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

IDS_FROM_OTHER_SCREENS = "review_example_ids"  # set by other screens: [example ids]
CONFLICTS_KEY = "review_conflicts"  # [Conflict]
NOTICE_KEY = "review_notice"  # (kind, text) shown once at the top of the next run
PASS_KEY = "review_pass"  # {"key": (dataset, filters), "seen": [ids], "back": [ids]}
MAX_SEEN = 5_000
NO_REVIEWER_HINT = (
    "Enter your name in the sidebar (“Your name”) to save: every change records who made it."
)


def cache_key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@st.cache_data(show_spinner=False, max_entries=200)
def _cached_page(
    _engine: Engine,
    url: str,
    dataset_id: int,
    data_version: int,
    filters: query.Filters,
    offset: int,
    limit: int,
) -> service.Page:
    return service.page(_engine, dataset_id, filters, offset=offset, limit=limit, actor=None)


@st.cache_data(show_spinner=False, max_entries=50)
def _cached_overview(
    _engine: Engine, url: str, dataset_id: int, data_version: int
) -> service.Overview:
    return service.overview(_engine, dataset_id, actor=None)


def page_of(
    engine: Engine, info: DatasetInfo, filters: query.Filters, offset: int, limit: int
) -> service.Page:
    return _cached_page(
        engine, cache_key(engine), info.id, info.data_version, filters, offset, limit
    )


def overview_of(engine: Engine, info: DatasetInfo, actor: Actor | None) -> service.Overview:
    service.may_read(actor)  # the cached read below is shared by everyone who may read
    return _cached_overview(engine, cache_key(engine), info.id, info.data_version)


# The pass: which examples the focus view has shown under the current dataset and filters.


def the_pass(dataset_id: int, filters: query.Filters) -> dict:
    key = (dataset_id, filters)
    current = st.session_state.get(PASS_KEY)
    if not current or current.get("key") != key:
        if current:
            # New filters start a new pass at its first example (a reload keeps its place:
            # it has no old pass).
            st.session_state.pop(CURRENT_KEY, None)
        current = {"key": key, "seen": [], "back": []}
        st.session_state[PASS_KEY] = current
    return current


def mark_seen(dataset_id: int, filters: query.Filters, example: ExampleRow) -> None:
    p = the_pass(dataset_id, filters)
    if example.id not in p["seen"]:
        p["seen"].append(example.id)
        del p["seen"][:-MAX_SEEN]


def open_in_focus(example_id: int) -> None:
    """Show this example in the focus view (a callback): a new pass that starts here."""
    st.session_state.pop(PASS_KEY, None)
    st.session_state[CURRENT_KEY] = example_id
    st.session_state[MODE_KEY] = "Focus"


def go_to(example_id: int | None, *, from_id: int | None = None) -> None:
    """Make ``example_id`` the focus view's example (a callback or before the view draws)."""
    p = st.session_state.get(PASS_KEY)
    if p is not None and from_id is not None and example_id != from_id:
        p["back"].append(from_id)
        del p["back"][:-200]
    st.session_state[CURRENT_KEY] = example_id


# Notices and conflicts from actions (callbacks run before the page draws).


def notify(kind: str, text: str) -> None:
    st.session_state[NOTICE_KEY] = (kind, text)


def show_notice() -> None:
    notice = st.session_state.pop(NOTICE_KEY, None)
    if not notice:
        return
    kind, text = notice
    if kind == "success":
        show_toast(text)  # a passing note: it must not push the example down the screen
        return
    {"warning": st.warning, "error": st.error}.get(kind, st.info)(text)


def conflicts() -> list[Conflict]:
    return st.session_state.setdefault(CONFLICTS_KEY, [])


def push_conflict(conflict: Conflict) -> None:
    queue = conflicts()
    queue[:] = [c for c in queue if c.example_id != conflict.example_id] + [conflict]


def drop_conflict(example_id: int) -> None:
    queue = conflicts()
    queue[:] = [c for c in queue if c.example_id != example_id]


def drafts_notice(
    engine: Engine, info: DatasetInfo, actor: Actor | None, current_id: int | None = None
) -> None:
    """List the reviewer's unsaved drafts in this dataset (kept in the store) with a way back."""
    kept = [
        d for d in service.drafts_of(engine, info.id, actor=actor) if d.example_id != current_id
    ]
    if not kept:
        return
    with st.expander(f"Your unsaved drafts ({len(kept)})", expanded=False):
        st.caption("What you typed and did not save is kept for you until you save or discard it.")
        for draft in kept[:50]:
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.text(f"id {draft.example_id} · typed {draft.updated_at:%Y-%m-%d %H:%M} UTC")
            right.button(
                "Open",
                key=f"review_draft_open_{draft.example_id}",
                on_click=open_in_focus,
                args=(draft.example_id,),
            )
