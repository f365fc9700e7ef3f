"""Tables of training: files uploaded to providers and fine-tuning jobs.

- ``train_uploads``: one file sent to one provider (its file id there), with the snapshot and
  split it holds and the sha256 of its bytes, so the same bytes are never uploaded twice to the
  same provider.
- ``train_jobs``: one launch. Its ``idempotency_key`` is UNIQUE: a launch claims it with an
  INSERT before it calls the provider, so a double click, a rerun or a second tab lose the race
  in the database instead of creating a second (paid) job. The key is also sent as job
  metadata, which is how a launch interrupted between the provider's create and our write is
  found again. No column ever holds a key or any other secret.
"""

from __future__ import annotations

import sqlalchemy as sa

from lib.core.tables import metadata

train_uploads = sa.Table(
    "train_uploads",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("provider", sa.String(100), nullable=False),  # provider name
    sa.Column("file_id", sa.String(200), nullable=False),  # the provider's file id
    sa.Column("snapshot_id", sa.Integer),  # lineage; the snapshot may be deleted later
    sa.Column("split", sa.String(10), nullable=False),  # train / valid
    sa.Column("file_format", sa.String(30), nullable=False),  # chat / completion / preference
    sa.Column("filename", sa.String(300), nullable=False),
    sa.Column("bytes", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("n_examples", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Index("ix_train_uploads_provider_sha", "provider", "sha256"),
    sa.Index("ix_train_uploads_snapshot", "snapshot_id"),
)

train_jobs = sa.Table(
    "train_jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("provider", sa.String(100), nullable=False),
    sa.Column("provider_job_id", sa.String(200)),  # None until the provider created the job
    sa.Column("snapshot_id", sa.Integer),
    sa.Column("train_upload_id", sa.Integer),
    sa.Column("valid_upload_id", sa.Integer),
    sa.Column("base_model", sa.String(300), nullable=False),
    sa.Column("method", sa.String(20), nullable=False, default="supervised"),
    sa.Column("hyperparameters", sa.Text, nullable=False, default="{}"),  # JSON
    sa.Column("suffix", sa.String(100)),
    sa.Column("seed", sa.Integer),
    # launching → (provider's statuses: validating_files, queued, running, pausing, paused,
    # succeeded, failed, cancelled); launch_failed when the launch stopped before a job existed
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("fine_tuned_model", sa.String(300)),
    sa.Column("trained_tokens", sa.Integer),
    sa.Column("estimated_tokens", sa.Integer),
    sa.Column("estimated_cost", sa.Float),  # in the price table's currency (USD)
    sa.Column("error", sa.Text),
    sa.Column("metrics", sa.Text),  # JSON series, kept once the job has finished
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("heartbeat_at", sa.DateTime, nullable=False),  # the launch's last sign of life
    sa.Column("finished_at", sa.DateTime),
    sa.Index("ix_train_jobs_created", "created_at"),
    sa.Index("ix_train_jobs_provider_job", "provider", "provider_job_id"),
    sa.Index("ix_train_jobs_model", "fine_tuned_model"),
)
