"""Widgets of the "Run evaluation" screen: test set, models, options, progress."""

from __future__ import annotations

from typing import Any

import streamlit as st
from sqlalchemy.engine import Engine

from lib import runner
from lib.core.errors import UserError
from lib.evaluate.requests import ModelSpec
from lib.evaluate.testset import TestSet

RUN_KEY = "eval_run_id"  # the run this session watches (Results opens it too)


def _secrets() -> Any:
    try:
        return st.secrets
    except Exception:  # noqa: BLE001 - no secrets file
        return None


def secrets() -> Any:
    return _secrets()


def pick_testset(engine: Engine) -> TestSet | None:
    """A snapshot split or an uploaded test file; None until one is chosen."""
    from lib.evaluate import testset as tests
    from lib.snapshots.repo import list_snapshots

    source = st.radio(
        "Test examples",
        ["Snapshot split", "Upload a test file"],
        horizontal=True,
        key="eval_source",
    )
    if source == "Snapshot split":
        with engine.connect() as conn:
            snaps = list_snapshots(conn)
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
                engine, int(snap_id), split, f"{engine.url}|{by_id[snap_id].created_at}"
            )
        except UserError as exc:
            st.error(str(exc))
            return None
    upload = st.file_uploader(
        "Test file (chat or prompt/completion: JSONL, JSON, CSV, XLSX …)", key="eval_upload"
    )
    if upload is None:
        return None
    try:
        return tests.from_file(upload.getvalue(), file_name=upload.name)
    except UserError as exc:
        st.error(str(exc))
        return None


@st.cache_data(max_entries=4, show_spinner="Reading the snapshot…")
def _cached_snapshot(_engine: Engine, snapshot_id: int, split: str, store: str) -> TestSet:
    """A snapshot never changes once frozen, so its split is read once (``store`` names the
    store and the snapshot's creation time: SQLite may reuse a deleted snapshot's id)."""
    from lib.evaluate import testset as tests

    return tests.from_snapshot(_engine, snapshot_id, split=split)


def pick_models(engine: Engine) -> list[ModelSpec]:
    """Two or more models from the configured providers (fine-tuned ones listed too)."""
    from lib.providers.service import base_of, list_providers

    providers = {p.name: p for p in list_providers(engine)}
    name = st.selectbox("Provider", list(providers), key="eval_provider")
    config = providers[name]
    try:
        infos = _models_of(name, config)
    except UserError as exc:
        st.error(str(exc))
        infos = []
    ids = [i.id for i in infos]
    labels = {i.id: i.label for i in infos}
    for model in _trained_models(engine, name):
        if model not in labels:
            ids.append(model)
            labels[model] = f"{model} · fine-tuned (from Jobs)"
    tuned = [m for m in ids if m.startswith("ft:")][:1]
    bases = [m for m in ids if not m.startswith("ft:")]
    # the base a fine-tuned model was trained from is the fair one to compare it with
    own_base = [m for m in bases if tuned and m == base_of(tuned[0])]
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
def _models_of(name: str, _config: Any) -> list[Any]:
    from lib.providers.service import list_models

    return list_models(_config, secrets=_secrets())


def _trained_models(engine: Engine, provider: str) -> list[str]:
    try:
        from lib.train.repo import list_jobs
    except ImportError:
        return []
    with engine.connect() as conn:
        return [
            j.fine_tuned_model for j in list_jobs(conn, provider=provider) if j.fine_tuned_model
        ]


def format_eta(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    seconds = int(seconds)
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def progress_text(p: runner.Progress) -> str:
    text = f"{p.done + p.failed:,} of {p.total:,} requests · ETA {format_eta(p.eta_s)} · cost so far ${p.cost:.4f}"
    if p.cached:
        text += f" · {p.cached:,} answered from the store"
    if p.failed:
        text += f" · {p.failed:,} failed"
    return text


def show_progress(engine: Engine, run_id: int) -> runner.Progress:
    with engine.connect() as conn:
        progress = runner.get_progress(conn, run_id)
    st.progress(progress.fraction, text=progress_text(progress))
    return progress


def batches_supported(engine: Engine) -> bool:
    """Whether the chosen provider has a Batch API."""
    from lib.providers.service import capabilities, list_providers

    name = st.session_state.get("eval_provider")
    for config in list_providers(engine):
        if config.name == name:
            return capabilities(config).batches
    return False


BATCH_POLL_S = 5.0


def watch_batches(engine: Engine, run_id: int) -> runner.Progress:
    """The run's batches; their answers are collected every few seconds while the page is open."""
    import time

    from lib.evaluate.runs import collect_batch

    key = f"eval_batch_checked_{run_id}"
    now = time.monotonic()
    clicked = st.button("Check the batches now", key=f"eval_batch_check_{run_id}")
    if clicked or now - st.session_state.get(key, 0.0) >= BATCH_POLL_S:
        st.session_state[key] = now
        try:
            collect_batch(engine, run_id, secrets=_secrets())
        except Exception as exc:  # noqa: BLE001 - the provider may be unreachable for a while
            st.warning(f"Could not check the batches: {type(exc).__name__}: {exc}")
    st.dataframe(runner.batch_status(engine, run_id), hide_index=True)
    with engine.connect() as conn:
        return runner.get_progress(conn, run_id)


def results_link() -> None:
    """A link to the Results screen (plain text where navigation is not set up, e.g. AppTest)."""
    from streamlit.errors import StreamlitAPIException

    try:
        st.page_link("pages/results.py", label="Open results", icon="📊")
    except StreamlitAPIException:
        st.caption("Open Results (Evaluate → Results) to see the metrics.")


RECIPE_CHOICES = {"bare prompt": None, "0-shot (instructions only)": 0} | {
    f"{k}-shot": k for k in (4, 8, 16, 32)
}


def pick_recipes(
    engine: Engine, testset: TestSet | None, models: list[ModelSpec]
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
        pool = _shots_pool(engine, testset) if any(
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


def _shots_pool(engine: Engine, testset: TestSet | None) -> TestSet | None:
    """The training split of the test set's snapshot, or an uploaded training file."""
    from lib.evaluate import testset as tests

    if testset is not None and testset.source.get("kind") == "snapshot":
        snapshot_id = int(testset.source["snapshot_id"])
        st.caption(
            "Demonstrations come from the snapshot's train split, never from the test split."
        )
        try:
            return _cached_snapshot(engine, snapshot_id, "train", f"{engine.url}|{snapshot_id}")
        except UserError as exc:
            st.error(str(exc))
            return None
    upload = st.file_uploader("Training file the demonstrations come from", key="eval_shots_file")
    if upload is None:
        return None
    try:
        return tests.from_file(upload.getvalue(), file_name=upload.name)
    except UserError as exc:
        st.error(str(exc))
        return None
