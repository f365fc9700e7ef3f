"""Reading and writing the rows of ``train_jobs`` and ``train_uploads``.

Short transactions only: a launch writes its claim, then each step's result, each in its own
unit of work, so that a crash leaves a row that says how far it got.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.core.db import inserted_id
from lib.core.errors import NotFoundError
from lib.core.tables import snapshots, utcnow
from lib.train.tables import train_jobs, train_uploads

# Statuses after which a job never changes again.
FINAL_STATUSES = frozenset({"succeeded", "failed", "cancelled", "launch_failed"})
LAUNCHING = "launching"
LAUNCH_FAILED = "launch_failed"
STATUS_LABELS = {
    LAUNCHING: "launching",
    LAUNCH_FAILED: "launch failed",
    "validating_files": "validating files",
    "queued": "queued",
    "running": "running",
    "pausing": "pausing",
    "paused": "paused",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
}


@dataclass(frozen=True, slots=True)
class UploadRow:
    id: int
    provider: str
    file_id: str
    snapshot_id: int | None
    split: str
    file_format: str
    filename: str
    bytes: int
    sha256: str
    n_examples: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class JobRow:
    id: int
    idempotency_key: str
    provider: str
    provider_job_id: str | None
    snapshot_id: int | None
    train_upload_id: int | None
    valid_upload_id: int | None
    base_model: str
    method: str
    hyperparameters: dict[str, Any]
    suffix: str | None
    seed: int | None
    status: str
    fine_tuned_model: str | None
    trained_tokens: int | None
    estimated_tokens: int | None
    estimated_cost: float | None
    error: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    heartbeat_at: datetime
    finished_at: datetime | None
    metrics: list[dict[str, Any]] | None = None  # kept once the job has finished
    metrics_source: str = ""  # where the kept series came from (result file, events …)
    snapshot_name: str | None = field(default=None)

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def _job(row: Any) -> JobRow:
    stored = json.loads(row.metrics) if row.metrics else None
    return JobRow(
        id=row.id,
        idempotency_key=row.idempotency_key,
        provider=row.provider,
        provider_job_id=row.provider_job_id,
        snapshot_id=row.snapshot_id,
        train_upload_id=row.train_upload_id,
        valid_upload_id=row.valid_upload_id,
        base_model=row.base_model,
        method=row.method,
        hyperparameters=json.loads(row.hyperparameters or "{}"),
        suffix=row.suffix,
        seed=row.seed,
        status=row.status,
        fine_tuned_model=row.fine_tuned_model,
        trained_tokens=row.trained_tokens,
        estimated_tokens=row.estimated_tokens,
        estimated_cost=row.estimated_cost,
        error=row.error,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        heartbeat_at=row.heartbeat_at,
        finished_at=row.finished_at,
        metrics=stored["points"] if stored else None,
        metrics_source=stored["source"] if stored else "",
        snapshot_name=getattr(row, "snapshot_name", None),
    )


def _upload(row: Any) -> UploadRow:
    return UploadRow(
        id=row.id,
        provider=row.provider,
        file_id=row.file_id,
        snapshot_id=row.snapshot_id,
        split=row.split,
        file_format=row.file_format,
        filename=row.filename,
        bytes=row.bytes,
        sha256=row.sha256,
        n_examples=row.n_examples,
        created_at=row.created_at,
    )


def _select_jobs() -> sa.Select:
    return sa.select(train_jobs, snapshots.c.name.label("snapshot_name")).select_from(
        train_jobs.outerjoin(snapshots, snapshots.c.id == train_jobs.c.snapshot_id)
    )


def list_jobs(
    conn: Connection, *, provider: str | None = None, snapshot_id: int | None = None
) -> list[JobRow]:
    """Jobs across providers, newest first."""
    query = _select_jobs().order_by(train_jobs.c.created_at.desc(), train_jobs.c.id.desc())
    if provider is not None:
        query = query.where(train_jobs.c.provider == provider)
    if snapshot_id is not None:
        query = query.where(train_jobs.c.snapshot_id == snapshot_id)
    return [_job(row) for row in conn.execute(query)]


def get_job(conn: Connection, job_id: int) -> JobRow:
    row = conn.execute(_select_jobs().where(train_jobs.c.id == job_id)).first()
    if row is None:
        raise NotFoundError(f"job {job_id} does not exist (it may have been deleted)")
    return _job(row)


def find_job_by_key(conn: Connection, key: str) -> JobRow | None:
    row = conn.execute(_select_jobs().where(train_jobs.c.idempotency_key == key)).first()
    return _job(row) if row else None


def jobs_for_model(conn: Connection, model: str) -> list[JobRow]:
    """Jobs that produced ``model`` or started from it (lineage for the models list)."""
    query = (
        _select_jobs()
        .where(sa.or_(train_jobs.c.fine_tuned_model == model, train_jobs.c.base_model == model))
        .order_by(train_jobs.c.id)
    )
    return [_job(row) for row in conn.execute(query)]


def update_job(engine: Engine, job_id: int, **values: Any) -> None:
    """Write ``values`` (JSON-encoding dict/list columns) and bump ``updated_at``."""
    for name in ("hyperparameters", "metrics"):
        if name in values and not isinstance(values[name], str | None):
            values[name] = json.dumps(values[name], ensure_ascii=False)
    values["updated_at"] = utcnow()
    with engine.begin() as conn:
        conn.execute(train_jobs.update().where(train_jobs.c.id == job_id).values(**values))


def get_upload(conn: Connection, upload_id: int | None) -> UploadRow | None:
    if upload_id is None:
        return None
    row = conn.execute(sa.select(train_uploads).where(train_uploads.c.id == upload_id)).first()
    return _upload(row) if row else None


def find_uploads(conn: Connection, *, provider: str, sha256: str) -> list[UploadRow]:
    """Earlier uploads of the same bytes to the same provider, newest first."""
    query = (
        sa.select(train_uploads)
        .where(train_uploads.c.provider == provider, train_uploads.c.sha256 == sha256)
        .order_by(train_uploads.c.id.desc())
    )
    return [_upload(row) for row in conn.execute(query)]


def add_upload(engine: Engine, **values: Any) -> UploadRow:
    values.setdefault("created_at", utcnow())
    with engine.begin() as conn:
        result = conn.execute(train_uploads.insert().values(**values))
        upload_id = inserted_id(result)
        row = conn.execute(sa.select(train_uploads).where(train_uploads.c.id == upload_id)).one()
    return _upload(row)


def forget_upload(engine: Engine, upload_id: int) -> None:
    """Drop a record whose file the provider no longer has."""
    with engine.begin() as conn:
        conn.execute(train_uploads.delete().where(train_uploads.c.id == upload_id))
