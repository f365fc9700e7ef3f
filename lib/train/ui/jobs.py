"""Widgets of the "Jobs & models" screen: the jobs list, one job live, and fine-tuned models.

The live parts are fragments that rerun on their own every few seconds while a job is still
going (``st.fragment(run_every=...)``), so the rest of the page does not flicker.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.providers.service import capabilities, providers, the_provider
from lib.shell.messages import (
    show_caption,
    show_error,
    show_info,
    show_success,
    show_warning,
    ui_secrets,
)
from lib.shell.try_model import render_try
from lib.train.progress import job_progress
from lib.train.service import (
    JobDetail,
    JobRow,
    cancel_or_pause,
    delete_model,
    job_lineage,
    job_list,
    model_list,
    refresh_job,
    refresh_open_jobs,
)
from lib.train.ui.charts import metrics_figure

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

SELECTED_JOB_KEY = "jobs_selected_job"
DELETE_KEY = "jobs_model_to_delete"
FLASH_KEY = "jobs_flash"
REFRESH_EVERY = timedelta(seconds=3)
# A job just launched is watched closely: the built-in engine trains the sample reviews in about
# half a second, and a 3-second refresh kept "succeeded" off the screen for up to 3 s more.
FAST_REFRESH = timedelta(seconds=1)
FAST_FOR = timedelta(minutes=2)
EVENT_LOG_HEIGHT = 360  # pixels; the log scrolls
SMOOTHING_KEY = "jobs_smoothing"


def _money(value: float | None) -> str:
    if value is None:
        return "—"
    return "$0.00" if value == 0 else f"${value:,.2f}" if value >= 0.01 else f"${value:.4f}"


def jobs_frame(jobs: list[JobRow]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "job": j.id,
                "status": j.status_label,
                "provider": j.provider,
                "base model": j.base_model,
                "resulting model": j.fine_tuned_model or "",
                "snapshot": f"#{j.snapshot_id} {j.snapshot_name or ''}".strip(),
                "created": j.created_at.strftime("%Y-%m-%d %H:%M"),
                "estimated cost": _money(j.estimated_cost),
                "by": j.created_by,
            }
            for j in jobs
        ]
    )


def render_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        show_success(message)


def _statuses(jobs: list[JobRow]) -> list[tuple[int, str]]:
    return [(j.id, j.status) for j in jobs]


def refresh_every(jobs: list[JobRow], *, now: datetime | None = None) -> timedelta | None:
    """How often the live parts refresh: never once every job has finished, every second while
    one of the unfinished jobs is younger than ``FAST_FOR``, else every ``REFRESH_EVERY``."""
    open_jobs = [j for j in jobs if not j.final]
    if not open_jobs:
        return None
    now = now or datetime.now(UTC).replace(tzinfo=None)  # naive UTC, as the store keeps it
    young = any(now - j.created_at < FAST_FOR for j in open_jobs)
    return FAST_REFRESH if young else REFRESH_EVERY


def render_jobs(engine: Engine, actor: Actor | None) -> JobRow | None:
    """The jobs list (statuses refreshed live while any job runs); returns the chosen job."""
    jobs = job_list(engine, actor=actor)
    if not jobs:
        st.info("No fine-tuning jobs yet. Launch one on the Fine-tune screen.")
        return None
    running = any(not j.final for j in jobs)

    @st.fragment(run_every=refresh_every(jobs))
    def live_list() -> None:
        if running:
            refresh_open_jobs(engine, secrets=ui_secrets(), actor=actor)
        fresh = job_list(engine, actor=actor)
        if running and _statuses(fresh) != _statuses(jobs):
            # A status changed (validating → running → succeeded): redraw the page, so that the
            # job picker below says what the list says, and stop refreshing once all finished.
            st.rerun(scope="app")
        st.dataframe(jobs_frame(fresh), hide_index=True, width="stretch")

    live_list()
    by_id = {j.id: j for j in jobs}
    ids = list(by_id)
    chosen = st.session_state.get(SELECTED_JOB_KEY)
    picked = st.selectbox(
        "Job",
        ids,
        index=ids.index(chosen) if chosen in by_id else 0,
        format_func=lambda i: f"job {i} · {by_id[i].base_model} · {by_id[i].status_label}",
        key="jobs_picker",
    )
    st.session_state[SELECTED_JOB_KEY] = picked
    return by_id[picked]


def _actions(engine: Engine, detail: JobDetail, actor: Actor | None) -> None:
    job = detail.job
    try:
        caps = capabilities(the_provider(engine, job.provider, actor=actor))
    except UserError:
        return
    if job.final or not job.provider_job_id:
        return
    cols = st.columns(3)
    wanted = None
    if cols[0].button("Cancel job", key=f"jobs_cancel_{job.id}"):
        wanted = "cancel"
    toggle = {"running": "pause", "paused": "resume"}.get(job.status)
    clicked = (
        caps.pause_resume
        and toggle
        and cols[1].button(toggle.capitalize(), key=f"jobs_{toggle}_{job.id}")
    )
    if clicked:
        wanted = toggle
    if wanted:
        try:
            row = cancel_or_pause(engine, job.id, wanted, secrets=ui_secrets(), actor=actor)
        except UserError as exc:
            show_error(exc)
            return
        st.session_state[FLASH_KEY] = f"Job {job.id}: {wanted} requested; now {row.status_label}."
        st.rerun()


def _progress(detail: JobDetail) -> None:
    """Step of total and time left while the job trains."""
    job = detail.job
    progress = job_progress(detail.events, estimated_finish=detail.estimated_finish)
    if progress is None or (job.final and job.status != "succeeded"):
        return
    if job.final:
        st.progress(1.0, text=f"Finished after {progress.total:,} steps")
        return
    st.progress(progress.fraction, text=progress.text())


def _charts(detail: JobDetail) -> None:
    if not detail.metrics:
        st.text("No metrics yet.")
        return
    smoothing = st.session_state.get(SMOOTHING_KEY, 0.0)
    cols = st.columns(2)
    for col, kind in zip(cols, ("loss", "accuracy"), strict=True):
        fig = metrics_figure(detail.metrics, kind=kind, smoothing=smoothing)
        if fig is not None:
            col.plotly_chart(fig, key=f"jobs_chart_{kind}_{detail.job.id}")
    show_caption(f"Metrics from the {detail.metrics_source}.")


def _summary(detail: JobDetail) -> None:
    job = detail.job
    if detail.problem:
        show_warning(f"Showing the last known state. {detail.problem}")
    cols = st.columns(4)
    cols[0].metric("Status", job.status_label)
    cols[1].metric("Trained tokens", f"{job.trained_tokens:,}" if job.trained_tokens else "—")
    cols[2].metric("Estimated cost", _money(job.estimated_cost))
    cols[3].metric("Provider", job.provider)
    st.text(f"Provider job id: {job.provider_job_id or '(not created yet)'}")
    st.text(f"Base model: {job.base_model} · method: {job.method}")
    if job.error:
        show_error(f"Error: {job.error}")
    if job.fine_tuned_model:
        st.caption("Resulting model (copy it with the button at the right of the box)")
        st.code(job.fine_tuned_model, language=None)


def render_job(engine: Engine, job: JobRow, actor: Actor | None) -> None:
    """One job: live status, actions, charts, checkpoints, events and lineage."""

    @st.fragment(run_every=refresh_every([job]))
    def live() -> None:
        detail = refresh_job(engine, job.id, secrets=ui_secrets(), actor=actor)
        if detail.job.final and not job.final:
            st.rerun(scope="app")  # finished: redraw the page without the auto-refresh
        _summary(detail)
        _progress(detail)
        _actions(engine, detail, actor)
        _charts(detail)
        if detail.checkpoints:
            st.subheader("Checkpoints")
            st.dataframe(
                pd.DataFrame(
                    [{"step": c.step, "model": c.model, **c.metrics} for c in detail.checkpoints]
                ),
                hide_index=True,
                width="stretch",
            )
        st.subheader("Event log")
        st.code(detail.event_log or "(no events yet)", language=None, height=EVENT_LOG_HEIGHT)

    # Outside the live part: moving the slider must not wait for (or restart) a refresh.
    st.slider(
        "Smoothing of the curves",
        0.0,
        0.99,
        0.6,
        0.01,
        key=SMOOTHING_KEY,
        help="Exponential moving average of the loss and accuracy (0 = raw per-step values); "
        "the raw values stay as a faint line.",
    )
    live()
    if job.fine_tuned_model:
        with st.expander("Try this model", expanded=False):
            render_try(
                engine,
                actor,
                models=[job.fine_tuned_model, job.base_model],
                provider=job.provider,
                key=f"jobs_try_{job.id}",
            )
    _lineage(engine, job, actor)


def _lineage(engine: Engine, job: JobRow, actor: Actor | None) -> None:
    st.subheader("Lineage")
    lineage = job_lineage(engine, job, actor=actor)
    st.text(f"Snapshot: #{job.snapshot_id} {job.snapshot_name or '(deleted)'}")
    rows = [
        {
            "split": u.split,
            "file id": u.file_id,
            "file": u.filename,
            "examples": u.n_examples,
            "bytes": u.bytes,
            "sha256": u.sha256,
        }
        for u in lineage.uploads
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if job.fine_tuned_model:
        if not lineage.runs:
            st.text("No evaluation or synthetic-data runs with this model yet.")
        else:
            st.text("Runs with this model (evaluations, synthetic data):")
            st.dataframe(pd.DataFrame([_run_row(r) for r in lineage.runs]), hide_index=True)


def _run_row(run: object) -> dict[str, object]:
    return {
        name: getattr(run, name)
        for name in ("id", "kind", "name", "status", "created_at")
        if hasattr(run, name)
    }


def render_models(engine: Engine, actor: Actor | None) -> None:
    """Fine-tuned models of one provider, with the job that made each; delete with confirmation."""
    listing = [p for p in providers(engine, actor=actor) if capabilities(p).list_models]
    names = [p.name for p in listing]
    name = st.selectbox("Provider", names, key="jobs_models_provider")
    try:
        models = model_list(engine, name, secrets=ui_secrets(), actor=actor)
    except UserError as exc:
        show_error(exc)
        return
    if not models:
        show_info(f"{name} has no fine-tuned models.")
        return
    frame = pd.DataFrame(
        [
            {
                "model": m.model.id,
                "job": m.job.id if m.job else None,
                "snapshot": (f"#{m.job.snapshot_id} {m.job.snapshot_name or ''}" if m.job else ""),
                "shuts down": m.model.note or m.model.shutdown_date or "",
            }
            for m in models
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    if not capabilities(the_provider(engine, name, actor=actor)).delete_models:
        return
    ids = [m.model.id for m in models]
    target = st.selectbox("Model to delete", ids, key="jobs_delete_choice")
    if st.button("Delete model…", key="jobs_delete"):
        st.session_state[DELETE_KEY] = (name, target)
    pending = st.session_state.get(DELETE_KEY)
    if pending:
        provider, model = pending
        show_warning(f"Delete {model} from {provider}? This cannot be undone.")
        cols = st.columns(2)
        if cols[0].button("Yes, delete it", type="primary", key="jobs_delete_yes"):
            try:
                message = delete_model(engine, provider, model, secrets=ui_secrets(), actor=actor)
            except UserError as exc:
                show_error(exc)
                return
            st.session_state.pop(DELETE_KEY, None)
            st.session_state[FLASH_KEY] = message
            st.rerun()
        if cols[1].button("Keep it", key="jobs_delete_no"):
            st.session_state.pop(DELETE_KEY, None)
            st.rerun()


def render_screen(engine: Engine, actor: Actor | None) -> None:
    """Jobs & models: the jobs list with one job live, and the fine-tuned models."""
    render_flash()
    jobs_tab, models_tab = st.tabs(["Jobs", "Fine-tuned models"])
    with jobs_tab:
        job = render_jobs(engine, actor)
        if job is not None:
            render_job(engine, job, actor)
    with models_tab:
        render_models(engine, actor)
