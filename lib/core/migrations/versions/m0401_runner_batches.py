"""Batch API submissions of runner runs (half-price requests collected when they complete).

Revision ID: m0401_runner_batches
Revises: m0400_runner
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "m0401_runner_batches"
down_revision = "m0400_runner"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runner_batches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=300), nullable=False),
        sa.Column("endpoint", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("provider_batch_id", sa.String(length=200), nullable=True),
        sa.Column("n_requests", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runner_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_runner_batches_run", "runner_batches", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_table("runner_batches")
