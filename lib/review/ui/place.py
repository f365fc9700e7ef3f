"""Where the reviewer is: dataset, mode, filters and current example, kept in the URL.

The URL's query parameters say where the reviewer is, so a reload, the back button or a link
sent to a colleague opens the same place. Streamlit forgets widget state on a page change
(Review → Datasets → Review) and the URL of the other page has none of these parameters, so the
place is also kept under a plain session key and put back into the widgets when they are
missing.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.review import query
from lib.shell.widgets import SELECTED_DATASET_KEY

MODES = ("Table", "Focus", "Random sample", "Double review")
MODE_SLUGS = {
    "Table": "table",
    "Focus": "focus",
    "Random sample": "sample",
    "Double review": "double",
}
MODE_KEY = "review_mode"
CURRENT_KEY = "review_current"  # the id of the example the focus view shows
PLACE_KEY = "_review_place"  # the last place, kept across page changes

# widget key -> (query parameter, is a list)
FILTER_PARAMS: dict[str, tuple[str, bool]] = {
    "review_f_status": ("status", True),
    "review_f_label": ("label", True),
    "review_f_text": ("q", False),
    "review_f_min": ("min", False),
    "review_f_max": ("max", False),
    "review_f_comment": ("comment", False),
    "review_f_find": ("findings", False),
    "review_f_sort": ("sort", False),
}
_NUMBERS = ("review_f_min", "review_f_max")
_CHOICES = {
    "review_f_comment": ("any", "with comment", "without"),
    "review_f_find": ("any", "with findings", "without"),
    "review_f_sort": tuple(query.SORTS),
}


def _from_url() -> dict[str, Any]:
    params = st.query_params
    place: dict[str, Any] = {}
    if params.get("dataset", "").isdigit():
        place["dataset"] = int(params["dataset"])
    slug = params.get("mode")
    by_slug = {v: k for k, v in MODE_SLUGS.items()}
    if slug in by_slug:
        place[MODE_KEY] = by_slug[slug]
    if params.get("ex", "").isdigit():
        place[CURRENT_KEY] = int(params["ex"])
    for key, (name, many) in FILTER_PARAMS.items():
        if name not in params:
            continue
        if many:
            values = params.get_all(name)
            if key == "review_f_status":
                values = [v for v in values if v in query.STATUSES]
            place[key] = values
        elif key in _NUMBERS:
            if params[name].isdigit():
                place[key] = int(params[name])
        elif key in _CHOICES:
            if params[name] in _CHOICES[key]:
                place[key] = params[name]
        else:
            place[key] = params[name][: query.MAX_SEARCH_LENGTH]
    return place


def restore() -> None:
    """Put the place back into the widgets' keys when Streamlit has dropped them.

    A fresh browser session (a reload, a shared link) takes the URL's place; a page change
    within the session takes the place kept in the session (the URL of the other page had none).
    """
    state = st.session_state
    if MODE_KEY in state:
        return  # the widgets are alive: they are the truth
    place = _from_url()
    if not place:
        place = dict(state.get(PLACE_KEY) or {})
        chosen = state.get(SELECTED_DATASET_KEY)
        if chosen is not None and place.get("dataset") not in (None, chosen):
            # Another screen picked another dataset (e.g. "Review these examples"): the
            # kept filters and example belong to the old one; only the mode carries over.
            place = {MODE_KEY: place[MODE_KEY]} if MODE_KEY in place else {}
    if "dataset" in place:
        state[SELECTED_DATASET_KEY] = place["dataset"]
        state["review_filters_dataset"] = place["dataset"]  # the filters belong to it
        state.pop("review_dataset", None)
    state[MODE_KEY] = place.get(MODE_KEY, MODES[0])
    for key in (CURRENT_KEY, *FILTER_PARAMS):
        if key in place:
            state[key] = place[key]


def keep(dataset_id: int) -> None:
    """Remember the place in the session and write it into the URL (no rerun)."""
    state = st.session_state
    place: dict[str, Any] = {"dataset": dataset_id, MODE_KEY: state.get(MODE_KEY) or MODES[0]}
    if state.get(CURRENT_KEY) is not None:
        place[CURRENT_KEY] = state[CURRENT_KEY]
    for key in FILTER_PARAMS:
        value = state.get(key)
        if value not in (None, "", [], ()):
            place[key] = list(value) if isinstance(value, (list, tuple)) else value
    state[PLACE_KEY] = place
    wanted: dict[str, Any] = {
        "dataset": str(dataset_id),
        "mode": MODE_SLUGS.get(place[MODE_KEY], "table"),
    }
    if CURRENT_KEY in place and place[MODE_KEY] == "Focus":
        wanted["ex"] = str(place[CURRENT_KEY])
    for key, (name, many) in FILTER_PARAMS.items():
        if key in place and not (key in _CHOICES and place[key] == _CHOICES[key][0]):
            wanted[name] = [str(v) for v in place[key]] if many else str(place[key])
    params = st.query_params
    ours = {"dataset", "mode", "ex", *(name for name, _ in FILTER_PARAMS.values())}
    for name in ours - set(wanted):
        if name in params:
            del params[name]
    for name, value in wanted.items():
        current = params.get_all(name) if isinstance(value, list) else params.get(name)
        if current != value:
            params[name] = value
