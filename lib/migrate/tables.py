"""Tables of the exit kit (moving a fine-tuned model off its provider).

- ``migrate_pulls``: a file a fine-tuning job trained on, brought into Tunelab as a dataset,
  with its lineage: provider, job, the provider's file id, the sha256 of the bytes and whether
  they came from the provider or from a local copy the user attached (the provider had deleted
  the file). One row per (provider, model, role, sha256): pulling the same bytes again returns
  the same dataset instead of importing a second copy.
- ``migrate_recordings``: the evaluation run that recorded what a model answers on a test set
  (every output and its token probabilities live in the runner's tables). Once the model is
  shut down, this recording is the reference its replacements are compared with.
"""

from __future__ import annotations

import sqlalchemy as sa

from lib.core.tables import metadata

migrate_pulls = sa.Table(
    "migrate_pulls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("provider", sa.String(100), nullable=False),
    sa.Column("model", sa.String(300), nullable=False),
    sa.Column("job", sa.String(200)),  # the provider's job id (None when unknown)
    sa.Column("role", sa.String(20), nullable=False),  # training / validation
    sa.Column("file_id", sa.String(200)),  # the provider's file id
    sa.Column("source", sa.String(20), nullable=False),  # provider / local copy
    sa.Column("file_name", sa.String(300), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("bytes", sa.Integer, nullable=False),
    sa.Column("dataset_id", sa.Integer),  # None while being imported
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.UniqueConstraint("provider", "model", "role", "sha256", name="uq_migrate_pulls_bytes"),
    sa.Index("ix_migrate_pulls_dataset", "dataset_id"),
)

migrate_recordings = sa.Table(
    "migrate_recordings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("provider", sa.String(100), nullable=False),
    sa.Column("model", sa.String(300), nullable=False),
    sa.Column("run_id", sa.Integer, nullable=False),  # the evaluation run holding the answers
    sa.Column(
        "test_source", sa.JSON, nullable=False
    ),  # {"kind": "snapshot", …} / {"kind": "dataset", …}
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Index("ix_migrate_recordings_model", "provider", "model"),
)
