"""Run evaluation: a test set × base and fine-tuned models, with progress, cancel and resume."""

from lib.shell.guard import guard

ctx = guard(title="Run evaluation")

import streamlit as st  # noqa: E402

from lib import runner  # noqa: E402
from lib.evaluate import runs as evaluation  # noqa: E402
from lib.evaluate.prices import load_prices  # noqa: E402
from lib.evaluate.ui import failures  # noqa: E402
from lib.evaluate.ui import run as eval_run  # noqa: E402
from lib.providers import ENGINE_NAME  # noqa: E402
from lib.shell.widgets import run_action  # noqa: E402

engine = ctx.engine
st.caption(
    "Prompts are formatted exactly as in training (temperature 0, logprobs on). Answers are "
    "stored as they arrive: a stopped run resumes without repeating finished requests."
)
testset = eval_run.pick_testset(engine)
models = eval_run.pick_models(engine)
c1, c2, c3 = st.columns(3)
task = c1.selectbox("Task", ["auto", "classification", "generation"], key="eval_task")
top_k = c2.number_input("Top-k token probabilities", 0, 20, 5, key="eval_top_k")
concurrency = c3.slider("Requests at the same time", 1, 64, 8, key="eval_concurrency")
use_batch = st.checkbox(
    "Use the provider's Batch API (half price; answers within 24 hours, collected here)",
    key="eval_batch",
    disabled=not eval_run.batches_supported(engine),
)

if testset is not None and models:
    plan = run_action(lambda: evaluation.plan(testset, models, task=task, top_k=int(top_k)))
    if plan:
        settings, requests = plan
        free = {m.model for m in models if m.provider == ENGINE_NAME}
        estimate = evaluation.estimate_cost(
            requests, free_models=free, table=load_prices(engine), batch=use_batch
        )
        cost = (
            "unknown price for " + ", ".join(estimate.unknown_price)
            if estimate.dollars is None
            else f"at most ${estimate.dollars:.4f}"
        )
        st.text(
            f"{len(testset.examples):,} examples × {len(models)} models = {estimate.n_requests:,} requests · "
            f"{settings['task']} · about {estimate.prompt_tokens:,} prompt tokens · {cost}"
        )
        if len(models) < 2:
            st.info("Pick two or more models (a base and a fine-tuned one) to compare them.")
        if st.button("Run evaluation", type="primary", key="eval_start", disabled=not ctx.reviewer):
            run_id = run_action(
                lambda: evaluation.create_evaluation(
                    engine, testset, models, created_by=ctx.reviewer or "", task=task,
                    top_k=int(top_k), batch=use_batch,
                )
            )  # fmt: skip
            if run_id:
                st.session_state[eval_run.RUN_KEY] = run_id
                secrets = eval_run.secrets()
                if use_batch:
                    run_action(lambda: evaluation.submit_batch(engine, run_id, secrets=secrets))
                else:
                    options = runner.RunOptions(concurrency=int(concurrency))
                    run_action(
                        lambda: evaluation.start(engine, run_id, options=options, secrets=secrets)
                    )
        if not ctx.reviewer:
            st.caption("Enter your name in the sidebar to run an evaluation.")
elif testset is not None:
    st.info("Pick the models to evaluate.")


@st.fragment(run_every=1.0)
def watch() -> None:
    run_id = st.session_state.get(eval_run.RUN_KEY)
    if not run_id:
        return
    with engine.connect() as conn:
        run = runner.get_run(conn, run_id)
    st.subheader(f"Run {run.id}: {run.name}")
    progress = eval_run.show_progress(engine, run_id)
    if progress.status == "batch":
        progress = eval_run.watch_batches(engine, run_id)
    with engine.connect() as conn:
        live = runner.is_running_here(engine, run_id) or runner.is_active(conn, run_id)
    st.text(f"status: {progress.status}" + (f" · {run.error}" if run.error else ""))
    col1, col2 = st.columns(2)
    if live and col1.button("Cancel", key="eval_cancel"):
        runner.request_cancel(engine, run_id)
    if (
        not live
        and progress.pending
        and progress.status != "batch"
        and col2.button("Resume", key="eval_resume")
    ):
        options = runner.RunOptions(concurrency=int(st.session_state.get("eval_concurrency", 8)))
        run_action(
            lambda: evaluation.start(engine, run_id, options=options, secrets=eval_run.secrets())
        )
    if not live and progress.failed and progress.status != "batch":
        failures.failure_table(engine, run_id)
        failures.retry_button(
            engine, run_id, actor=ctx.actor, key="eval_retry_failed",
            concurrency=int(st.session_state.get("eval_concurrency", 8)),
        )  # fmt: skip
    if not live and not progress.pending:
        st.success(
            f"Finished: {progress.done:,} answers, {progress.failed:,} failed (left out of the metrics). Open Results to see the metrics."
        )
        eval_run.results_link()


watch()

with st.expander("Earlier runs", expanded=False):
    with engine.connect() as conn:
        earlier = runner.list_runs(conn, kind=evaluation.KIND)[:20]
    for run in earlier:
        if st.button(f"Watch run {run.id} · {run.status} · {run.name}", key=f"eval_pick_{run.id}"):
            st.session_state[eval_run.RUN_KEY] = run.id
            st.rerun()
