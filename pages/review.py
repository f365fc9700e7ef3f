"""Review: inspect, edit, approve and label examples, with history and no lost edits."""

import streamlit as st

from lib.shell.guard import guard

ctx = guard(title="Review")

from lib.review.ui.conflict import conflict_dialog  # noqa: E402 - the guard runs first
from lib.review.ui.filters import render_filters  # noqa: E402
from lib.review.ui.focus import render_focus  # noqa: E402
from lib.review.ui.history import render_guidelines  # noqa: E402
from lib.review.ui.samples import render_double_review, render_random_sample  # noqa: E402
from lib.review.ui.state import MODE_KEY, MODES, NO_REVIEWER_HINT, conflicts  # noqa: E402
from lib.review.ui.table import render_table  # noqa: E402
from lib.shell.widgets import dataset_picker  # noqa: E402

info = dataset_picker(ctx.engine, key="review_dataset")
if info is not None:
    if not ctx.reviewer:
        st.info(NO_REVIEWER_HINT)
    mode = st.segmented_control("Mode", MODES, key=MODE_KEY, default=MODES[0]) or MODES[0]
    if mode in ("Table", "Focus"):
        filters = render_filters(ctx.engine, info)
        if mode == "Table":
            render_table(ctx.engine, info, filters, ctx.reviewer)
        else:
            render_focus(ctx.engine, info, filters, ctx.reviewer, render_guidelines)
    elif mode == "Random sample":
        render_random_sample(ctx.engine, info, ctx.reviewer)
    else:
        render_double_review(ctx.engine, info, ctx.reviewer)
    if conflicts():
        conflict_dialog(ctx.engine, ctx.reviewer)
