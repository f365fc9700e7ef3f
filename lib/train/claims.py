"""Claiming a launch's key in the store, and finding the provider's job of a claimed launch.

The claim is an INSERT into ``train_jobs`` whose ``idempotency_key`` is UNIQUE: of any number
of concurrent launches with one key, exactly one INSERT wins. The key also travels as job
metadata, so a launch interrupted between the provider's create and our write is found again
by listing the provider's jobs with that metadata (:func:`reconcile`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.core.db import inserted_id
from lib.core.errors import UserError
from lib.core.tables import utcnow
from lib.providers.service import (
    client_for,
    get_provider,
    provider_errors,
)
from lib.train.repo import (
    LAUNCH_FAILED,
    LAUNCHING,
    JobRow,
    find_job_by_key,
    get_job,
    update_job,
)
from lib.train.request import LAUNCH_LEASE, METADATA_KEY, LaunchRequest, clean_hyperparameters
from lib.train.tables import train_jobs

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)

_RECONCILE_PAGE = 100
_RECONCILE_PAGES = 10


# ---------------------------------------------------------------------------- claim


def claim(engine: Engine, request: LaunchRequest, *, key: str, author: str) -> tuple[JobRow, bool]:
    """INSERT the claim for ``key``; ``(row, True)`` for the one caller whose INSERT won."""
    now = utcnow()
    values = {
        "idempotency_key": key,
        "provider": request.provider,
        "snapshot_id": request.snapshot_id,
        "base_model": request.model,
        "method": request.method,
        "hyperparameters": json.dumps(clean_hyperparameters(request)),
        "suffix": request.suffix or None,
        "seed": request.seed,
        "status": LAUNCHING,
        "estimated_tokens": request.estimated_tokens,
        "estimated_cost": request.estimated_cost,
        "created_by": author,
        "created_at": now,
        "updated_at": now,
        "heartbeat_at": now,
    }
    try:
        with engine.begin() as conn:
            result = conn.execute(train_jobs.insert().values(**values))
            job_id = inserted_id(result)
        won = True
    except sa.exc.IntegrityError:
        won = False
    with engine.connect() as conn:
        row = get_job(conn, job_id) if won else find_job_by_key(conn, key)
    if row is None:  # the winner's row vanished (deleted in between): a plain message
        raise UserError("that launch was removed while it was being claimed; try again")
    return row, won


def take_over(engine: Engine, row: JobRow, *, stale_before: Any) -> bool:
    """Compare-and-set: take a stopped claim over; False if someone else holds it."""
    with engine.begin() as conn:
        result = conn.execute(
            train_jobs.update()
            .where(
                train_jobs.c.id == row.id,
                train_jobs.c.provider_job_id.is_(None),
                train_jobs.c.heartbeat_at == row.heartbeat_at,
                sa.or_(
                    train_jobs.c.status == LAUNCH_FAILED,
                    train_jobs.c.heartbeat_at < stale_before,
                ),
            )
            .values(status=LAUNCHING, error=None, heartbeat_at=utcnow(), updated_at=utcnow())
        )
    return result.rowcount == 1


# ---------------------------------------------------------------------------- reconcile


def find_provider_job(client: openai.OpenAI, key: str) -> Any | None:
    """The provider's job carrying ``metadata[tunelab_key] == key``, if there is one.

    Filters on the server where it can, and again here: a server that ignores the filter
    must not make us adopt someone else's job.
    """
    import openai

    try:
        page = client.fine_tuning.jobs.list(metadata={METADATA_KEY: key}, limit=_RECONCILE_PAGE)
        candidates = list(page.data)
    except openai.BadRequestError:  # a server without the metadata filter: scan recent jobs
        candidates = []
        page = client.fine_tuning.jobs.list(limit=_RECONCILE_PAGE)
        for _ in range(_RECONCILE_PAGES):
            candidates.extend(page.data)
            if not page.has_next_page():
                break
            page = page.get_next_page()
    matches = [job for job in candidates if (job.metadata or {}).get(METADATA_KEY) == key]
    return min(matches, key=lambda job: (job.created_at, job.id)) if matches else None


def adopt(engine: Engine, row: JobRow, job: Any) -> JobRow:
    update_job(
        engine,
        row.id,
        provider_job_id=job.id,
        status=str(job.status),
        error=None,
        heartbeat_at=utcnow(),
    )
    with engine.connect() as conn:
        return get_job(conn, row.id)


def reconcile(
    engine: Engine,
    job_id: int,
    *,
    secrets: Mapping[str, Any] | None = None,
    client: openai.OpenAI | None = None,
) -> JobRow:
    """Adopt the provider's job for a claimed launch that has no job id recorded yet."""
    with engine.connect() as conn:
        row = get_job(conn, job_id)
    if row.provider_job_id:
        return row
    config = get_provider(engine, row.provider)
    client = client or client_for(config, secrets=secrets)
    with provider_errors(config, "look for the job of an interrupted launch", secrets=secrets):
        found = find_provider_job(client, row.idempotency_key)
    if found is None:
        return row
    log.info("adopted provider job %s for launch %s", found.id, row.id)
    return adopt(engine, row, found)


def expire_stale_claim(engine: Engine, row: JobRow, *, lease: timedelta = LAUNCH_LEASE) -> JobRow:
    """A launch that stopped before creating a job (no sign of life for ``lease``, nothing at
    the provider) is marked failed, so the list stops waiting for it; launching again with the
    same settings takes the claim over."""
    if row.provider_job_id or row.status != LAUNCHING or row.heartbeat_at >= utcnow() - lease:
        return row
    with engine.begin() as conn:
        conn.execute(
            train_jobs.update()
            .where(
                train_jobs.c.id == row.id,
                train_jobs.c.provider_job_id.is_(None),
                train_jobs.c.heartbeat_at == row.heartbeat_at,
            )
            .values(
                status=LAUNCH_FAILED,
                error="the launch stopped before the job was created (nothing was started); "
                "launch again to retry",
                updated_at=utcnow(),
            )
        )
    with engine.connect() as conn:
        return get_job(conn, row.id)
