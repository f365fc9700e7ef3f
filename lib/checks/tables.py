"""Tables of the checks area: the findings of the last check of each dataset.

Kept so that the review workspace can filter "examples with findings" with plain SQL, without
re-running every check. One row per (finding, example); written when the app checks a dataset
(``lib.checks.stored.save_findings``), replacing that dataset's earlier rows.
"""

from __future__ import annotations

import sqlalchemy as sa

from lib.core.tables import metadata

check_findings = sa.Table(
    "check_findings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "dataset_id",
        sa.Integer,
        sa.ForeignKey("datasets.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("data_version", sa.Integer, nullable=False),  # dataset version that was checked
    sa.Column("check", sa.String(100), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("example_id", sa.Integer, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_check_findings_dataset", "dataset_id", "example_id"),
)
