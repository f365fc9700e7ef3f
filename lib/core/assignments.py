"""Which datasets a reviewer may edit: the one check every service that edits examples calls.

Reviewers edit and give verdicts only on the datasets an admin assigned to them (on the Team
screen, directly or by giving them a review queue); trainers and admins on every dataset; in
local mode the one person at the keyboard on everything. The table lives here, in core, so
that any feature's service (review, checks, access) can ask without depending on another.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.core.identity import Actor, PermissionDeniedError, Role, require
from lib.core.tables import datasets, metadata

dataset_reviewers = sa.Table(
    "dataset_reviewers",
    metadata,
    sa.Column(
        "dataset_id",
        sa.Integer,
        sa.ForeignKey("datasets.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("person", sa.String(200), primary_key=True),
    sa.Column("assigned_by", sa.String(200), nullable=False),
    sa.Column("assigned_at", sa.DateTime, nullable=False),
)


def person_key(person: str) -> str:
    """People are named by their verified email or subject; emails compare case-insensitively."""
    return person.strip().lower() if "@" in person else person.strip()


def may_review(engine: Engine, actor: Actor | None, dataset_id: int) -> bool:
    """May ``actor`` edit the dataset's examples and give verdicts on them?"""
    if actor is None or not actor.can(Role.REVIEWER):
        return False
    if actor.local or actor.can(Role.TRAINER):
        return True
    query = sa.select(sa.literal(1)).where(
        dataset_reviewers.c.dataset_id == dataset_id,
        dataset_reviewers.c.person == person_key(actor.name),
    )
    with engine.connect() as conn:
        return conn.execute(query).first() is not None


def require_review(engine: Engine, actor: Actor | None, dataset_id: int, *, action: str) -> Actor:
    """``require`` for edits and verdicts: the reviewer role and the dataset assigned."""
    who = require(actor, Role.REVIEWER, action=action)
    if not may_review(engine, who, dataset_id):
        with engine.connect() as conn:
            name = conn.execute(
                sa.select(datasets.c.name).where(datasets.c.id == dataset_id)
            ).scalar_one_or_none()
        raise PermissionDeniedError(
            f"You cannot {action}: the dataset {name or dataset_id} is not assigned to "
            f"{who.name}. An admin assigns datasets on the Team screen."
        )
    return who
