"""The activity log: actions that leave no row of their own behind (a deleted dataset takes
its examples and revisions with it; a role grant replaces the previous one).

Any service writes its entry in the same transaction as the action, so the log never claims
something that was rolled back. The activity screen reads this log together with the rows
that already name their author (revisions, verdicts, jobs, runs).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lib.core.tables import metadata, utcnow

activity_log = sa.Table(
    "activity_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("person", sa.String(200), nullable=False),
    sa.Column("action", sa.String(100), nullable=False),
    sa.Column("dataset_id", sa.Integer),  # no foreign key: the entry outlives the dataset
    sa.Column("dataset_name", sa.String(300)),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_activity_log_time", "created_at"),
)


def log_activity(
    conn: Connection,
    *,
    person: str,
    action: str,
    dataset_id: int | None = None,
    dataset_name: str | None = None,
    detail: str = "",
) -> None:
    """Record ``person`` did ``action`` (e.g. "deleted dataset"), inside the caller's transaction."""
    conn.execute(
        activity_log.insert().values(
            person=person,
            action=action,
            dataset_id=dataset_id,
            dataset_name=dataset_name,
            detail=detail,
            created_at=utcnow(),
        )
    )
