"""Launching a fine-tuning job exactly once.

The order is what makes it safe (design.md §4, "money-spending actions happen once"):

1. **Claim** the idempotency key: INSERT a ``train_jobs`` row whose key column is UNIQUE,
   before any call to the provider. Of sixteen threads, two tabs or a double click sending the
   same key, one INSERT wins; the others get the winner's row back.
2. **Upload** the train (and optional valid) split, reusing an earlier upload of the same bytes
   to the same provider.
3. **Create** the job with ``metadata={"tunelab_key": key}`` (nothing secret in it).
4. **Record** the provider's job id.

A crash between 3 and 4 leaves a claimed row without a job id. Before anything is created for
a key, :func:`reconcile` lists the provider's jobs carrying that key and adopts the one it finds.
A claim whose launch stopped (an error, or no sign of life for :data:`LAUNCH_LEASE`) may be
taken over — after that same check — by a later launch with the same key.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.tables import utcnow
from lib.providers.service import (
    client_for,
    get_provider,
    provider_errors,
    translate_error,
)
from lib.snapshots.service import get_snapshot
from lib.train.claims import adopt, claim, find_provider_job, reconcile, take_over
from lib.train.files import training_files, upload_file
from lib.train.readiness import Readiness, readiness
from lib.train.repo import (
    LAUNCH_FAILED,
    find_job_by_key,
    update_job,
)
from lib.train.request import (
    LAUNCH_LEASE,
    METADATA_KEY,
    LaunchRequest,
    LaunchResult,
    clean_hyperparameters,
    launch_key,
    validate_request,
)

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)

__all__ = [
    "METADATA_KEY",
    "LaunchRequest",
    "LaunchResult",
    "claim",
    "find_provider_job",
    "launch",
    "launch_key",
    "reconcile",
]


# ---------------------------------------------------------------------------- launch


def _method_payload(request: LaunchRequest) -> dict[str, Any]:
    hyper = clean_hyperparameters(request)
    inner: dict[str, Any] = {"hyperparameters": hyper} if hyper else {}
    return {"type": request.method, request.method: inner}


def _create(
    client: openai.OpenAI, request: LaunchRequest, *, key: str, train_id: str, valid_id: str | None
) -> Any:
    import openai

    params: dict[str, Any] = {
        "model": request.model,
        "training_file": train_id,
        "method": _method_payload(request),
        "metadata": {METADATA_KEY: key},
    }
    if valid_id:
        params["validation_file"] = valid_id
    if request.suffix:
        params["suffix"] = request.suffix
    if request.seed is not None:
        params["seed"] = int(request.seed)
    try:
        return client.fine_tuning.jobs.create(**params)
    except openai.BadRequestError as exc:
        # A server that refuses job metadata (a 400 creates nothing): create the job without
        # it. The claim still stops duplicates; only finding it after a crash is lost.
        if exc.param != "metadata" and "metadata" not in str(exc.message).lower():
            raise
        log.warning("the provider refused job metadata; creating the job without it")
        del params["metadata"]
        return client.fine_tuning.jobs.create(**params)


def _heartbeat(engine: Engine, job_id: int, **values: Any) -> None:
    update_job(engine, job_id, heartbeat_at=utcnow(), **values)


def launch(
    engine: Engine,
    request: LaunchRequest,
    *,
    key: str,
    author: str,
    secrets: Mapping[str, Any] | None = None,
    client: openai.OpenAI | None = None,
    lease: timedelta = LAUNCH_LEASE,
    override_warnings: bool = False,
    ready: Readiness | None = None,
) -> LaunchResult:
    """Upload the files and create the job, exactly once per ``key`` (see the module doc).

    The format checks must pass first (errors always block; warnings, or checks that could
    not run, need ``override_warnings``). ``ready`` passes checks already run for the same
    request, e.g. by the confirm step.
    """
    who = (author or "").strip()
    if not who:
        raise UserError("enter your name in the sidebar first: a launch records who started it")
    config = get_provider(engine, request.provider)
    validate_request(request, config)
    with engine.connect() as conn:
        snapshot = get_snapshot(conn, request.snapshot_id)
        known = find_job_by_key(conn, key)
    if known is None:  # a repeat of a claimed launch needs no second look at the data
        ready = ready or readiness(
            engine,
            request.snapshot_id,
            config,
            model=request.model,
            epochs=clean_hyperparameters(request).get("n_epochs", "auto"),
            use_valid=request.use_valid,
        )
        blocked = ready.blocked_reason(override=override_warnings)
        if blocked:
            raise UserError(blocked)
        if ready.estimate is not None and request.estimated_cost is None:
            request = replace(
                request,
                estimated_tokens=ready.estimate.billed_tokens,
                estimated_cost=ready.estimate.cost,
            )
    row, won = claim(engine, request, key=key, author=who)
    if row.provider_job_id:
        return LaunchResult(row, False, f"This launch already created job {row.provider_job_id}.")
    client = client or client_for(config, secrets=secrets)
    if not won:
        row = reconcile(engine, row.id, secrets=secrets, client=client)
        if row.provider_job_id:
            return LaunchResult(
                row, True, f"Found the job of an interrupted launch: {row.provider_job_id}."
            )
        if not take_over(engine, row, stale_before=utcnow() - lease):
            return LaunchResult(row, False, "This launch is already in progress.")
    try:
        with_valid = request.use_valid and snapshot.sizes.get("valid", 0) > 0
        splits = ("train", "valid") if with_valid else ("train",)
        files = training_files(
            engine, snapshot, method=request.method, model=request.model, splits=splits
        )
        train, valid = files["train"], files.get("valid")
        with provider_errors(config, "upload the training files", secrets=secrets):
            train_upload = upload_file(engine, client, config, train)
            _heartbeat(engine, row.id, train_upload_id=train_upload.id)
            valid_upload = upload_file(engine, client, config, valid) if valid else None
            if valid_upload:
                _heartbeat(engine, row.id, valid_upload_id=valid_upload.id)
        with provider_errors(config, "create the fine-tuning job", secrets=secrets):
            # Last look before spending: a takeover must not duplicate a job that exists.
            if not won and (found := find_provider_job(client, key)) is not None:
                return LaunchResult(adopt(engine, row, found), True, f"Found job {found.id}.")
            job = _create(
                client,
                request,
                key=key,
                train_id=train_upload.file_id,
                valid_id=valid_upload.file_id if valid_upload else None,
            )
    except Exception as exc:
        error = (
            exc
            if isinstance(exc, UserError)
            else translate_error(exc, config=config, action="launch the job")
        )
        update_job(engine, row.id, status=LAUNCH_FAILED, error=str(error))
        log.warning("launch %s failed: %s", row.id, error)
        raise error from None
    row = adopt(engine, row, job)
    log.info("launched job %s on %s (launch %s)", job.id, config.name, row.id)
    return LaunchResult(row, True, f"Launched job {job.id} on {config.name}.")
