"""The Synthetic data screen below the form: estimate and preview, run, progress, the result.

The run goes through the shared request runner in a background thread; the progress
fragment reads it from the store every second, so a reload (or another session) sees it and
an interrupted run can be resumed. When every request has an answer the new dataset is made
(once per run) and a button opens it in the review workspace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.providers.service import ProviderConfig
from lib.shell.messages import md, show_caption, show_error, show_info, show_success, show_warning
from lib.shell.messages import ui_secrets as secrets
from lib.shell.progress import progress_text
from lib.shell.widgets import SELECTED_DATASET_KEY, run_action
from lib.synth.service import (
    Plan,
    SynthSpec,
    cancel_synthetic,
    finish_run,
    make_plan,
    new_examples,
    plan_estimate,
    resume_synthetic,
    reused_answers,
    start_synthetic,
    synthetic_runs,
    synthetic_status,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

RUN_KEY = "synth_run_id"
OPEN_KEY = "synth_open_dataset"
AUTO_KEY = "synth_auto_finish"  # the run this session started: made into a dataset at its end
PREVIEW_ROWS = 3
PREVIEW_RESULT_ROWS = 10


def show_plan(
    engine: Engine, spec: SynthSpec, config: ProviderConfig, actor: Actor | None
) -> Plan | None:
    """Counts, estimate, warnings and a preview; None (with the reason shown) if not runnable."""
    st.subheader("Before running")
    try:
        plan = make_plan(spec)
        estimate = plan_estimate(engine, plan, config, actor=actor)
    except UserError as exc:
        show_error(str(exc))
        return None
    st.text(estimate.summary())
    show_caption(estimate.token_note)
    show_caption(estimate.cost_note)
    reused = reused_answers(engine, plan, actor=actor)
    if reused:
        show_info(
            f"{reused:,} of these {plan.n_requests:,} requests were answered before: their stored "
            "answers are reused (free, and the same texts). Change the seed under Advanced for "
            "fresh samples."
        )
    for warning in plan.warnings:
        show_warning(warning)
    preview = plan.preview(n=PREVIEW_ROWS)
    show_caption(f"Preview of the first {len(preview)} combinations (sample 1):")
    st.dataframe(
        [
            {**row.values, "training prompt": row.training_prompt, "seed": row.seed}
            for row in preview
        ],
        hide_index=True,
        width="stretch",
    )
    if preview:
        st.caption("The first generation prompt as sent:")
        st.code(preview[0].generation_prompt, language=None, wrap_lines=True)
    return plan


def start_button(engine: Engine, spec: SynthSpec, *, actor: Actor | None, concurrency: int) -> None:
    """Store the run and start it in the background."""
    clicked = st.button("Generate", type="primary", key="synth_start", disabled=actor is None)
    if actor is None:
        st.caption("Enter your name in the sidebar to generate a dataset.")
    if not clicked:
        return
    run_id = run_action(
        lambda: start_synthetic(
            engine, spec, concurrency=concurrency, secrets=secrets(), actor=actor
        )
    )
    if run_id:
        st.session_state[RUN_KEY] = run_id
        st.session_state[AUTO_KEY] = run_id
        st.session_state.pop(OPEN_KEY, None)


def _resume(engine: Engine, run_id: int, concurrency: int, actor: Actor | None) -> None:
    st.session_state[AUTO_KEY] = run_id
    run_action(
        lambda: resume_synthetic(
            engine, run_id, concurrency=concurrency, secrets=secrets(), actor=actor
        )
    )


def _finished(engine: Engine, run_id: int, actor: Actor | None, *, partial: bool) -> None:
    result = run_action(lambda: finish_run(engine, run_id, allow_partial=partial, actor=actor))
    if result is not None:
        st.session_state[OPEN_KEY] = result.dataset_id
        if not result.already:
            st.session_state["synth_made"] = (
                f"Made dataset {result.name!r}: {result.n_examples:,} examples, "
                f"{result.n_flagged:,} flagged for review (duplicates, near-duplicates, empty "
                "or cut-off texts)."
            )
        st.rerun()


def watch(engine: Engine, *, actor: Actor | None, concurrency: int) -> None:
    """Progress of the session's run (count, ETA, cost so far), cancel, resume, finish."""
    run_id = st.session_state.get(RUN_KEY)
    if not run_id:
        return
    try:
        state = synthetic_status(engine, run_id, actor=actor)
    except UserError as exc:
        show_error(str(exc))
        return
    run, progress, live = state.run, state.progress, state.live
    st.subheader(f"Run {run.id}: {md(run.name)}")
    st.progress(progress.fraction, text=progress_text(progress))
    status = progress.status
    if status == "interrupted" or (status == "running" and not live):
        status = "interrupted (the process working on it stopped): resume it"
    st.text(f"status: {status}" + (f" · {run.error}" if run.error else ""))
    made = state.dataset_id
    c1, c2 = st.columns(2)
    if live:
        if c1.button("Cancel", key="synth_cancel"):
            run_action(lambda: cancel_synthetic(engine, run_id, actor=actor))
        return
    if made is not None:
        if st.session_state.get(OPEN_KEY) != made:
            st.session_state[OPEN_KEY] = made
            st.rerun()  # the whole page: its "Open in Review" button is outside this fragment
        return
    if progress.pending or progress.failed:
        label = "Resume" if progress.pending else f"Retry the {progress.failed:,} failed requests"
        if c1.button(label, key="synth_resume"):
            _resume(engine, run_id, concurrency, actor)
            st.rerun()
        if progress.done and c2.button(
            f"Create the dataset from the {progress.done:,} answers", key="synth_partial"
        ):
            _finished(engine, run_id, actor, partial=True)
        return
    if actor is None:
        st.info("Enter your name in the sidebar to create the new dataset from this run.")
        return
    # A run started (or resumed) here becomes its dataset by itself; an earlier run picked
    # from the list waits for a click (its dataset may have been deleted on purpose).
    if st.session_state.get(AUTO_KEY) == run_id or c1.button(
        "Create the dataset from this run", key="synth_make"
    ):
        _finished(engine, run_id, actor, partial=False)


def open_result(engine: Engine, actor: Actor | None) -> None:
    """The made dataset and a button to open it in the review workspace."""
    dataset_id = st.session_state.get(OPEN_KEY)
    if not dataset_id:
        return
    message = st.session_state.pop("synth_made", None)
    if message:
        show_success(message)
    rows = new_examples(engine, dataset_id, limit=PREVIEW_RESULT_ROWS, actor=actor)
    if rows:
        show_caption(f"The first {len(rows)} examples of the new dataset:")
        st.dataframe(
            [
                {"prompt": r.prompt, "completion": r.completion, "status": r.status,
                 "comment": r.comment}
                for r in rows
            ],
            hide_index=True,
            width="stretch",
        )  # fmt: skip
    if st.button("Open the new dataset in Review", type="primary", key="synth_open"):
        st.session_state[SELECTED_DATASET_KEY] = dataset_id
        st.switch_page("pages/review.py")


def earlier_runs(engine: Engine, actor: Actor | None) -> None:
    """Earlier synthetic runs: watch one again (e.g. to resume it after a restart)."""
    with st.expander("Earlier runs", expanded=False):
        runs = synthetic_runs(engine, actor=actor)[:20]
        if not runs:
            st.caption("No synthetic runs yet.")
        for run in runs:
            label = f"Run {run.id} · {run.status} · {run.name}"
            if st.button(md(label), key=f"synth_pick_{run.id}"):
                st.session_state[RUN_KEY] = run.id
                st.session_state.pop(OPEN_KEY, None)
                st.rerun()


def render_screen(engine: Engine, actor: Actor | None) -> None:
    """Synthetic data: the form, the plan, the run's progress, the new dataset, earlier runs."""
    from lib.synth.ui.form import read_spec

    st.caption(
        "Write a generation prompt with {placeholders} and a short training prompt, give "
        "values for each placeholder: every combination is sent to a model several times, and "
        "each answer becomes an example of a new dataset (training prompt → generated text), "
        "flagged for review when it repeats another. Answers are stored as they arrive: a "
        "stopped run resumes."
    )
    spec, config, concurrency = read_spec(engine, actor)
    if show_plan(engine, spec, config, actor) is not None:
        start_button(engine, spec, actor=actor, concurrency=concurrency)

    @st.fragment(run_every=1.0)
    def progress() -> None:
        watch(engine, actor=actor, concurrency=concurrency)

    progress()
    open_result(engine, actor)
    earlier_runs(engine, actor)
