"""The review page's filter bar: status, label, search, length, comment, findings, ids, sort.

Option labels are the plain values (never "unreviewed (744)"): Streamlit drops a selection
whose option label changed, so a label carrying a live count cleared the filter at every save.
The counts are shown beside the filters instead.
"""

from __future__ import annotations

import streamlit as st

from lib.datasets.service import DatasetInfo
from lib.review import query, service
from lib.review.service import STATUSES
from lib.review.ui.state import CURRENT_KEY, IDS_FROM_OTHER_SCREENS
from lib.shell.messages import md

_ANY = "any"


def _clear_ids() -> None:
    st.session_state.pop(IDS_FROM_OTHER_SCREENS, None)


def render_filters(info: DatasetInfo, overview: service.Overview) -> query.Filters:
    """Draw the filters and return them (kept in widget state and the URL)."""
    state = st.session_state
    if state.get("review_filters_dataset") != info.id:
        # Another dataset: its labels differ, and a page number or cursor would point nowhere.
        for key in ("review_f_label", "review_page", CURRENT_KEY):
            state.pop(key, None)
        state["review_filters_dataset"] = info.id
    label_options = list(overview.labels)[:500] + [query.NO_LABEL]
    # A label kept in the URL or session that this dataset no longer has would be refused by
    # the widget: keep only the ones on offer.
    if "review_f_label" in state:
        state["review_f_label"] = [v for v in state["review_f_label"] if v in label_options]
    if "review_f_status" in state:
        state["review_f_status"] = [v for v in state["review_f_status"] if v in STATUSES]
    ids = state.get(IDS_FROM_OTHER_SCREENS)
    if ids:
        left, right = st.columns([4, 1])
        left.info(md(f"Showing the {len(ids):,} examples another screen sent here."))
        right.button("Show all examples", key="review_clear_ids", on_click=_clear_ids)
    more = [k for k in ("review_f_min", "review_f_max") if state.get(k) is not None] + [
        k for k in ("review_f_comment", "review_f_find") if state.get(k, _ANY) != _ANY
    ]
    with st.container(border=True):
        c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
        statuses = c1.multiselect("Status", STATUSES, key="review_f_status")
        chosen_labels = c2.multiselect("Label", label_options, key="review_f_label")
        text = c3.text_input(
            "Search",
            help="Finds the text in prompts, completions and chat messages.",
            key="review_f_text",
            max_chars=query.MAX_SEARCH_LENGTH,
        )
        sort = c4.selectbox("Sort", list(query.SORTS), key="review_f_sort")
        title = f"More filters ({len(more)} set)" if more else "More filters"
        with st.expander(title, expanded=bool(more)):
            c5, c6, c7, c8 = st.columns(4)
            min_chars = c5.number_input(
                "Min. characters", min_value=0, value=None, key="review_f_min"
            )
            max_chars = c6.number_input(
                "Max. characters", min_value=0, value=None, key="review_f_max"
            )
            comment = c7.selectbox(
                "Comment", [_ANY, "with comment", "without"], key="review_f_comment"
            )
            findings = None
            if query.findings_available():
                pick = c8.selectbox(
                    "Findings", [_ANY, "with findings", "without"], key="review_f_find"
                )
                findings = None if pick == _ANY else pick == "with findings"
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
