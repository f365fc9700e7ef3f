"""The Run evaluation screen: test set, models, options, estimate, start, progress, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.core.tokens import base_model, is_fine_tuned
from lib.evaluate.service import (
    ModelSpec,
    Progress,
    TestSet,
    batch_table,
    batches_supported,
    cancel_run,
    check_batches,
    evaluation_plan,
    evaluation_runs,
    resume_run,
    run_status,
    start_evaluation,
    testset_from_file,
    testset_from_snapshot,
)
from lib.evaluate.ui import failures
from lib.providers.service import providers
from lib.shell.messages import md, show_error, show_success, show_warning, ui_secrets
from lib.shell.progress import progress_text
from lib.shell.widgets import run_action
from lib.snapshots.service import snapshot_list

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

RUN_KEY = "eval_run_id"  # the run this session watches (Results opens it too)
BATCH_POLL_S = 5.0
# While a run is live its progress refreshes twice a second: the 2 × 100 demo run takes about
# half a second on the built-in engine, and a 1 s refresh (running even after the run had
# finished) added up to a second before "Finished" showed.
WATCH_EVERY = 0.5
BATCH_WATCH_EVERY = 1.0  # Batch API answers take minutes to hours; BATCH_POLL_S asks the provider
LIVE_KEY = "_eval_watch_live"


def pick_testset(engine: Engine, actor: Actor | None) -> TestSet | None:
    """A snapshot split or an uploaded test file; None until one is chosen."""
    source = st.radio(
        "Test examples",
        ["Snapshot split", "Upload a test file"],
        horizontal=True,
        key="eval_source",
    )
    if source == "Snapshot split":
        snaps = snapshot_list(engine, actor=actor)
        if not snaps:
            st.info(
                "There are no snapshots yet. Freeze a split on the Snapshots screen, or upload a test file."
            )
            return None
        by_id = {s.id: s for s in snaps}
        snap_id = st.selectbox(
            "Snapshot", list(by_id), key="eval_snapshot",
            format_func=lambda i: f"{by_id[i].name} · test {by_id[i].sizes.get('test', 0):,} · valid {by_id[i].sizes.get('valid', 0):,}",
        )  # fmt: skip
        split = st.selectbox("Split", ["test", "valid", "train"], key="eval_split")
        try:
            return _cached_snapshot(
                engine, int(snap_id), split, f"{engine.url}|{by_id[snap_id].created_at}", actor
            )
        except UserError as exc:
            show_error(str(exc))
            return None
    upload = st.file_uploader(
        "Test file (chat or prompt/completion: JSONL, JSON, CSV, XLSX …)", key="eval_upload"
    )
    if upload is None:
        return None
    try:
        return testset_from_file(upload.getvalue(), file_name=upload.name)
    except UserError as exc:
        show_error(str(exc))
        return None


@st.cache_data(max_entries=4, show_spinner="Reading the snapshot…")
def _cached_snapshot(
    _engine: Engine, snapshot_id: int, split: str, store: str, actor: Actor | None
) -> TestSet:
    """A snapshot never changes once frozen, so its split is read once (``store`` names the
    store and the snapshot's creation time: SQLite may reuse a deleted snapshot's id)."""
    return testset_from_snapshot(_engine, snapshot_id, split=split, actor=actor)


def pick_models(engine: Engine, actor: Actor | None) -> list[ModelSpec]:
    """Two or more models from the configured providers (fine-tuned ones listed too)."""
    names = [p.name for p in providers(engine, actor=actor)]
    name = st.selectbox("Provider", names, key="eval_provider")
    try:
        found = _models_of(engine, name, actor)
    except UserError as exc:
        show_error(str(exc))
        found = []
    ids = [model for model, _ in found]
    labels = dict(found)
    tuned = [m for m in ids if is_fine_tuned(m)][:1]
    bases = [m for m in ids if not is_fine_tuned(m)]
    # the base a fine-tuned model was trained from is the fair one to compare it with
    own_base = [m for m in bases if tuned and m == base_model(tuned[0])]
    default = (own_base or bases[:1]) + tuned
    chosen = st.multiselect(
        "Models (base and fine-tuned; the first is the reference the others are compared with)",
        ids, default=[m for m in default if m in ids], format_func=lambda m: labels.get(m, m), key="eval_models",
    )  # fmt: skip
    extra = st.text_input(
        "Other model ids (comma-separated, e.g. a deployment name)", key="eval_extra"
    )
    chosen += [m.strip() for m in extra.split(",") if m.strip() and m.strip() not in chosen]
    return [ModelSpec(model=m, provider=name) for m in chosen]


@st.cache_data(ttl=30, show_spinner="Listing models…")
def _models_of(_engine: Engine, name: str, actor: Actor | None) -> list[tuple[str, str]]:
    from lib.evaluate.service import available_models

    return available_models(_engine, name, secrets=ui_secrets(), actor=actor)


RECIPE_CHOICES = {"bare prompt": None, "0-shot (instructions only)": 0} | {
    f"{k}-shot": k for k in (4, 8, 16, 32)
}


def pick_recipes(
    engine: Engine, testset: TestSet | None, models: list[ModelSpec], actor: Actor | None
) -> tuple[list[ModelSpec], TestSet | None]:
    """Candidates: each fine-tuned model with its bare prompt; each base model with the prompt
    recipes chosen for it (instructions and K demonstrations from the training split)."""
    from lib.evaluate.recipes import DEFAULT_INSTRUCTIONS, GENERATION_INSTRUCTIONS, Recipe

    bases = [m for m in models if not m.model.startswith("ft:")]
    if not bases:
        return models, None
    with st.expander("Prompt recipes for base models (instructions and demonstrations)"):
        chosen: dict[str, list[str]] = {}
        for spec in bases:
            chosen[spec.model] = st.multiselect(
                f"How {spec.model} is asked", list(RECIPE_CHOICES), default=["bare prompt"],
                key=f"eval_recipes_{spec.model}",
            )  # fmt: skip
        classification = testset is None or testset.classification()
        instructions = st.text_area(
            "Instructions ({labels} lists the labels)",
            DEFAULT_INSTRUCTIONS if classification else GENERATION_INSTRUCTIONS,
            key="eval_instructions",
        )  # fmt: skip
        system = st.text_input("System message (optional)", key="eval_system")
        c1, c2 = st.columns(2)
        selection = c1.radio(
            "Demonstrations", ["fixed", "nearest"], horizontal=True, key="eval_selection",
            format_func=lambda s: "the same K for every example (stratified)" if s == "fixed"
            else "the K most similar to each example",
        )  # fmt: skip
        seed = int(c2.number_input("Seed", 0, 2**31 - 1, 0, key="eval_seed"))
        pool = _shots_pool(engine, testset, actor) if any(
            RECIPE_CHOICES[c] for cs in chosen.values() for c in cs
        ) else None  # fmt: skip
    candidates: list[ModelSpec] = []
    for spec in models:
        if spec.model.startswith("ft:") or spec.model not in chosen:
            candidates.append(spec)
            continue
        for choice in chosen[spec.model]:
            shots = RECIPE_CHOICES[choice]
            if shots is None:
                candidates.append(spec)
                continue
            recipe = Recipe(
                shots=shots, instructions=instructions or None, system=system or None,
                selection=selection, seed=seed,
            )  # fmt: skip
            candidates.append(
                ModelSpec(spec.model, provider=spec.provider, base_url=spec.base_url, recipe=recipe)
            )
    return candidates, pool


def _shots_pool(engine: Engine, testset: TestSet | None, actor: Actor | None) -> TestSet | None:
    """The training split of the test set's snapshot, or an uploaded training file."""
    if testset is not None and testset.source.get("kind") == "snapshot":
        snapshot_id = int(testset.source["snapshot_id"])
        st.caption(
            "Demonstrations come from the snapshot's train split, never from the test split."
        )
        try:
            return _cached_snapshot(
                engine, snapshot_id, "train", f"{engine.url}|{snapshot_id}", actor
            )
        except UserError as exc:
            show_error(str(exc))
            return None
    upload = st.file_uploader("Training file the demonstrations come from", key="eval_shots_file")
    if upload is None:
        return None
    try:
        return testset_from_file(upload.getvalue(), file_name=upload.name)
    except UserError as exc:
        show_error(str(exc))
        return None


def show_progress(progress: Progress) -> None:
    st.progress(progress.fraction, text=progress_text(progress))


def watch_batches(engine: Engine, run_id: int, actor: Actor | None) -> None:
    """The run's batches; their answers are collected every few seconds while the page is open."""
    import time

    key = f"eval_batch_checked_{run_id}"
    now = time.monotonic()
    clicked = st.button("Check the batches now", key=f"eval_batch_check_{run_id}")
    if clicked or now - st.session_state.get(key, 0.0) >= BATCH_POLL_S:
        st.session_state[key] = now
        try:
            check_batches(engine, run_id, secrets=ui_secrets(), actor=actor)
        except Exception as exc:  # noqa: BLE001 - the provider may be unreachable for a while
            show_warning(f"Could not check the batches: {type(exc).__name__}: {exc}")
    st.dataframe(batch_table(engine, run_id, actor=actor), hide_index=True)


def results_link() -> None:
    """A link to the Results screen (plain text where navigation is not set up, e.g. AppTest)."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link("pages/results.py", label="Open results", icon="📊")
    except StreamlitAPIException:
        st.caption("Open Results (Evaluate → Results) to see the metrics.")


@dataclass(frozen=True, slots=True)
class _Options:
    task: str
    top_k: int
    concurrency: int
    use_batch: bool


def _options(engine: Engine, actor: Actor | None) -> _Options:
    c1, c2, c3 = st.columns(3)
    task = c1.selectbox("Task", ["auto", "classification", "generation"], key="eval_task")
    top_k = c2.number_input("Top-k token probabilities", 0, 20, 5, key="eval_top_k")
    concurrency = c3.slider("Requests at the same time", 1, 64, 8, key="eval_concurrency")
    use_batch = st.checkbox(
        "Use the provider's Batch API (half price; answers within 24 hours, collected here)",
        key="eval_batch",
        disabled=not batches_supported(engine, st.session_state.get("eval_provider"), actor=actor),
    )
    return _Options(str(task), int(top_k), int(concurrency), bool(use_batch))


def _plan_and_start(
    engine: Engine,
    tests: TestSet,
    models: list[ModelSpec],
    shots_from: TestSet | None,
    opts: _Options,
    actor: Actor | None,
) -> None:
    task, top_k, concurrency, use_batch = opts.task, opts.top_k, opts.concurrency, opts.use_batch
    plan = run_action(
        lambda: evaluation_plan(
            engine,
            tests,
            models,
            task=task,
            top_k=int(top_k),
            batch=use_batch,
            shots_from=shots_from,
            actor=actor,
        )  # fmt: skip
    )
    if not plan:
        return
    estimate = plan.estimate
    cost = (
        "unknown price for " + ", ".join(estimate.unknown_price)
        if estimate.dollars is None
        else f"at most ${estimate.dollars:.4f}"
    )
    st.text(
        f"{plan.n_examples:,} examples × {len(models)} candidates = {estimate.n_requests:,} requests · "
        f"{plan.settings['task']} · about {estimate.prompt_tokens:,} prompt tokens · {cost}"
    )
    if len(models) < 2:
        st.info("Pick two or more models (a base and a fine-tuned one) to compare them.")
    if st.button("Run evaluation", type="primary", key="eval_start", disabled=actor is None):
        run_id = run_action(
            lambda: start_evaluation(
                engine, tests, models, task=task, top_k=int(top_k), batch=use_batch,
                concurrency=int(concurrency), secrets=ui_secrets(), shots_from=shots_from,
                actor=actor,
            )
        )  # fmt: skip
        if run_id:
            st.session_state[RUN_KEY] = run_id
    if actor is None:
        st.caption("Enter your name in the sidebar to run an evaluation.")


def _going(engine: Engine, actor: Actor | None) -> tuple[bool, bool]:
    """Whether the watched run is live, and whether it is with the provider's Batch API."""
    run_id = st.session_state.get(RUN_KEY)
    if not run_id:
        return False, False
    try:
        status = run_status(engine, run_id, actor=actor)
    except UserError:
        return False, False
    return status.live, status.progress.status == "batch"


def watch_every(engine: Engine, actor: Actor | None) -> float | None:
    """Seconds between refreshes of the watched run: ``WATCH_EVERY`` while it is live,
    ``BATCH_WATCH_EVERY`` while it is with the provider's Batch API, none otherwise (an open
    page with a finished run no longer queries the store every second forever)."""
    live, batch = _going(engine, actor)
    st.session_state[LIVE_KEY] = live or batch
    return WATCH_EVERY if live else BATCH_WATCH_EVERY if batch else None


def _watch_changed(engine: Engine, actor: Actor | None) -> bool:
    """The run started (Resume, Retry) or stopped since the refresh rate was chosen."""
    return any(_going(engine, actor)) != st.session_state.get(LIVE_KEY, False)


def _watch(engine: Engine, actor: Actor | None) -> None:
    run_id = st.session_state.get(RUN_KEY)
    if not run_id:
        return
    status = run_action(lambda: run_status(engine, run_id, actor=actor))
    if status is None:
        return
    run, progress = status.run, status.progress
    st.subheader(f"Run {run.id}: {md(run.name)}")
    show_progress(progress)
    if progress.status == "batch":
        watch_batches(engine, run_id, actor)
        status = run_status(engine, run_id, actor=actor)
        progress = status.progress
    live = status.live
    st.text(f"status: {progress.status}" + (f" · {run.error}" if run.error else ""))
    col1, col2 = st.columns(2)
    if live and col1.button("Cancel", key="eval_cancel"):
        run_action(lambda: cancel_run(engine, run_id, actor=actor))
    if (
        not live
        and progress.pending
        and progress.status != "batch"
        and col2.button("Resume", key="eval_resume")
    ):
        concurrency = int(st.session_state.get("eval_concurrency", 8))
        run_action(
            lambda: resume_run(
                engine, run_id, concurrency=concurrency, secrets=ui_secrets(), actor=actor
            )
        )
    if not live and progress.failed and progress.status != "batch":
        failures.failure_table(engine, run_id, actor)
        failures.retry_button(
            engine, run_id, actor=actor, key="eval_retry_failed",
            concurrency=int(st.session_state.get("eval_concurrency", 8)),
        )  # fmt: skip
    if not live and not progress.pending:
        show_success(
            f"Finished: {progress.done:,} answers, {progress.failed:,} failed (left out of the "
            "metrics). Open Results to see the metrics."
        )
        results_link()


def _earlier(engine: Engine, actor: Actor | None) -> None:
    with st.expander("Earlier runs", expanded=False):
        for run in evaluation_runs(engine, actor=actor)[:20]:
            if st.button(
                f"Watch run {run.id} · {run.status} · {run.name}", key=f"eval_pick_{run.id}"
            ):
                st.session_state[RUN_KEY] = run.id
                st.rerun()


def render_run_screen(engine: Engine, actor: Actor | None) -> None:
    """Run evaluation: a test set × base and fine-tuned models, with progress and resume."""
    st.caption(
        "Prompts are formatted exactly as in training (temperature 0, logprobs on). Answers are "
        "stored as they arrive: a stopped run resumes without repeating finished requests."
    )
    tests = pick_testset(engine, actor)
    models = pick_models(engine, actor)
    models, shots_from = pick_recipes(engine, tests, models, actor)
    opts = _options(engine, actor)
    if tests is not None and models:
        _plan_and_start(engine, tests, models, shots_from, opts, actor)
    elif tests is not None:
        st.info("Pick the models to evaluate.")

    @st.fragment(run_every=watch_every(engine, actor))
    def watch() -> None:
        _watch(engine, actor)
        if _watch_changed(engine, actor):
            st.rerun(scope="app")  # redraw with the refresh rate the run needs now

    watch()
    _earlier(engine, actor)
