"""Evaluation's own table: blind A/B preferences of reviewers on generation outputs.

Votes point at a run of the request runner (``runner_runs``), whose tables the runner owns.
"""

from __future__ import annotations

import sqlalchemy as sa

from lib.core.tables import metadata

eval_votes = sa.Table(
    "eval_votes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "run_id", sa.Integer, sa.ForeignKey("runner_runs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("example", sa.String(200), nullable=False),  # the item group (one prompt)
    sa.Column("model_a", sa.String(300), nullable=False),
    sa.Column("model_b", sa.String(300), nullable=False),
    sa.Column("winner", sa.String(10), nullable=False),  # "a" | "b" | "tie"
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint(
        "run_id", "example", "model_a", "model_b", "reviewer", name="uq_eval_votes_one"
    ),
)
