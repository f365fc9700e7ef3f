"""Access tables: roles granted to people, datasets assigned to reviewers, review queues.

A person is named by the identity sign-in verified (email, else subject), the same string
revisions record. Roles granted here add to the admins named in config (``TUNELAB_ADMINS``);
a signed-in person with no row is a viewer.
"""

from __future__ import annotations

import sqlalchemy as sa

from lib.core.activity import activity_log
from lib.core.assignments import dataset_reviewers
from lib.core.tables import metadata

user_roles = sa.Table(
    "user_roles",
    metadata,
    sa.Column("person", sa.String(200), primary_key=True),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("granted_by", sa.String(200), nullable=False),
    sa.Column("granted_at", sa.DateTime, nullable=False),
)

review_queues = sa.Table(
    "review_queues",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "dataset_id",
        sa.Integer,
        sa.ForeignKey("datasets.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("overlap", sa.Integer, nullable=False),  # reviewers per example
    sa.Column("scope", sa.Text, nullable=False),  # how the examples were chosen, in words
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

# One row per (example, reviewer): the reviewer's own label, hidden from the others until the
# example is settled (blind review).
queue_assignments = sa.Table(
    "queue_assignments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "queue_id",
        sa.Integer,
        sa.ForeignKey("review_queues.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("example_id", sa.Integer, nullable=False),
    sa.Column("person", sa.String(200), nullable=False),
    sa.Column("label", sa.Text),
    sa.Column("labelled_at", sa.DateTime),
    sa.UniqueConstraint("queue_id", "example_id", "person", name="uq_queue_assignment"),
    sa.Index("ix_queue_assignments_person", "person", "queue_id", "position"),
)

# Examples whose label the queue has decided: all reviewers agreed, or a third person settled.
queue_settled = sa.Table(
    "queue_settled",
    metadata,
    sa.Column(
        "queue_id",
        sa.Integer,
        sa.ForeignKey("review_queues.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("example_id", sa.Integer, primary_key=True),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("settled_by", sa.String(200), nullable=False),
    sa.Column("settled_at", sa.DateTime, nullable=False),
)

ACCESS_TABLES = (
    user_roles,
    dataset_reviewers,
    review_queues,
    queue_assignments,
    queue_settled,
    activity_log,
)
