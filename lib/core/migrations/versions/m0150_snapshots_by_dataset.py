"""Index snapshots by dataset: the snapshots screen lists them per dataset.

Revision ID: m0150_snapshots_by_dataset
Revises: m0100_check_findings
"""

from __future__ import annotations

from alembic import op

revision = "m0150_snapshots_by_dataset"
down_revision = "m0100_check_findings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_snapshots_dataset", "snapshots", ["dataset_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_snapshots_dataset", table_name="snapshots")
