"""Synthetic data: generate training examples from a template and lists of values."""

from lib.shell.guard import guard

ctx = guard(title="Synthetic data")

import streamlit as st  # noqa: E402

from lib.synth.ui import form as synth_form  # noqa: E402
from lib.synth.ui import run as synth_run  # noqa: E402

st.caption(
    "Write a generation prompt with {placeholders} and a short training prompt, give values for "
    "each placeholder: every combination is sent to a model several times, and each answer "
    "becomes an example of a new dataset (training prompt → generated text), flagged for review "
    "when it repeats another. Answers are stored as they arrive: a stopped run resumes."
)
spec, config, concurrency = synth_form.read_spec(ctx.engine)
if synth_run.show_plan(ctx.engine, spec, config) is not None:
    synth_run.start_button(ctx.engine, spec, reviewer=ctx.reviewer, concurrency=concurrency)


@st.fragment(run_every=1.0)
def progress() -> None:
    synth_run.watch(ctx.engine, reviewer=ctx.reviewer, concurrency=concurrency)


progress()
synth_run.open_result(ctx.engine)
synth_run.earlier_runs(ctx.engine)
