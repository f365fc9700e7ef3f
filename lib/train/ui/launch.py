"""Widgets of the "Fine-tune" screen: choose what to train, review checks and cost, launch once.

The launch button runs ``lib.train.launch`` with an idempotency key made from the settings
(and this store's id), so a double click, a rerun or a second tab showing the same settings
end up at the same job; the button is also disabled while a launch is under way.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.providers.service import (
    WIND_DOWN_TEXT,
    ModelInfo,
    ProviderConfig,
    capabilities,
    provider_models,
    providers,
    the_default,
)
from lib.shell.messages import (
    show_caption,
    show_error,
    show_info,
    show_success,
    show_warning,
    ui_secrets,
)
from lib.snapshots.service import SnapshotInfo, snapshot_list
from lib.train.service import (
    LaunchRequest,
    Readiness,
    check_before_launch,
    launch_job,
    launch_plan,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

REVIEW_KEY = "train_review"  # the settings under review (plain values)
PENDING_KEY = "train_launch_pending"  # True from the click until the launch returned
RESULT_KEY = "train_launch_result"
SELECTED_JOB_KEY = "jobs_selected_job"  # the Jobs screen opens this job
METHOD_LABELS = {"supervised": "Supervised (SFT)", "dpo": "Preference (DPO)"}


def pick_snapshot(engine: Engine, actor: Actor | None) -> SnapshotInfo | None:
    snaps = snapshot_list(engine, actor=actor)
    if not snaps:
        st.info(
            "There are no snapshots yet. Freeze a train/valid/test split on Snapshots & export."
        )
        return None
    by_id = {s.id: s for s in snaps}

    def label(i: int) -> str:
        s = by_id[i]
        sizes = s.sizes
        return (
            f"#{s.id} {s.name} · {s.dataset_name or 'deleted dataset'} · train {sizes['train']:,}"
            f" / valid {sizes['valid']:,} · {s.schema}"
        )

    chosen = st.selectbox("Snapshot", list(by_id), format_func=label, key="train_snapshot")
    return by_id[int(chosen)]


def pick_provider(engine: Engine, actor: Actor | None) -> ProviderConfig | None:
    trainable = [c for c in providers(engine, actor=actor) if capabilities(c).can_train]
    if not trainable:
        st.info("No configured provider can train. Add one on Providers & settings.")
        return None
    names = [c.name for c in trainable]
    default = the_default(engine, actor=actor).name
    chosen = st.selectbox(
        "Provider",
        names,
        index=names.index(default) if default in names else 0,
        key="train_provider",
    )
    config = next(c for c in trainable if c.name == chosen)
    if config.kind == "openai":
        show_warning(WIND_DOWN_TEXT)
    return config


@st.cache_data(ttl=60, show_spinner="Listing models…")
def _models(name: str, _config: ProviderConfig, actor: Actor | None) -> list[ModelInfo] | str:
    try:
        return provider_models(_config, secrets=ui_secrets(), actor=actor)
    except UserError as exc:
        return str(exc)


def pick_model(config: ProviderConfig, actor: Actor | None) -> str:
    """A fine-tunable base, or a fine-tuned model to continue; or a typed name."""
    found = _models(config.name, config, actor)
    caps = capabilities(config)
    options: list[ModelInfo] = []
    if isinstance(found, str):
        show_error(found)
    else:
        options = [m for m in found if m.fine_tunable]
        if caps.continue_training:
            options += [m for m in found if m.fine_tuned]
    labels = {m.id: m.label + (" (continue training)" if m.fine_tuned else "") for m in options}
    model = ""
    if options:
        model = st.selectbox(
            "Model to fine-tune (fine-tunable bases first; fine-tuned models continue training)",
            list(labels),
            format_func=lambda m: labels[m],
            key=f"train_model_{config.name}",
        )
    typed = st.text_input(
        "Or type a model name (e.g. a model the list does not show)", key="train_model_typed"
    )
    return typed.strip() or model or ""


def pick_method(config: ProviderConfig, snapshot: SnapshotInfo) -> str | None:
    allowed = ("supervised", "dpo") if snapshot.schema == "preference" else ("supervised",)
    methods = [m for m in capabilities(config).methods if m in allowed]
    if not methods:
        show_error(f"{config.name} cannot train on {snapshot.schema} examples.")
        return None
    return st.radio(
        "Method",
        methods,
        format_func=lambda m: METHOD_LABELS.get(m, m),
        horizontal=True,
        key="train_method",
    )


def hyperparameter_inputs(method: str) -> dict[str, Any]:
    st.caption("Hyperparameters: leave a box empty for auto (the provider chooses).")
    cols = st.columns(4 if method == "dpo" else 3)
    values: dict[str, Any] = {
        "n_epochs": cols[0].number_input(
            "Epochs", min_value=1, max_value=50, value=None, step=1, key="train_epochs"
        ),
        "batch_size": cols[1].number_input(
            "Batch size", min_value=1, max_value=256, value=None, step=1, key="train_batch"
        ),
        "learning_rate_multiplier": cols[2].number_input(
            "Learning rate multiplier",
            min_value=0.01,
            max_value=10.0,
            value=None,
            step=0.1,
            key="train_lr",
        ),
    }
    if method == "dpo":
        values["beta"] = cols[3].number_input(
            "Beta", min_value=0.01, max_value=2.0, value=None, step=0.05, key="train_beta"
        )
    return {k: v for k, v in values.items() if v is not None}


def request_inputs(engine: Engine, actor: Actor | None) -> LaunchRequest | None:
    """Every choice of the form, as a request (None while something is missing)."""
    snapshot = pick_snapshot(engine, actor)
    config = pick_provider(engine, actor)
    if snapshot is None or config is None:
        return None
    model = pick_model(config, actor)
    method = pick_method(config, snapshot)
    if method is None:
        return None
    hyper = hyperparameter_inputs(method)
    cols = st.columns(3)
    suffix = cols[0].text_input("Suffix (in the model's name)", max_chars=64, key="train_suffix")
    seed = cols[1].number_input(
        "Seed (empty = random)", min_value=0, value=None, step=1, key="train_seed"
    )
    has_valid = snapshot.sizes.get("valid", 0) > 0
    use_valid = cols[2].checkbox(
        f"Upload the valid split ({snapshot.sizes.get('valid', 0):,} examples)",
        value=has_valid,
        disabled=not has_valid,
        key="train_use_valid",
    )
    if not model:
        st.info("Choose a model to fine-tune.")
        return None
    return LaunchRequest(
        snapshot_id=snapshot.id,
        provider=config.name,
        model=model,
        method=method,
        hyperparameters=hyper,
        suffix=suffix.strip() or None,
        seed=int(seed) if seed is not None else None,
        use_valid=bool(use_valid and has_valid),
    )


@st.cache_data(ttl=300, show_spinner="Running the format checks and counting tokens…")
def _readiness(
    _engine: Engine,
    snapshot_id: int,
    provider: str,
    _config: ProviderConfig,
    model: str,
    epochs: int | str,
    use_valid: bool,
    actor: Actor | None,
) -> Readiness | str:
    try:
        return check_before_launch(
            _engine,
            snapshot_id,
            _config,
            model=model,
            epochs=epochs,
            use_valid=use_valid,
            actor=actor,
        )
    except UserError as exc:
        return str(exc)


def _findings_frame(ready: Readiness) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "severity": f.severity,
                "split": f.split,
                "check": f.check,
                "message": f.message,
                "rows": ", ".join(str(r) for r in f.rows[:20]) + (" …" if len(f.rows) > 20 else ""),
            }
            for f in ready.findings
        ]
    )


def _queue_launch() -> None:
    st.session_state[PENDING_KEY] = True


def render_confirm(
    engine: Engine, request: LaunchRequest, config: ProviderConfig, actor: Actor | None
) -> None:
    """Checks summary, estimate, override, and the launch button (disabled while launching)."""
    epochs = request.hyperparameters.get("n_epochs", "auto")
    ready = _readiness(
        engine,
        request.snapshot_id,
        config.name,
        config,
        request.model,
        epochs,
        request.use_valid,
        actor,
    )
    if isinstance(ready, str):
        show_error(ready)
        return
    st.subheader("Before you launch")
    st.text(ready.summary())
    if ready.findings:
        st.dataframe(_findings_frame(ready), hide_index=True, width="stretch")
    if ready.estimate is not None:
        for line in ready.estimate.lines():
            st.text(line)
        show_caption(ready.estimate.price_caption)
    else:
        st.text(ready.estimate_problem or "No estimate.")
    override = False
    if ready.needs_override and not ready.errors:
        override = st.checkbox(
            "I have read the warnings and want to launch anyway", key="train_override"
        )
    plan = launch_plan(engine, request, actor=actor)
    key, first = plan.key, plan.existing
    if first is not None and first.provider_job_id:
        show_info(
            f"A job with exactly these settings exists: job {first.id} "
            f"({first.provider_job_id}, {first.status_label})."
        )
        if st.checkbox("Launch another job with the same settings", key="train_again"):
            key = plan.again_key
    reasons = [ready.blocked_reason(override=override)]
    if actor is None:
        reasons.append("Enter your name in the sidebar first: a launch records who started it.")
    blocked = [r for r in reasons if r]
    for reason in blocked:
        show_warning(reason)
    pending = bool(st.session_state.get(PENDING_KEY))
    st.button(
        "Launch fine-tuning job",
        type="primary",
        disabled=bool(blocked) or pending,
        on_click=_queue_launch,
        key="train_launch",
    )
    if pending and not blocked:
        _run_launch(engine, request, key=key, actor=actor, ready=ready, override=override)


def _run_launch(
    engine: Engine,
    request: LaunchRequest,
    *,
    key: str,
    actor: Actor | None,
    ready: Readiness,
    override: bool,
) -> None:
    try:
        with st.spinner("Uploading the files and creating the job…"):
            result = launch_job(
                engine,
                request,
                key=key,
                actor=actor,
                secrets=ui_secrets(),
                override_warnings=override,
                ready=ready,
            )
        st.session_state[RESULT_KEY] = {
            "job_id": result.job.id,
            "message": result.message,
            "settings": asdict(request),
        }
        st.session_state[SELECTED_JOB_KEY] = result.job.id
    except UserError as exc:
        st.session_state[RESULT_KEY] = {"error": str(exc), "settings": asdict(request)}
    finally:
        st.session_state[PENDING_KEY] = False
    st.rerun()


def render_result(settings: dict[str, object]) -> None:
    """The outcome of the last launch, only while the form still holds its settings: a banner
    about job 1 must not greet the next launch (or a later visit with other settings)."""
    result = st.session_state.get(RESULT_KEY)
    if not result:
        return
    if result.get("settings") != settings:
        st.session_state.pop(RESULT_KEY, None)
        return
    if "error" in result:
        show_error(result["error"])
        return
    show_success(f"{result['message']} Follow it on Jobs & models (job {result['job_id']}).")
    try:
        st.page_link("pages/jobs.py", label="Open Jobs & models", icon=":material/work_history:")
    except StreamlitAPIException:  # the page ran without the app's navigation (a deep link)
        st.caption("Open Jobs & models in the navigation to follow it.")


def render_launch(engine: Engine, actor: Actor | None) -> None:
    request = request_inputs(engine, actor)
    if request is None:
        return
    config = next(c for c in providers(engine, actor=actor) if c.name == request.provider)
    settings = asdict(request)
    render_result(settings)
    if st.button("Review checks and cost", key="train_review_button"):
        st.session_state[REVIEW_KEY] = settings
        st.session_state.pop(RESULT_KEY, None)
    if st.session_state.get(REVIEW_KEY) == settings:
        render_confirm(engine, request, config, actor)
    elif st.session_state.get(REVIEW_KEY) is not None:
        st.info("The settings changed: review the checks and cost again before launching.")
