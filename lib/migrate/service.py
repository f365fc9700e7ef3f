"""Moving a fine-tuned model off its provider (the exit kit): the use cases of the screen
Train → "Move a fine-tuned model" and of ``python -m lib migrate``.

1. :func:`inventory` — every fine-tuned model the account owns, soonest shutdown first (a read).
2. :func:`pull` / :func:`attach_local` — the job's files as datasets with lineage (trainer:
   it imports datasets).
3. :func:`record` — run the model on a test set and keep every answer with its token
   probabilities: the reference recording (trainer: it spends).
4. :func:`retrain_check` / :func:`retrain` — the same data on another provider through the
   train service's exactly-once launch, its cost shown first (trainer).
5. :func:`compare` / :func:`comparison` — an evaluation of candidates with the recorded model
   as the reference (its answers come from the store), and the migration report.

Other features are reached only through their services (datasets, snapshots, train,
evaluate, providers, runner).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from lib.core.errors import NotFoundError, UserError
from lib.core.identity import Actor, Role, require, require_read
from lib.datasets import service as datasets
from lib.evaluate import service as evaluate
from lib.migrate import pull as pulling
from lib.migrate import recordings as store
from lib.migrate.comparison import Comparison
from lib.migrate.inventory import ModelRecord, build_inventory, gone_record, sort_records
from lib.migrate.pull import FROM_LOCAL, FROM_PROVIDER, Lineage, PulledFile
from lib.migrate.recordings import Recording
from lib.providers.service import (
    ProviderConfig,
    client_for,
    default_provider,
    get_provider,
    provider_errors,
    url_config,
)
from lib.runner import service as runner
from lib.snapshots import service as snapshots
from lib.train import service as train

__all__ = [
    "Comparison",
    "Lineage",
    "ModelRecord",
    "PulledFile",
    "Recording",
    "account",
    "accounts",
    "refresh_retrain",
    "retrained",
    "run_progress",
    "snapshots_of",
    "attach_local",
    "compare",
    "comparison",
    "find_model",
    "inventory",
    "lineage",
    "pull",
    "record",
    "recordings",
    "get_recording",
    "report_html",
    "retrain",
    "retrain_check",
    "snapshot_for_retrain",
    "test_set",
    "wait",
]


# --- 1. inventory (a read) -----------------------------------------------------------------


def account(
    engine: Engine,
    *,
    provider: str | None = None,
    base_url: str | None = None,
    key_env: str | None = None,
) -> ProviderConfig:
    """The account to read: a configured provider by name, a plain base URL (no key sent unless
    ``key_env`` names the variable holding it; OpenAI's own URL takes ``OPENAI_API_KEY``), or
    the default provider."""
    if provider and base_url:
        raise UserError("name a provider or a base URL, not both")
    if key_env and not base_url:
        raise UserError("--api-key-env names the key for --base-url; give --base-url too")
    if base_url:
        return url_config(base_url, key_env=key_env)
    return get_provider(engine, provider) if provider else default_provider(engine)


def inventory(
    engine: Engine,
    config: ProviderConfig,
    *,
    secrets: Mapping[str, Any] | None,
    today: date | None = None,
    actor: Actor | None,
) -> list[ModelRecord]:
    """Every fine-tuned model of the account with its job, files and shutdown date."""
    require_read(actor, action="see the fine-tuned models")
    client = client_for(config, secrets=secrets)
    with provider_errors(config, "list its fine-tuned models", secrets=secrets):
        models = list(client.models.list())
        jobs = list(client.fine_tuning.jobs.list())
    today = today or date.today()
    found = build_inventory(config, models, jobs, today=today)
    listed = {m.id for m in found}
    with engine.connect() as conn:
        known = pulling.known_models(conn, config.name)
    gone = [
        gone_record(config, model, job=job, files=files, today=today)
        for model, (job, files) in known.items()
        if model not in listed
    ]
    return sort_records([*found, *gone])


def find_model(
    engine: Engine,
    config: ProviderConfig,
    model: str,
    *,
    secrets: Mapping[str, Any] | None,
    actor: Actor | None,
) -> ModelRecord:
    for found in inventory(engine, config, secrets=secrets, actor=actor):
        if found.id == model:
            return found
    raise NotFoundError(f"{config.name} has no fine-tuned model {model!r}")


# --- 2. the data ---------------------------------------------------------------------------


def pull(
    engine: Engine,
    config: ProviderConfig,
    model: str,
    *,
    secrets: Mapping[str, Any] | None,
    actor: Actor | None,
) -> list[PulledFile]:
    """Download the training and validation files of the job that made ``model`` into datasets.

    A file the provider has deleted is reported ``deleted at provider`` (attach a local copy
    with :func:`attach_local`); pulling again returns the datasets already made.
    """
    who = require(actor, Role.TRAINER, action="pull a model's training data")
    found = find_model(engine, config, model, secrets=secrets, actor=actor)
    if found.job is None:
        raise UserError(
            f"{config.name} names no fine-tuning job for {model}: its files are unknown"
        )
    out: list[PulledFile] = []
    for role, file_id in (("training", found.training_file), ("validation", found.validation_file)):
        if not file_id:
            out.append(PulledFile(role, None, pulling.NO_FILE))
            continue
        data = pulling.download(config, file_id, secrets=secrets)
        if data is None:
            out.append(PulledFile(role, file_id, pulling.DELETED))
            continue
        out.append(
            pulling.store_pull(
                engine, found, role=role, data=data, file_id=file_id, file_name=f"{file_id}.jsonl",
                source=FROM_PROVIDER, author=who.name, actor=actor,
            )
        )  # fmt: skip
    return out


def attach_local(
    engine: Engine,
    config: ProviderConfig,
    model: str,
    *,
    role: str,
    data: bytes,
    file_name: str,
    secrets: Mapping[str, Any] | None,
    actor: Actor | None,
) -> PulledFile:
    """Use a local copy of a file the provider no longer has (lineage says "local copy")."""
    who = require(actor, Role.TRAINER, action="attach a local copy of training data")
    found = find_model(engine, config, model, secrets=secrets, actor=actor)
    file_id = found.training_file if role == "training" else found.validation_file
    return pulling.store_pull(
        engine, found, role=role, data=data, file_id=file_id, file_name=file_name,
        source=FROM_LOCAL, author=who.name, actor=actor,
    )  # fmt: skip


def lineage(
    engine: Engine, *, model: str | None = None, dataset_id: int | None = None, actor: Actor | None
) -> list[Lineage]:
    """Where pulled datasets came from (provider, job, file id, sha256)."""
    require_read(actor, action="see where a dataset came from")
    with engine.connect() as conn:
        return pulling.lineage(conn, model=model, dataset_id=dataset_id)


# --- 3. the reference recording ------------------------------------------------------------


def test_set(engine: Engine, source: Mapping[str, Any], *, actor: Actor | None) -> evaluate.TestSet:
    """A recording's test set: a snapshot's split, or a (pulled validation) dataset as a whole."""
    if source.get("kind") == "snapshot":
        return evaluate.testset_from_snapshot(
            engine,
            int(source["snapshot_id"]),
            split=str(source.get("split") or "test"),
            actor=actor,
        )
    if source.get("kind") == "dataset":
        exported = datasets.dataset_file(engine, int(source["dataset_id"]), "chat", actor=actor)
        return evaluate.testset_from_file(exported.data, file_name=exported.file_name)
    raise UserError("a test set is a snapshot's split or a dataset")


# pytest would otherwise collect it where a test imports it.
test_set.__test__ = False  # type: ignore[attr-defined]


def record(
    engine: Engine,
    config: ProviderConfig,
    model: str,
    source: Mapping[str, Any],
    *,
    secrets: Mapping[str, Any] | None,
    concurrency: int = 8,
    actor: Actor | None,
) -> Recording:
    """Run ``model`` on the test set and keep every answer with its token probabilities."""
    who = require(actor, Role.TRAINER, action="record a model's answers")
    tests = test_set(engine, source, actor=actor)
    spec = evaluate.ModelSpec(model=model, provider=config.name)
    run_id = evaluate.start_evaluation(
        engine, tests, [spec], task="auto", top_k=5, batch=False, concurrency=concurrency,
        secrets=secrets, actor=actor,
    )  # fmt: skip
    with engine.begin() as conn:
        new_id = store.add_recording(
            conn, provider=config.name, model=model, run_id=run_id, source=source, author=who.name
        )
    return get_recording(engine, new_id, actor=actor)


def get_recording(engine: Engine, recording_id: int, *, actor: Actor | None) -> Recording:
    require_read(actor, action="see a recording")
    with engine.connect() as conn:
        return store.get_recording(conn, recording_id)


def recordings(engine: Engine, *, model: str | None = None, actor: Actor | None) -> list[Recording]:
    """Recordings, newest first (of one model when named)."""
    require_read(actor, action="see the recordings")
    with engine.connect() as conn:
        return store.list_recordings(conn, model=model)


def wait(
    engine: Engine, run_id: int, *, timeout_s: float = 600.0, actor: Actor | None
) -> runner.Progress:
    """Block until a recording's or comparison's run has finished (command line, tests)."""
    require_read(actor, action="see an evaluation")
    return runner.wait_until_finished(engine, run_id, timeout_s=timeout_s)


def run_progress(engine: Engine, run_id: int, *, actor: Actor | None) -> runner.Progress:
    """How far a recording or comparison run has got (the screen polls this)."""
    return evaluate.run_status(engine, run_id, actor=actor).progress


def accounts(engine: Engine, *, actor: Actor | None) -> list[ProviderConfig]:
    """The providers whose fine-tuned models can be listed (the built-in engine included)."""
    from lib.providers.service import providers

    return providers(engine, actor=actor)


def snapshots_of(engine: Engine, dataset_id: int, *, actor: Actor | None) -> list[Any]:
    """Snapshots of a pulled dataset, newest first (a recording's test split comes from one)."""
    return list(snapshots.snapshot_list(engine, dataset_id=dataset_id, actor=actor))


def retrained(engine: Engine, *, actor: Actor | None) -> list[train.JobRow]:
    """Jobs launched in this store that finished with a model: the candidates to compare."""
    return [j for j in train.job_list(engine, actor=actor) if j.fine_tuned_model]


def refresh_retrain(
    engine: Engine, job_id: int, *, secrets: Mapping[str, Any] | None, actor: Actor | None
) -> train.JobRow:
    """A retraining job as its provider sees it now."""
    return train.refresh_job(engine, job_id, secrets=secrets, actor=actor).job


# --- 4. retrain elsewhere ------------------------------------------------------------------


def snapshot_for_retrain(
    engine: Engine, dataset_id: int, *, name: str | None = None, actor: Actor | None
) -> Any:
    """Freeze a pulled training dataset (train/valid/test, seeded) so it can be launched and
    its test split recorded; the snapshot service's defaults."""
    return snapshots.create_snapshot(
        engine, dataset_id, snapshots.SnapshotOptions(), name=name, actor=actor
    )


def retrain_check(
    engine: Engine, snapshot_id: int, provider: str, *, model: str, actor: Actor | None
) -> Any:
    """The checks and the cost estimate shown before the launch (train service)."""
    config = get_provider(engine, provider)
    return train.check_before_launch(
        engine, snapshot_id, config, model=model, epochs="auto", use_valid=True, actor=actor
    )


def retrain(
    engine: Engine,
    request: train.LaunchRequest,
    *,
    secrets: Mapping[str, Any] | None,
    override_warnings: bool = False,
    actor: Actor | None,
) -> train.LaunchResult:
    """Launch the same data on another provider, exactly once for these settings (a second
    call with the same settings returns the first job)."""
    plan = train.launch_plan(engine, request, actor=actor)
    return train.launch_job(
        engine, request, key=plan.key, secrets=secrets, override_warnings=override_warnings,
        actor=actor,
    )  # fmt: skip


# --- 5. compare to the reference -----------------------------------------------------------


def compare(
    engine: Engine,
    recording_id: int,
    candidates: list[evaluate.ModelSpec],
    *,
    secrets: Mapping[str, Any] | None,
    concurrency: int = 8,
    actor: Actor | None,
) -> int:
    """Evaluate ``candidates`` on the recording's test set beside the recorded model, whose
    answers come from the store (same requests, so the runner reuses them); the run's id."""
    rec = get_recording(engine, recording_id, actor=actor)
    if not candidates:
        raise UserError("name at least one candidate to compare with the reference")
    recorded = evaluate.run_status(engine, rec.run_id, actor=actor).run
    tests = test_set(engine, rec.test_source, actor=actor)
    reference = evaluate.ModelSpec(model=rec.model, provider=rec.provider)
    return evaluate.start_evaluation(
        engine, tests, [reference, *candidates], task=str(recorded.settings.get("task") or "auto"),
        top_k=int(recorded.settings.get("top_k") or 5), batch=False, concurrency=concurrency,
        secrets=secrets, actor=actor,
    )  # fmt: skip


def comparison(engine: Engine, run_id: int, *, reference: str, actor: Actor | None) -> Comparison:
    """Each candidate of the run against ``reference``: agreement, kappa, accuracy, McNemar."""
    data = evaluate.predictions(engine, run_id, actor=actor)
    return Comparison(run_id, reference, data, evaluate.reference_agreement(data, reference))


def report_html(engine: Engine, run_id: int, *, reference: str, actor: Actor | None) -> str:
    """The migration report: is each replacement a match for the recorded model?"""
    from lib.migrate.report import migration_report

    return migration_report(comparison(engine, run_id, reference=reference, actor=actor))
