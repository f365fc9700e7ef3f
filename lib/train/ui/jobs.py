"""Widgets of the "Jobs & models" screen: the jobs list, one job live, and fine-tuned models.

The live parts are fragments that rerun on their own every few seconds while a job is still
going (``st.fragment(run_every=...)``), so the rest of the page does not flicker.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.providers.service import capabilities, get_provider, list_providers
from lib.shell.messages import plain, ui_secrets
from lib.train.models import delete_model, evaluation_runs, fine_tuned_models
from lib.train.repo import JobRow, get_upload, list_jobs
from lib.train.ui.charts import metrics_figure
from lib.train.watch import JobDetail, job_action, refresh_job, refresh_open_jobs

SELECTED_JOB_KEY = "jobs_selected_job"
DELETE_KEY = "jobs_model_to_delete"
FLASH_KEY = "jobs_flash"
REFRESH_EVERY = timedelta(seconds=3)
EVENT_LOG_HEIGHT = 360  # pixels; the log scrolls


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
        st.success(plain(message))


def render_jobs(engine: Engine) -> JobRow | None:
    """The jobs list (statuses refreshed live while any job runs); returns the chosen job."""
    with engine.connect() as conn:
        jobs = list_jobs(conn)
    if not jobs:
        st.info("No fine-tuning jobs yet. Launch one on the Fine-tune screen.")
        return None
    running = any(not j.final for j in jobs)

    @st.fragment(run_every=REFRESH_EVERY if running else None)
    def live_list() -> None:
        if running:
            refresh_open_jobs(engine, secrets=ui_secrets())
        with engine.connect() as conn:
            fresh = list_jobs(conn)
        if running and all(j.final for j in fresh):
            st.rerun(scope="app")  # every job finished: redraw without the auto-refresh
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


def _actions(engine: Engine, detail: JobDetail) -> None:
    job = detail.job
    try:
        caps = capabilities(get_provider(engine, job.provider))
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
            row = job_action(engine, job.id, wanted, secrets=ui_secrets())
        except UserError as exc:
            st.error(plain(exc))
            return
        st.session_state[FLASH_KEY] = f"Job {job.id}: {wanted} requested; now {row.status_label}."
        st.rerun()


def _charts(detail: JobDetail) -> None:
    if not detail.metrics:
        st.text("No metrics yet.")
        return
    cols = st.columns(2)
    for col, kind in zip(cols, ("loss", "accuracy"), strict=True):
        fig = metrics_figure(detail.metrics, kind=kind)
        if fig is not None:
            col.plotly_chart(fig, key=f"jobs_chart_{kind}_{detail.job.id}")
    st.caption(f"Metrics from the {detail.metrics_source}.")


def _summary(detail: JobDetail) -> None:
    job = detail.job
    if detail.problem:
        st.warning(plain(f"Showing the last known state. {detail.problem}"))
    cols = st.columns(4)
    cols[0].metric("Status", job.status_label)
    cols[1].metric("Trained tokens", f"{job.trained_tokens:,}" if job.trained_tokens else "—")
    cols[2].metric("Estimated cost", _money(job.estimated_cost))
    cols[3].metric("Provider", job.provider)
    st.text(f"Provider job id: {job.provider_job_id or '(not created yet)'}")
    st.text(f"Base model: {job.base_model} · method: {job.method}")
    if job.error:
        st.error(plain(f"Error: {job.error}"))
    if job.fine_tuned_model:
        st.caption("Resulting model (copy it with the button at the right of the box)")
        st.code(job.fine_tuned_model, language=None)


def render_job(engine: Engine, job: JobRow) -> None:
    """One job: live status, actions, charts, checkpoints, events and lineage."""

    @st.fragment(run_every=None if job.final else REFRESH_EVERY)
    def live() -> None:
        detail = refresh_job(engine, job.id, secrets=ui_secrets())
        if detail.job.final and not job.final:
            st.rerun(scope="app")  # finished: redraw the page without the auto-refresh
        _summary(detail)
        _actions(engine, detail)
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

    live()
    _lineage(engine, job)


def _lineage(engine: Engine, job: JobRow) -> None:
    st.subheader("Lineage")
    with engine.connect() as conn:
        uploads = [get_upload(conn, job.train_upload_id), get_upload(conn, job.valid_upload_id)]
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
        for u in uploads
        if u is not None
    ]
    if rows:
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if job.fine_tuned_model:
        runs = evaluation_runs(engine, job.fine_tuned_model)
        if runs is None:
            st.text("Evaluation runs with this model: not available in this version yet.")
        elif not runs:
            st.text("No evaluation runs with this model yet.")
        else:
            st.text("Evaluation runs with this model:")
            st.dataframe(pd.DataFrame([_run_row(r) for r in runs]), hide_index=True)


def _run_row(run: object) -> dict[str, object]:
    return {
        name: getattr(run, name)
        for name in ("id", "name", "status", "created_at")
        if hasattr(run, name)
    }


def render_models(engine: Engine) -> None:
    """Fine-tuned models of one provider, with the job that made each; delete with confirmation."""
    providers = [p for p in list_providers(engine) if capabilities(p).list_models]
    names = [p.name for p in providers]
    name = st.selectbox("Provider", names, key="jobs_models_provider")
    try:
        models = fine_tuned_models(engine, name, secrets=ui_secrets())
    except UserError as exc:
        st.error(plain(exc))
        return
    if not models:
        st.info(plain(f"{name} has no fine-tuned models."))
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
    if not capabilities(get_provider(engine, name)).delete_models:
        return
    ids = [m.model.id for m in models]
    target = st.selectbox("Model to delete", ids, key="jobs_delete_choice")
    if st.button("Delete model…", key="jobs_delete"):
        st.session_state[DELETE_KEY] = (name, target)
    pending = st.session_state.get(DELETE_KEY)
    if pending:
        provider, model = pending
        st.warning(plain(f"Delete {model} from {provider}? This cannot be undone."))
        cols = st.columns(2)
        if cols[0].button("Yes, delete it", type="primary", key="jobs_delete_yes"):
            try:
                message = delete_model(engine, provider, model, secrets=ui_secrets())
            except UserError as exc:
                st.error(plain(exc))
                return
            st.session_state.pop(DELETE_KEY, None)
            st.session_state[FLASH_KEY] = message
            st.rerun()
        if cols[1].button("Keep it", key="jobs_delete_no"):
            st.session_state.pop(DELETE_KEY, None)
            st.rerun()
