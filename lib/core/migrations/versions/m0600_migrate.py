"""The exit kit: pulled training files (with lineage) and reference recordings.

Revision ID: m0600_migrate
Revises: m0004_search
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "m0600_migrate"
down_revision = "m0004_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "migrate_pulls",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=300), nullable=False),
        sa.Column("job", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("file_id", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "model", "role", "sha256", name="uq_migrate_pulls_bytes"),
    )
    op.create_index("ix_migrate_pulls_dataset", "migrate_pulls", ["dataset_id"])
    op.create_table(
        "migrate_recordings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("model", sa.String(length=300), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("test_source", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_migrate_recordings_model", "migrate_recordings", ["provider", "model"])


def downgrade() -> None:
    op.drop_table("migrate_recordings")
    op.drop_table("migrate_pulls")
