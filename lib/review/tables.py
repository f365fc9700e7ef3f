"""Review tables: stored samples (random-sample and double review), their items, the labels
each reviewer gives in a blind double review, and each reviewer's unsaved drafts.

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

# What a reviewer typed but has not saved, per reviewer and example: kept in the store (not in
# the browser session) so that a reload, a restart or another browser finds it again.
review_drafts = sa.Table(
    "review_drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column(
        "example_id",
        sa.Integer,
        sa.ForeignKey("examples.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column(
        "dataset_id",
        sa.Integer,
        sa.ForeignKey("datasets.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("base_version", sa.Integer, nullable=False),  # the version the edit started from
    sa.Column("base", sa.Text, nullable=False),  # JSON: the state at base_version
    sa.Column("data", sa.Text, nullable=False),  # JSON: the example's data as typed
    sa.Column("comment", sa.Text),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("reviewer", "example_id", name="uq_review_drafts_reviewer_example"),
    sa.Index("ix_review_drafts_dataset_reviewer", "dataset_id", "reviewer"),
)
