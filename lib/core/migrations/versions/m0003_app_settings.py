"""Key/value settings the app keeps (editable tables, first-start markers).

Revision ID: m0003_app_settings
Revises: m0002_snapshots
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "m0003_app_settings"
down_revision = "m0002_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("app_settings")
