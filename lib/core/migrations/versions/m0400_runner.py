"""The request runner's runs, items and cached results; blind A/B votes of evaluations.

Revision ID: m0400_runner
Revises: m0300_train
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "m0400_runner"
down_revision = "m0300_train"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runner_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("settings", sa.Text(), nullable=False),
        sa.Column("n_items", sa.Integer(), nullable=False),
        sa.Column("cancel_requested", sa.Boolean(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_runner_runs_kind", "runner_runs", ["kind", "created_at"], unique=False)
    op.create_table(
        "runner_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=300), nullable=False),
        sa.Column("endpoint", sa.String(length=20), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("from_cache", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runner_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "item", name="uq_runner_items_run_item"),
    )
    op.create_index("ix_runner_items_key", "runner_items", ["request_key"], unique=False)
    op.create_index("ix_runner_items_model", "runner_items", ["model"], unique=False)
    op.create_index(
        "ix_runner_items_run_status", "runner_items", ["run_id", "status"], unique=False
    )
    op.create_table(
        "runner_results",
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=300), nullable=False),
        sa.Column("endpoint", sa.String(length=20), nullable=False),
        sa.Column("output", sa.Text(), nullable=False),
        sa.Column("finish_reason", sa.String(length=40), nullable=True),
        sa.Column("logprobs", sa.Text(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("prompt_tokens", sa.Integer(), nullable=False),
        sa.Column("completion_tokens", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("request_key"),
    )
    op.create_table(
        "eval_votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("example", sa.String(length=200), nullable=False),
        sa.Column("model_a", sa.String(length=300), nullable=False),
        sa.Column("model_b", sa.String(length=300), nullable=False),
        sa.Column("winner", sa.String(length=10), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runner_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "run_id", "example", "model_a", "model_b", "reviewer", name="uq_eval_votes_one"
        ),
    )


def downgrade() -> None:
    op.drop_table("eval_votes")
    op.drop_table("runner_results")
    op.drop_table("runner_items")
    op.drop_table("runner_runs")
