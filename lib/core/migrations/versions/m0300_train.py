"""Training: uploaded files and fine-tuning jobs (with the launch's idempotency key).

Revision ID: m0300_train
Revises: m0201_drop_superseded_indexes
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "m0300_train"
down_revision = "m0201_drop_superseded_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "train_uploads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("file_id", sa.String(length=200), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("split", sa.String(length=10), nullable=False),
        sa.Column("file_format", sa.String(length=30), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("n_examples", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_train_uploads_provider_sha", "train_uploads", ["provider", "sha256"], unique=False
    )
    op.create_index("ix_train_uploads_snapshot", "train_uploads", ["snapshot_id"], unique=False)
    op.create_table(
        "train_jobs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("provider_job_id", sa.String(length=200), nullable=True),
        sa.Column("snapshot_id", sa.Integer(), nullable=True),
        sa.Column("train_upload_id", sa.Integer(), nullable=True),
        sa.Column("valid_upload_id", sa.Integer(), nullable=True),
        sa.Column("base_model", sa.String(length=300), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("hyperparameters", sa.Text(), nullable=False),
        sa.Column("suffix", sa.String(length=100), nullable=True),
        sa.Column("seed", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("fine_tuned_model", sa.String(length=300), nullable=True),
        sa.Column("trained_tokens", sa.Integer(), nullable=True),
        sa.Column("estimated_tokens", sa.Integer(), nullable=True),
        sa.Column("estimated_cost", sa.Float(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("metrics", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_train_jobs_created", "train_jobs", ["created_at"], unique=False)
    op.create_index("ix_train_jobs_model", "train_jobs", ["fine_tuned_model"], unique=False)
    op.create_index(
        "ix_train_jobs_provider_job", "train_jobs", ["provider", "provider_job_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("train_jobs")
    op.drop_table("train_uploads")
