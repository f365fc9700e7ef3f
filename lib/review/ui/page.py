"""The review page: dataset, mode, progress, the mode's view and the guidelines beside it.

The place (dataset, mode, filters, current example) is restored from the URL or the session
before any widget is drawn and written back after, so reload, back and shared links work.
"""

from __future__ import annotations

import streamlit as st

from lib.review.ui import place
from lib.review.ui.conflict import conflict_dialog
from lib.review.ui.filters import render_filters
from lib.review.ui.focus import render_focus
from lib.review.ui.history import render_guidelines
from lib.review.ui.keys import commit_text_before_shortcuts
from lib.review.ui.place import MODE_KEY, MODES
from lib.review.ui.samples import render_double_review, render_random_sample
from lib.review.ui.state import NO_REVIEWER_HINT, conflicts, overview_of
from lib.review.ui.table import render_table
from lib.shell.guard import Context
from lib.shell.messages import show_info
from lib.shell.widgets import dataset_picker


def render_review(ctx: Context) -> None:
    place.restore()
    actor = ctx.actor
    top = st.columns([3, 2], vertical_alignment="bottom")
    with top[0]:
        info = dataset_picker(ctx.engine, key="review_dataset")
    if info is None:
        return
    mode = top[1].segmented_control("Mode", MODES, key=MODE_KEY) or MODES[0]
    commit_text_before_shortcuts()
    overview = overview_of(ctx.engine, info, actor)
    if mode in ("Table", "Focus"):
        counts = " · ".join(f"{s} {n:,}" for s, n in overview.statuses.items())
        st.progress(
            overview.reviewed / overview.total if overview.total else 0.0,
            text=f"{overview.reviewed:,} of {overview.total:,} reviewed ({counts})",
        )
    if actor is None:
        show_info(NO_REVIEWER_HINT)
    if mode == "Table":
        # The table needs the full width (its text columns); the guidelines sit above it.
        with st.expander("Guidelines", expanded=False):
            render_guidelines(ctx.engine, info, actor)
        render_table(ctx.engine, info, render_filters(info, overview), actor)
    else:
        main, side = st.columns([3, 1])
        with main:
            if mode == "Focus":
                render_focus(ctx.engine, info, render_filters(info, overview), actor, overview)
            elif mode == "Random sample":
                render_random_sample(ctx.engine, info, actor)
            else:
                render_double_review(ctx.engine, info, actor, overview)
        with side:
            render_guidelines(ctx.engine, info, actor)
    place.keep(info.id)
    if conflicts():
        conflict_dialog(ctx.engine, actor)
