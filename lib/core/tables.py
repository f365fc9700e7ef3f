"""Core tables. Other areas define theirs in ``<feature>/tables.py`` on the same ``metadata``.

JSON is stored as text so that SQLite and PostgreSQL hold the same bytes. Times are naive UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

metadata = sa.MetaData()


def utcnow() -> datetime:
    """Now, as the naive UTC datetime every table stores."""
    return datetime.now(UTC).replace(tzinfo=None)


datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(300), nullable=False, unique=True),
    sa.Column("schema", sa.String(20), nullable=False),
    sa.Column("source_name", sa.String(500)),
    sa.Column("source_format", sa.String(20)),
    sa.Column("description", sa.Text),
    sa.Column("guidelines", sa.Text),
    sa.Column("meta", sa.Text),  # JSON: detection report, column mapping, unknown keys …
    # Bumped by every change to the dataset's examples: the key for cached reads.
    sa.Column("data_version", sa.Integer, nullable=False, default=1),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

examples = sa.Table(
    "examples",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "dataset_id",
        sa.Integer,
        sa.ForeignKey("datasets.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("source_row", sa.Integer),
    sa.Column("data", sa.Text, nullable=False),  # the example as JSON, unknown keys included
    sa.Column("prompt", sa.Text, nullable=False, default=""),
    sa.Column("completion", sa.Text, nullable=False, default=""),
    sa.Column("label", sa.Text),
    sa.Column("n_chars", sa.Integer, nullable=False, default=0),
    sa.Column("status", sa.String(20), nullable=False, default="unreviewed"),
    sa.Column("comment", sa.Text),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("deleted", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String(200)),
    sa.Index("ix_examples_dataset_position", "dataset_id", "position"),
    # Made by revision m0200_review: each starts with (dataset_id, deleted) so that counting
    # live examples, filtering and paging are index-only scans. They superseded the
    # (dataset_id, status) and (dataset_id, label) indexes (dropped by m0201).
    sa.Index("ix_examples_live_position", "dataset_id", "deleted", "position"),
    sa.Index("ix_examples_live_status", "dataset_id", "deleted", "status", "position"),
    sa.Index("ix_examples_live_label", "dataset_id", "deleted", "label", "position"),
    sa.Index("ix_examples_live_nchars", "dataset_id", "deleted", "n_chars", "position"),
    sa.Index("ix_examples_live_updated", "dataset_id", "deleted", "updated_at", "position"),
)

revision_batches = sa.Table(
    "revision_batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "dataset_id",
        sa.Integer,
        sa.ForeignKey("datasets.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("n_changes", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("undone_at", sa.DateTime),
    sa.Column("undone_by", sa.String(200)),
    sa.Column("undo_of", sa.Integer),  # the batch this one undid
    sa.Column("meta", sa.Text),  # JSON: e.g. {"schema_before": …, "schema_after": …}
)

revisions = sa.Table(
    "revisions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
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
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("revision_batches.id", ondelete="SET NULL")),
    sa.Column("version", sa.Integer, nullable=False),  # the example's version after the change
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # JSON of the reviewable state {data, status, comment, deleted} before and after.
    sa.Column("before", sa.Text),
    sa.Column("after", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Index("ix_revisions_example", "example_id", "version"),
    sa.Index("ix_revisions_batch", "batch_id"),
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "dataset_id",
        sa.Integer,
        sa.ForeignKey("datasets.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("schema", sa.String(20), nullable=False),
    sa.Column("data_version", sa.Integer, nullable=False),  # dataset version it froze
    sa.Column("seed", sa.Integer, nullable=False),
    sa.Column("settings", sa.Text, nullable=False),  # JSON: ratios, stratify, balancing …
    sa.Column("counts", sa.Text, nullable=False),  # JSON: {split: {label: n}}
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Index("ix_snapshots_dataset", "dataset_id", "created_at"),  # revision m0150
)

snapshot_examples = sa.Table(
    "snapshot_examples",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "snapshot_id",
        sa.Integer,
        sa.ForeignKey("snapshots.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("split", sa.String(10), nullable=False),  # train / valid / test
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("example_id", sa.Integer),  # lineage; the example may change or go later
    sa.Column("source_row", sa.Integer),
    sa.Column("data", sa.Text, nullable=False),  # frozen copy
    sa.Column("prompt", sa.Text, nullable=False, default=""),
    sa.Column("completion", sa.Text, nullable=False, default=""),
    sa.Column("label", sa.Text),
    sa.Index("ix_snapshot_examples_split", "snapshot_id", "split", "position"),
)

app_settings = sa.Table(
    "app_settings",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
