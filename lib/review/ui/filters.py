"""The review page's filter bar: status, label, search, length, comment, findings, ids, sort."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from lib.core.example_store import STATUSES
from lib.datasets.repo import DatasetInfo
from lib.review import query
from lib.review.ui.state import FOCUS_INDEX_KEY, IDS_FROM_OTHER_SCREENS, labels_of, statuses_of

_ANY = "any"


def render_filters(engine: Engine, info: DatasetInfo) -> query.Filters:
    """Draw the filters and return them (kept in widget state, so they survive reruns)."""
    if st.session_state.get("review_filters_dataset") != info.id:
        # Another dataset: its labels differ, and a page number or cursor would point nowhere.
        for key in ("review_f_label", "review_page", FOCUS_INDEX_KEY):
            st.session_state.pop(key, None)
        st.session_state["review_filters_dataset"] = info.id
    counts = statuses_of(engine, info)
    labels = labels_of(engine, info)
    ids = st.session_state.get(IDS_FROM_OTHER_SCREENS)
    if ids:
        left, right = st.columns([4, 1])
        left.info(f"Showing the {len(ids):,} examples another screen sent here.")
        if right.button("Show all examples", key="review_clear_ids"):
            st.session_state.pop(IDS_FROM_OTHER_SCREENS, None)
            st.rerun()
    with st.container(border=True):
        c1, c2, c3 = st.columns([2, 2, 3])
        statuses = c1.multiselect(
            "Status",
            STATUSES,
            key="review_f_status",
            format_func=lambda s: f"{s} ({counts.get(s, 0):,})",
        )
        label_options = list(labels)[:500] + [query.NO_LABEL]
        chosen_labels = c2.multiselect(
            "Label",
            label_options,
            key="review_f_label",
            format_func=lambda lab: lab if lab == query.NO_LABEL else f"{lab} ({labels[lab]:,})",
        )
        text = c3.text_input(
            "Search prompt, completion and messages",
            key="review_f_text",
            max_chars=query.MAX_SEARCH_LENGTH,
        )
        c4, c5, c6, c7, c8 = st.columns(5)
        min_chars = c4.number_input("Min. characters", min_value=0, value=None, key="review_f_min")
        max_chars = c5.number_input("Max. characters", min_value=0, value=None, key="review_f_max")
        comment = c6.selectbox("Comment", [_ANY, "with comment", "without"], key="review_f_comment")
        findings = None
        if query.findings_available():
            pick = c7.selectbox("Findings", [_ANY, "with findings", "without"], key="review_f_find")
            findings = None if pick == _ANY else pick == "with findings"
        sort = c8.selectbox("Sort", list(query.SORTS), key="review_f_sort")
    return query.Filters(
        statuses=tuple(statuses),
        labels=tuple(chosen_labels),
        text=text or "",
        min_chars=int(min_chars) if min_chars is not None else None,
        max_chars=int(max_chars) if max_chars is not None else None,
        has_comment=None if comment == _ANY else comment == "with comment",
        has_findings=findings,
        example_ids=tuple(int(i) for i in ids) if ids else None,
        sort=sort,
    )
