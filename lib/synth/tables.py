"""Tables of synthetic-data generation.

- ``synth_outputs``: which dataset a synthetic run became. One row per run (the run id is the
  key), claimed before the dataset is created, so that a double click or two sessions finishing
  the same run create one dataset, not two.
"""

from __future__ import annotations

import sqlalchemy as sa

from lib.core.tables import metadata

synth_outputs = sa.Table(
    "synth_outputs",
    metadata,
    sa.Column(
        "run_id", sa.Integer, sa.ForeignKey("runner_runs.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("dataset_id", sa.Integer),  # None while being created
    sa.Column("claimed_at", sa.DateTime, nullable=False),
    sa.Column("claimed_by", sa.String(200), nullable=False),
)
