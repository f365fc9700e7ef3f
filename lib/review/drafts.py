"""Drafts: what a reviewer typed into an example and has not saved, kept in the store.

One row per reviewer and example. A draft remembers the version it started from and that
version's state, so a save over a newer version becomes a three-way merge instead of an
overwrite, and a reload, a restart or another browser of the same reviewer finds it again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lib.core.tables import utcnow
from lib.review.tables import review_drafts


@dataclass(frozen=True, slots=True)
class Draft:
    example_id: int
    dataset_id: int
    reviewer: str
    base_version: int
    base: dict[str, Any]  # the example's state at base_version
    data: dict[str, Any]
    comment: str
    updated_at: datetime

    @property
    def dirty(self) -> bool:
        """Whether it differs from what it started from (an untouched draft is no draft)."""
        return self.data != self.base.get("data") or (self.comment or "") != (
            self.base.get("comment") or ""
        )


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _draft(row: Any) -> Draft:
    return Draft(
        example_id=row.example_id,
        dataset_id=row.dataset_id,
        reviewer=row.reviewer,
        base_version=row.base_version,
        base=json.loads(row.base),
        data=json.loads(row.data),
        comment=row.comment or "",
        updated_at=row.updated_at,
    )


def get(conn: Connection, reviewer: str, example_id: int) -> Draft | None:
    c = review_drafts.c
    row = conn.execute(
        sa.select(review_drafts).where(c.reviewer == reviewer, c.example_id == example_id)
    ).first()
    return None if row is None else _draft(row)


def put(
    conn: Connection,
    *,
    reviewer: str,
    example_id: int,
    dataset_id: int,
    base_version: int,
    base: dict[str, Any],
    data: dict[str, Any],
    comment: str,
) -> None:
    """Insert or replace the reviewer's draft of one example."""
    c = review_drafts.c
    values = {
        "dataset_id": dataset_id,
        "base_version": base_version,
        "base": _dump(base),
        "data": _dump(data),
        "comment": comment,
        "updated_at": utcnow(),
    }
    where = (c.reviewer == reviewer, c.example_id == example_id)
    if conn.execute(review_drafts.update().where(*where).values(**values)).rowcount == 0:
        conn.execute(
            review_drafts.insert().values(reviewer=reviewer, example_id=example_id, **values)
        )


def delete(conn: Connection, reviewer: str, example_id: int) -> None:
    c = review_drafts.c
    conn.execute(review_drafts.delete().where(c.reviewer == reviewer, c.example_id == example_id))


def of_dataset(conn: Connection, reviewer: str, dataset_id: int) -> list[Draft]:
    """The reviewer's drafts in one dataset, most recently typed first."""
    c = review_drafts.c
    query = (
        sa.select(review_drafts)
        .where(c.reviewer == reviewer, c.dataset_id == dataset_id)
        .order_by(c.updated_at.desc())
    )
    return [_draft(row) for row in conn.execute(query)]
