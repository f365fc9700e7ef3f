"""Jobs & models: every fine-tuning job across providers, one job live, and fine-tuned models."""

import streamlit as st

from lib.shell.guard import guard

ctx = guard(title="Jobs & models")

from lib.train.ui.jobs import render_flash, render_job, render_jobs, render_models  # noqa: E402

render_flash()
jobs_tab, models_tab = st.tabs(["Jobs", "Fine-tuned models"])
with jobs_tab:
    job = render_jobs(ctx.engine)
    if job is not None:
        render_job(ctx.engine, job)
with models_tab:
    render_models(ctx.engine)
