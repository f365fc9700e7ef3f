"""Synthetic data: which dataset each synthetic run became.

Revision ID: m0500_synthetic
Revises: m0401_runner_batches
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "m0500_synthetic"
down_revision = "m0401_runner_batches"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "synth_outputs",
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runner_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("run_id"),
    )


def downgrade() -> None:
    op.drop_table("synth_outputs")
