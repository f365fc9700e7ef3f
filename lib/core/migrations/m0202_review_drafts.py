"""Review drafts: what each reviewer typed and has not saved, per example (survives reloads).

The table is defined here as it was when this migration was written (not imported from the
review feature), so that what this migration does never changes as the feature's code does.
"""

import sqlalchemy as sa
from sqlalchemy.engine import Connection

_metadata = sa.MetaData()
_datasets = sa.Table("datasets", _metadata, sa.Column("id", sa.Integer, primary_key=True))
_examples = sa.Table("examples", _metadata, sa.Column("id", sa.Integer, primary_key=True))
review_drafts = sa.Table(
    "review_drafts",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column(
        "example_id", sa.Integer, sa.ForeignKey("examples.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("base_version", sa.Integer, nullable=False),
    sa.Column("base", sa.Text, nullable=False),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("reviewer", "example_id", name="uq_review_drafts_reviewer_example"),
    sa.Index("ix_review_drafts_dataset_reviewer", "dataset_id", "reviewer"),
)


def upgrade(conn: Connection) -> None:
    review_drafts.create(conn, checkfirst=True)
