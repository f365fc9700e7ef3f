"""Access: roles, reviewers' datasets, review queues with overlap, and the activity log.

Revision ID: m0700_access
Revises: m0600_migrate
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "m0700_access"
down_revision = "m0600_migrate"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "activity_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("dataset_name", sa.String(length=300), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_activity_log_time", "activity_log", ["created_at"])
    op.create_table(
        "user_roles",
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.Column("granted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("person"),
    )
    op.create_table(
        "dataset_reviewers",
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("assigned_by", sa.String(length=200), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("dataset_id", "person"),
    )
    op.create_table(
        "review_queues",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("overlap", sa.Integer(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "queue_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("example_id", sa.Integer(), nullable=False),
        sa.Column("person", sa.String(length=200), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("labelled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["queue_id"], ["review_queues.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("queue_id", "example_id", "person", name="uq_queue_assignment"),
    )
    op.create_index(
        "ix_queue_assignments_person", "queue_assignments", ["person", "queue_id", "position"]
    )
    op.create_table(
        "queue_settled",
        sa.Column("queue_id", sa.Integer(), nullable=False),
        sa.Column("example_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("settled_by", sa.String(length=200), nullable=False),
        sa.Column("settled_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["queue_id"], ["review_queues.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("queue_id", "example_id"),
    )


def downgrade() -> None:
    for name in (
        "queue_settled",
        "queue_assignments",
        "review_queues",
        "dataset_reviewers",
        "user_roles",
        "activity_log",
    ):
        op.drop_table(name)
