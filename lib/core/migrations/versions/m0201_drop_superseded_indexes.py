"""Drop the examples indexes that m0200's ``ix_examples_live_*`` indexes supersede.

``ix_examples_dataset_status`` and ``ix_examples_dataset_label`` were (dataset_id, status) and
(dataset_id, label). Every query on status or label also filters ``deleted``, so the planner
uses ``ix_examples_live_status`` / ``ix_examples_live_label`` (dataset_id, deleted, …,
position) instead, and the old two only cost time on every insert: an import maintained 8
indexes per row, now 6. Only stores made before they left the table definitions have them,
hence ``IF EXISTS`` (SQLite and PostgreSQL both accept it).

Revision ID: m0201_drop_superseded_indexes
Revises: m0200_review
"""

from __future__ import annotations

from alembic import op

revision = "m0201_drop_superseded_indexes"
down_revision = "m0200_review"
branch_labels = None
depends_on = None

SUPERSEDED = ("ix_examples_dataset_status", "ix_examples_dataset_label")


def upgrade() -> None:
    for name in SUPERSEDED:
        op.execute(f"DROP INDEX IF EXISTS {name}")


def downgrade() -> None:
    pass  # superseded indexes are not worth bringing back
