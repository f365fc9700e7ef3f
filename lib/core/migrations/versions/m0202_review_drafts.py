"""Review drafts: what each reviewer typed and has not saved, per example (survives reloads).

Numbered with review's revisions but applied after the head it was written against
(``m0500_synthetic``): Alembic runs revisions along the chain, and a store already at
``m0500`` must still get this table.

Revision ID: m0202_review_drafts
Revises: m0500_synthetic
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "m0202_review_drafts"
down_revision = "m0500_synthetic"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("example_id", sa.Integer(), nullable=False),
        sa.Column("dataset_id", sa.Integer(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("base", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dataset_id"], ["datasets.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["example_id"], ["examples.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reviewer", "example_id", name="uq_review_drafts_reviewer_example"),
    )
    op.create_index(
        "ix_review_drafts_dataset_reviewer", "review_drafts", ["dataset_id", "reviewer"]
    )


def downgrade() -> None:
    op.drop_table("review_drafts")
