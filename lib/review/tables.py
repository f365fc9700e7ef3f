"""Review tables: stored samples (random-sample and double review), their items, and the
labels each reviewer gives in a blind double review.

A sample is stored (not recomputed from the seed on every rerun) so that progress "k of N"
survives reloads, and so that a double review's two reviewers see the same examples.
"""

from __future__ import annotations

import sqlalchemy as sa

from lib.core.tables import metadata

review_samples = sa.Table(
    "review_samples",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "dataset_id",
        sa.Integer,
        sa.ForeignKey("datasets.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("kind", sa.String(20), nullable=False),  # "random" or "double"
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("seed", sa.Integer, nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("population", sa.Integer, nullable=False),  # live examples when drawn
    sa.Column("reviewers", sa.Text, nullable=False, default="[]"),  # JSON list (double review)
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

review_sample_items = sa.Table(
    "review_sample_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "sample_id",
        sa.Integer,
        sa.ForeignKey("review_samples.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("example_id", sa.Integer, nullable=False),
    # Random sample: the verdict given in sample mode (approved / rejected / flagged).
    sa.Column("outcome", sa.String(20)),
    sa.Column("decided_by", sa.String(200)),
    sa.Column("decided_at", sa.DateTime),
    # Double review: the label a third person settled a disagreement with.
    sa.Column("settled_label", sa.Text),
    sa.Column("settled_by", sa.String(200)),
    sa.Column("settled_at", sa.DateTime),
    sa.UniqueConstraint("sample_id", "example_id", name="uq_review_sample_items_example"),
    sa.Index("ix_review_sample_items_pos", "sample_id", "position"),
)

review_labels = sa.Table(
    "review_labels",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "sample_id",
        sa.Integer,
        sa.ForeignKey("review_samples.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("example_id", sa.Integer, nullable=False),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("sample_id", "example_id", "reviewer", name="uq_review_labels_one"),
)

REVIEW_TABLES = (review_samples, review_sample_items, review_labels)
