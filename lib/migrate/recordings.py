"""Reference recordings in the store: which evaluation run holds a model's recorded answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from lib.core.errors import NotFoundError
from lib.core.tables import utcnow
from lib.migrate.tables import migrate_recordings


@dataclass(frozen=True, slots=True)
class Recording:
    """The run that recorded a model's answers on a test set."""

    id: int
    provider: str
    model: str
    run_id: int
    test_source: dict[str, Any]
    created_at: Any
    created_by: str


def _recording(row: Any) -> Recording:
    return Recording(
        id=row.id, provider=row.provider, model=row.model, run_id=row.run_id,
        test_source=dict(row.test_source), created_at=row.created_at, created_by=row.created_by,
    )  # fmt: skip


def add_recording(
    conn: sa.Connection,
    *,
    provider: str,
    model: str,
    run_id: int,
    source: Mapping[str, Any],
    author: str,
) -> int:
    inserted = conn.execute(
        migrate_recordings.insert().values(
            provider=provider, model=model, run_id=run_id, test_source=dict(source),
            created_at=utcnow(), created_by=author,
        )
    ).inserted_primary_key  # fmt: skip
    assert inserted is not None
    return int(inserted[0])


def get_recording(conn: sa.Connection, recording_id: int) -> Recording:
    t = migrate_recordings
    row = conn.execute(sa.select(t).where(t.c.id == recording_id)).first()
    if row is None:
        raise NotFoundError(f"there is no recording {recording_id}")
    return _recording(row)


def list_recordings(conn: sa.Connection, *, model: str | None = None) -> list[Recording]:
    t = migrate_recordings
    query = sa.select(t).order_by(t.c.id.desc())
    if model is not None:
        query = query.where(t.c.model == model)
    return [_recording(r) for r in conn.execute(query)]
