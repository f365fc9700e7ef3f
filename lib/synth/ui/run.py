"""The Synthetic data screen below the form: estimate and preview, run, progress, the result.

The run goes through the shared request runner in a background thread; the progress
fragment reads it from the store every second, so a reload (or another session) sees it and
an interrupted run can be resumed. When every request has an answer the new dataset is made
(once per run) and a button opens it in the review workspace.
"""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from lib import runner, synth
from lib.core.errors import UserError
from lib.core.example_store import list_examples
from lib.core.pricing import get_price_table
from lib.providers.service import ProviderConfig
from lib.shell.messages import ui_secrets as secrets
from lib.shell.progress import progress_text
from lib.shell.widgets import SELECTED_DATASET_KEY, run_action
from lib.synth.plan import Plan, SynthSpec

RUN_KEY = "synth_run_id"
OPEN_KEY = "synth_open_dataset"
AUTO_KEY = "synth_auto_finish"  # the run this session started: made into a dataset at its end
PREVIEW_ROWS = 3
PREVIEW_RESULT_ROWS = 10


def show_plan(engine: Engine, spec: SynthSpec, config: ProviderConfig) -> Plan | None:
    """Counts, estimate, warnings and a preview; None (with the reason shown) if not runnable."""
    st.subheader("Before running")
    try:
        plan = synth.make_plan(spec)
    except UserError as exc:
        st.error(str(exc))
        return None
    with engine.connect() as conn:
        table = get_price_table(conn)
    estimate = synth.estimate(
        plan, table=table, provider_kind=config.kind, provider_name=config.name
    )
    st.text(estimate.summary())
    st.caption(estimate.token_note)
    st.caption(estimate.cost_note)
    reused = synth.stored_answers(engine, plan)
    if reused:
        st.info(
            f"{reused:,} of these {plan.n_requests:,} requests were answered before: their stored "
            "answers are reused (free, and the same texts). Change the seed under Advanced for "
            "fresh samples."
        )
    for warning in plan.warnings:
        st.warning(warning)
    preview = plan.preview(n=PREVIEW_ROWS)
    st.caption(f"Preview of the first {len(preview)} combinations (sample 1):")
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


def start_button(
    engine: Engine, spec: SynthSpec, *, reviewer: str | None, concurrency: int
) -> None:
    """Store the run and start it in the background."""
    clicked = st.button("Generate", type="primary", key="synth_start", disabled=not reviewer)
    if not reviewer:
        st.caption("Enter your name in the sidebar to generate a dataset.")
    if not clicked:
        return
    run_id = run_action(lambda: synth.create_synthetic_run(engine, spec, created_by=reviewer or ""))
    if run_id:
        st.session_state[RUN_KEY] = run_id
        st.session_state.pop(OPEN_KEY, None)
        _start(engine, run_id, concurrency)


def _start(engine: Engine, run_id: int, concurrency: int) -> None:
    st.session_state[AUTO_KEY] = run_id
    options = runner.RunOptions(concurrency=concurrency)
    run_action(lambda: synth.start(engine, run_id, options=options, secrets=secrets()))


def _finished(engine: Engine, run_id: int, reviewer: str | None, *, partial: bool) -> None:
    result = run_action(
        lambda: synth.finish(engine, run_id, author=reviewer or "", allow_partial=partial)
    )
    if result is not None:
        st.session_state[OPEN_KEY] = result.dataset_id
        if not result.already:
            st.session_state["synth_made"] = (
                f"Made dataset {result.name!r}: {result.n_examples:,} examples, "
                f"{result.n_flagged:,} flagged for review (duplicates, near-duplicates, empty "
                "or cut-off texts)."
            )
        st.rerun()


def watch(engine: Engine, *, reviewer: str | None, concurrency: int) -> None:
    """Progress of the session's run (count, ETA, cost so far), cancel, resume, finish."""
    run_id = st.session_state.get(RUN_KEY)
    if not run_id:
        return
    try:
        with engine.connect() as conn:
            run = runner.get_run(conn, run_id)
            progress = runner.get_progress(conn, run_id)
            active = runner.is_active(conn, run_id)  # a dead owner's "running" run is not
    except UserError as exc:
        st.error(str(exc))
        return
    st.subheader(f"Run {run.id}: {run.name}")
    st.progress(progress.fraction, text=progress_text(progress))
    live = runner.is_running_here(engine, run_id) or active
    status = progress.status
    if status == "running" and not live:
        status = "interrupted (the process working on it stopped): resume it"
    st.text(f"status: {status}" + (f" · {run.error}" if run.error else ""))
    made = synth.dataset_of_run(engine, run_id)
    c1, c2 = st.columns(2)
    if live:
        if c1.button("Cancel", key="synth_cancel"):
            runner.request_cancel(engine, run_id)
        return
    if made is not None:
        if st.session_state.get(OPEN_KEY) != made:
            st.session_state[OPEN_KEY] = made
            st.rerun()  # the whole page: its "Open in Review" button is outside this fragment
        return
    if progress.pending or progress.failed:
        label = "Resume" if progress.pending else f"Retry the {progress.failed:,} failed requests"
        if c1.button(label, key="synth_resume"):
            _start(engine, run_id, concurrency)
            st.rerun()
        if progress.done and c2.button(
            f"Create the dataset from the {progress.done:,} answers", key="synth_partial"
        ):
            _finished(engine, run_id, reviewer, partial=True)
        return
    if not reviewer:
        st.info("Enter your name in the sidebar to create the new dataset from this run.")
        return
    # A run started (or resumed) here becomes its dataset by itself; an earlier run picked
    # from the list waits for a click (its dataset may have been deleted on purpose).
    if st.session_state.get(AUTO_KEY) == run_id or c1.button(
        "Create the dataset from this run", key="synth_make"
    ):
        _finished(engine, run_id, reviewer, partial=False)


def open_result(engine: Engine) -> None:
    """The made dataset and a button to open it in the review workspace."""
    dataset_id = st.session_state.get(OPEN_KEY)
    if not dataset_id:
        return
    message = st.session_state.pop("synth_made", None)
    if message:
        st.success(message)
    with engine.connect() as conn:
        rows = list_examples(conn, dataset_id, limit=PREVIEW_RESULT_ROWS)
    if rows:
        st.caption(f"The first {len(rows)} examples of the new dataset:")
        st.dataframe(
            [
                {"prompt": r.prompt, "completion": r.completion, "status": r.status,
                 "comment": r.comment or ""}
                for r in rows
            ],
            hide_index=True,
            width="stretch",
        )  # fmt: skip
    if st.button("Open the new dataset in Review", type="primary", key="synth_open"):
        st.session_state[SELECTED_DATASET_KEY] = dataset_id
        st.switch_page("pages/review.py")


def earlier_runs(engine: Engine) -> None:
    """Earlier synthetic runs: watch one again (e.g. to resume it after a restart)."""
    with st.expander("Earlier runs", expanded=False):
        with engine.connect() as conn:
            runs = synth.list_synthetic_runs(conn)[:20]
        if not runs:
            st.caption("No synthetic runs yet.")
        for run in runs:
            label = f"Run {run.id} · {run.status} · {run.name}"
            if st.button(label, key=f"synth_pick_{run.id}"):
                st.session_state[RUN_KEY] = run.id
                st.session_state.pop(OPEN_KEY, None)
                st.rerun()
