"""The screen Train → "Move a fine-tuned model": the five steps of the exit kit in order.

Session state keeps ids only (provider name, model id, recording id, run and job ids); every
read and change goes through :mod:`lib.migrate.service`. Text from providers and users is shown
as dataframe cells, ``st.text`` or :func:`lib.shell.messages.plain`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from lib.core.errors import UserError
from lib.core.identity import Actor
from lib.migrate import service as migrate
from lib.shell.messages import (
    show_caption,
    show_error,
    show_info,
    show_success,
    show_warning,
    ui_secrets,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

PROVIDER_KEY = "migrate_provider"
MODEL_KEY = "migrate_model"
INVENTORY_KEY = "migrate_inventory_shown"
RECORDING_KEY = "migrate_recording"
COMPARE_KEY = "migrate_compare_run"
JOB_KEY = "migrate_retrain_job"
FLASH_KEY = "migrate_flash"
DEFAULT_TOGETHER_BASE = "Qwen/Qwen3-8B"


def _try(action: Callable[[], Any]) -> Any:
    """Run a service call; a refusal or provider error is one sentence, never a traceback."""
    try:
        return action()
    except UserError as exc:
        show_error(exc)
    except Exception as exc:  # noqa: BLE001 - a person gets a sentence
        show_error(f"Something went wrong: {type(exc).__name__}: {exc}")
    return None


def _flash(message: str) -> None:
    st.session_state[FLASH_KEY] = message


def inventory_frame(models: list[migrate.ModelRecord]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "model": m.id, "base model": m.base_model, "shuts down": m.shutdown_date or "unknown",
                "days left": m.days_left, "date from": m.shutdown_source or "—", "job": m.job or "",
                "training file": m.training_file or "", "validation file": m.validation_file or "",
                "hyperparameters": ", ".join(f"{k}={v}" for k, v in m.hyperparameters.items()),
                "trained tokens": m.trained_tokens, "created": m.created_at or "",
                "at provider": "yes" if m.at_provider else "gone",
            }
            for m in models
        ]
    )  # fmt: skip


def _inventory(engine: Engine, actor: Actor | None) -> tuple[Any, migrate.ModelRecord | None]:
    configs = migrate.accounts(engine, actor=actor)
    names = [c.name for c in configs]
    chosen = st.session_state.get(PROVIDER_KEY) or migrate.account(engine).name
    name = st.selectbox(
        "Account", names, index=names.index(chosen) if chosen in names else 0, key="migrate_account"
    )
    st.session_state[PROVIDER_KEY] = name
    config = next(c for c in configs if c.name == name)
    if st.button("List fine-tuned models", key="migrate_list"):
        st.session_state[INVENTORY_KEY] = name
    if st.session_state.get(INVENTORY_KEY) != name:
        st.caption(
            "Lists every fine-tuned model of this account with the job and files that made it."
        )
        return config, None
    models = _try(lambda: migrate.inventory(engine, config, secrets=ui_secrets(), actor=actor))
    if not models:
        if models is not None:
            show_info(f"{name} has no fine-tuned models.")
        return config, None
    st.dataframe(inventory_frame(models), hide_index=True, width="stretch")
    ids = [m.id for m in models]
    picked = st.session_state.get(MODEL_KEY)
    model_id = st.selectbox(
        "Model to move", ids, index=ids.index(picked) if picked in ids else 0, key="migrate_pick"
    )
    st.session_state[MODEL_KEY] = model_id
    model = next(m for m in models if m.id == model_id)
    st.text(describe(model))
    return config, model


def describe(m: migrate.ModelRecord) -> str:
    """The chosen model in one line of plain text."""
    if m.shutdown_date is None:
        when = "no shutdown date known"
    else:
        left = f"{m.days_left} days left" if (m.days_left or 0) >= 0 else "already shut down"
        where = "the provider's date" if m.shutdown_source == "provider" else "our dated table"
        when = f"shuts down {m.shutdown_date} ({left}; {where})"
    gone = "" if m.at_provider else " (no longer listed by the provider; its data is here)"
    return (
        f"{m.id}{gone}: base {m.base_model}; {when}; job {m.job or 'unknown'}; training file "
        f"{m.training_file or '—'}; validation file {m.validation_file or '—'}"
    )


def _pull(
    engine: Engine, config: Any, model: migrate.ModelRecord, actor: Actor | None
) -> list[migrate.Lineage]:
    st.subheader("2. Pull the training data")
    if st.button("Pull training data", key="migrate_pull"):
        pulled = _try(
            lambda: migrate.pull(engine, config, model.id, secrets=ui_secrets(), actor=actor)
        )
        if pulled is not None:
            st.session_state[f"migrate_pulled_{model.id}"] = [p.as_json() for p in pulled]
    shown = st.session_state.get(f"migrate_pulled_{model.id}") or []
    for row in shown:
        made = (
            f" → dataset {row['dataset']} ({row['n_examples']} examples)"
            if row["dataset_id"]
            else ""
        )
        st.text(f"{row['role']} file {row['file_id'] or '—'}: {row['status']}{made}")
    for row in shown:
        if row["status"] == "deleted at provider":
            _attach(engine, config, model, str(row["role"]), str(row["file_id"]), actor)
    lineage = migrate.lineage(engine, model=model.id, actor=actor)
    if lineage:
        st.caption("Datasets made from this model's job (lineage)")
        st.dataframe(pd.DataFrame([{
            "dataset": x.dataset_id, "role": x.role, "provider": x.provider, "job": x.job,
            "file id": x.file_id, "from": x.source, "sha256": x.sha256, "bytes": x.bytes,
        } for x in lineage]), hide_index=True, width="stretch")  # fmt: skip
    return lineage


def _attach(
    engine: Engine,
    config: Any,
    model: migrate.ModelRecord,
    role: str,
    file_id: str,
    actor: Actor | None,
) -> None:
    """A file the provider deleted: say so, and take a local copy instead."""
    show_warning(f"{config.name} no longer has the {role} file {file_id}.")
    upload = st.file_uploader(
        f"Attach a local copy of the {role} file", key=f"migrate_local_{role}"
    )
    if upload is None or not st.button(f"Use this copy ({role})", key=f"migrate_attach_{role}"):
        return
    done = _try(
        lambda: migrate.attach_local(
            engine, config, model.id, role=role, data=upload.getvalue(), file_name=upload.name,
            secrets=ui_secrets(), actor=actor,
        )
    )  # fmt: skip
    if done is not None:
        _flash(f"Attached {upload.name} as dataset {done.dataset_name}.")
        st.session_state.pop(f"migrate_pulled_{model.id}", None)
        st.rerun()


def _record(
    engine: Engine,
    config: Any,
    model: migrate.ModelRecord,
    lineage: list[migrate.Lineage],
    actor: Actor | None,
) -> None:
    st.subheader("3. Record what it answers")
    training = [x for x in lineage if x.role == "training"]
    validation = [x for x in lineage if x.role == "validation"]
    if not training and not validation:
        st.info("Pull the training data first.")
        return
    # Its own validation file first: the model never trained on it, whereas a snapshot's test
    # split of the training file holds examples it learned (its answers there flatter it).
    options: dict[str, dict[str, Any]] = {}
    if validation:
        options["its own validation file"] = {
            "kind": "dataset",
            "dataset_id": validation[-1].dataset_id,
        }
    if training:
        snaps = migrate.snapshots_of(engine, training[-1].dataset_id, actor=actor)
        for snap in snaps:
            options[f"test split of snapshot {snap.name}"] = {
                "kind": "snapshot",
                "snapshot_id": snap.id,
                "split": "test",
            }
        if (
            not snaps
            and st.button("Freeze the training data into a snapshot", key="migrate_snapshot")
            and _try(
                lambda: migrate.snapshot_for_retrain(engine, training[-1].dataset_id, actor=actor)
            )
        ):
            st.rerun()
    if not options:
        return
    label = st.selectbox("Test set", list(options), key="migrate_testset")
    if st.button("Record answers", key="migrate_record"):
        made = _try(
            lambda: migrate.record(
                engine, config, model.id, options[label], secrets=ui_secrets(), actor=actor
            )
        )
        if made is not None:
            st.session_state[RECORDING_KEY] = made.id
    _recordings(engine, model, actor)


def _recordings(engine: Engine, model: migrate.ModelRecord, actor: Actor | None) -> None:
    found = migrate.recordings(engine, model=model.id, actor=actor)
    progress = {r.id: migrate.run_progress(engine, r.run_id, actor=actor) for r in found}
    for rec in found:
        p = progress[rec.id]
        st.text(f"Recording {rec.id}: {p.status}, {p.done} of {p.total} answers stored")
    if any(p.status in ("pending", "running") for p in progress.values()):
        _wait_for_runs([r.run_id for r in found], engine, actor)


@st.fragment(run_every=2)
def _wait_for_runs(run_ids: list[int], engine: Engine, actor: Actor | None) -> None:
    """Polls until the runs have finished, then reruns the screen once."""
    states = [migrate.run_progress(engine, r, actor=actor) for r in run_ids]
    if all(p.status not in ("pending", "running") for p in states):
        st.rerun(scope="app")
    done = sum(p.done + p.failed for p in states)
    total = sum(p.total for p in states) or 1
    st.progress(min(1.0, done / total), text=f"Working: {done} of {total} answers")


def _retrain(engine: Engine, lineage: list[migrate.Lineage], actor: Actor | None) -> None:
    st.subheader("4. Retrain elsewhere")
    training = [x for x in lineage if x.role == "training"]
    snaps = migrate.snapshots_of(engine, training[-1].dataset_id, actor=actor) if training else []
    if not snaps:
        st.info("Pull the training data and freeze it into a snapshot first.")
        return
    names = [
        c.name
        for c in migrate.accounts(engine, actor=actor)
        if c.name != st.session_state.get(PROVIDER_KEY)
    ]
    provider = st.selectbox("Provider", names, key="migrate_retrain_provider")
    base = st.text_input("Base model", value=DEFAULT_TOGETHER_BASE, key="migrate_retrain_base")
    epochs = st.number_input(
        "Epochs", min_value=1, max_value=25, value=3, key="migrate_retrain_epochs"
    )
    ready = _try(
        lambda: migrate.retrain_check(engine, snaps[0].id, provider, model=base, actor=actor)
    )
    if ready is None:
        return
    if ready.estimate is not None:
        for line in ready.estimate.lines():
            st.text(line)
    else:
        st.text(ready.estimate_problem or "No estimate.")
    if ready.errors:
        show_error(f"{ready.errors} check(s) failed on the data; fix them on the Checks screen.")
    request = migrate.train.LaunchRequest(
        snapshot_id=snaps[0].id, provider=provider, model=base,
        hyperparameters={"n_epochs": int(epochs)}, suffix="moved",
    )  # fmt: skip
    if st.button("Launch retraining", key="migrate_launch", disabled=bool(ready.errors)):
        result = _try(
            lambda: migrate.retrain(
                engine, request, secrets=ui_secrets(), override_warnings=True, actor=actor
            )
        )
        if result is not None:
            st.session_state[JOB_KEY] = result.job.id
            _flash(result.message)
    if st.session_state.get(JOB_KEY):
        _job(engine, int(st.session_state[JOB_KEY]), actor)


def _job_line(job: migrate.train.JobRow) -> str:
    made = f" → {job.fine_tuned_model}" if job.fine_tuned_model else ""
    return f"Job {job.id} at {job.provider}: {job.status_label}{made}"


def _job(engine: Engine, job_id: int, actor: Actor | None) -> None:
    """The retraining job: watched live until it has finished, then shown as it ended."""
    job = _try(lambda: migrate.refresh_retrain(engine, job_id, secrets=ui_secrets(), actor=actor))
    if job is None:
        return
    if job.final:
        st.text(_job_line(job))
    else:
        _watch_job(engine, job_id, actor)


@st.fragment(run_every=2)
def _watch_job(engine: Engine, job_id: int, actor: Actor | None) -> None:
    job = _try(lambda: migrate.refresh_retrain(engine, job_id, secrets=ui_secrets(), actor=actor))
    if job is None:
        return
    if job.final:  # the whole screen again: its model becomes a candidate below
        st.rerun(scope="app")
    st.text(_job_line(job))


def _compare(engine: Engine, model: migrate.ModelRecord, actor: Actor | None) -> None:
    st.subheader("5. Compare to the reference")
    found = migrate.recordings(engine, model=model.id, actor=actor)
    done = [
        r for r in found if migrate.run_progress(engine, r.run_id, actor=actor).status == "done"
    ]
    if not done:
        st.info("Record the model's answers first: they are the reference.")
        return
    rec = done[0]
    jobs = migrate.retrained(engine, actor=actor)
    choices = {
        f"{j.fine_tuned_model} ({j.provider})": (str(j.fine_tuned_model), j.provider) for j in jobs
    }
    # Keyed by the choices: a model that has just finished training is preselected.
    picked = st.multiselect(
        "Candidates", list(choices), default=list(choices)[:1],
        key=f"migrate_candidates_{abs(hash(tuple(choices)))}",
    )  # fmt: skip
    if st.button("Compare with the recording", key="migrate_compare", disabled=not picked):
        specs = [
            migrate.evaluate.ModelSpec(model=choices[c][0], provider=choices[c][1]) for c in picked
        ]
        run_id = _try(
            lambda: migrate.compare(engine, rec.id, specs, secrets=ui_secrets(), actor=actor)
        )
        if run_id is not None:
            st.session_state[COMPARE_KEY] = (run_id, model.id)
    if st.session_state.get(COMPARE_KEY):
        run_id, reference = st.session_state[COMPARE_KEY]
        _comparison(engine, int(run_id), str(reference), actor)


def _comparison(engine: Engine, run_id: int, reference: str, actor: Actor | None) -> None:
    progress = migrate.run_progress(engine, run_id, actor=actor)
    if progress.status in ("pending", "running"):
        _wait_for_runs([run_id], engine, actor)
        return
    result = _try(lambda: migrate.comparison(engine, run_id, reference=reference, actor=actor))
    if result is None:
        return
    from lib.migrate.report import verdict

    st.text(verdict(result))
    st.dataframe(pd.DataFrame([{
        "candidate": m, "agreement": a.agreement, "kappa": a.kappa, "accuracy": a.accuracy,
        "reference accuracy": a.reference_accuracy,
        "McNemar p": None if a.mcnemar is None else a.mcnemar.p_value,
        "disagreements": len(a.disagreements), "match": "yes" if a.is_match else "no",
    } for m, a in result.agreements.items()]), hide_index=True, width="stretch")  # fmt: skip
    for m, a in result.agreements.items():
        if a.disagreements:
            show_caption(f"Where {m} and the reference differ")
            st.dataframe(pd.DataFrame([{"example": d.example, "gold": d.gold, "reference": d.reference, "candidate": d.candidate}
                                       for d in a.disagreements]), hide_index=True, width="stretch")  # fmt: skip
    html = migrate.report_html(engine, run_id, reference=reference, actor=actor)
    st.download_button("Download the migration report (HTML)", html.encode("utf-8"),
                       file_name=f"migration-report-{run_id}.html", mime="text/html", key="migrate_report")  # fmt: skip


def render_screen(engine: Engine, actor: Actor | None) -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        show_success(message)
    st.subheader("1. Inventory")
    config, model = _inventory(engine, actor)
    if model is None:
        return
    lineage = _pull(engine, config, model, actor)
    _record(engine, config, model, lineage, actor)
    _retrain(engine, lineage, actor)
    _compare(engine, model, actor)
