"""Findings of the last check of each dataset (for the review filter "has findings").

Revision ID: m0100_check_findings
Revises: m0003_app_settings
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "m0100_check_findings"
down_revision = "m0003_app_settings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "check_findings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("check", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("example_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_check_findings_dataset", "check_findings", ["dataset_id", "example_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("check_findings")
