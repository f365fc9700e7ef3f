"""Tables of the request runner (evaluation and synthetic data) and of evaluation reviews.

- ``runner_runs``: one run = a set of requests to model servers, its settings and progress.
- ``runner_items``: one request of a run (which item, which model, the request key, its state).
- ``runner_results``: one stored answer per request key (hash of model, endpoint and body), so
  an identical request in any later run is answered from the store, and a resumed run never
  repeats a finished request.
"""

from __future__ import annotations

import sqlalchemy as sa

from lib.core.tables import metadata

runner_runs = sa.Table(
    "runner_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(40), nullable=False),  # "evaluation", "synthetic", …
    sa.Column("name", sa.String(300), nullable=False),
    # pending → running → done | cancelled | failed (a stale "running" is resumable)
    sa.Column("status", sa.String(20), nullable=False, default="pending"),
    sa.Column("settings", sa.Text, nullable=False),  # JSON, never secrets
    sa.Column("n_items", sa.Integer, nullable=False, default=0),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False),
    sa.Column("owner", sa.String(100)),  # which process/thread works on it
    sa.Column("heartbeat_at", sa.DateTime),
    sa.Column("error", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Column("started_at", sa.DateTime),
    sa.Column("finished_at", sa.DateTime),
    sa.Index("ix_runner_runs_kind", "kind", "created_at"),
)

runner_items = sa.Table(
    "runner_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "run_id", sa.Integer, sa.ForeignKey("runner_runs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("item", sa.String(200), nullable=False),  # the caller's id, unique in the run
    sa.Column("model", sa.String(300), nullable=False),
    sa.Column("endpoint", sa.String(20), nullable=False),  # "chat" | "completions"
    sa.Column("request_key", sa.String(64), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # JSON request body (model included)
    sa.Column("meta", sa.Text, nullable=False),  # JSON: the caller's data (gold, example id …)
    sa.Column("status", sa.String(20), nullable=False, default="pending"),  # pending|done|failed
    sa.Column("from_cache", sa.Boolean, nullable=False, default=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.Text),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("run_id", "item", name="uq_runner_items_run_item"),
    sa.Index("ix_runner_items_run_status", "run_id", "status"),
    sa.Index("ix_runner_items_key", "request_key"),
    sa.Index("ix_runner_items_model", "model"),
)

runner_results = sa.Table(
    "runner_results",
    metadata,
    sa.Column("request_key", sa.String(64), primary_key=True),
    sa.Column("model", sa.String(300), nullable=False),
    sa.Column("endpoint", sa.String(20), nullable=False),
    sa.Column("output", sa.Text, nullable=False),
    sa.Column("finish_reason", sa.String(40)),
    # JSON: [{"token", "logprob", "top": [[token, logprob], …]}, …] for each output token
    sa.Column("logprobs", sa.Text),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("prompt_tokens", sa.Integer, nullable=False, default=0),
    sa.Column("completion_tokens", sa.Integer, nullable=False, default=0),
    sa.Column("cost", sa.Float, nullable=False, default=0.0),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

runner_batches = sa.Table(
    "runner_batches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "run_id", sa.Integer, sa.ForeignKey("runner_runs.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("model", sa.String(300), nullable=False),
    sa.Column("endpoint", sa.String(20), nullable=False),
    # submitting → the provider's statuses (validating, in_progress, …) → collected | failed …
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("provider_batch_id", sa.String(200)),
    sa.Column("n_requests", sa.Integer, nullable=False, default=0),
    sa.Column("error", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("ix_runner_batches_run", "run_id"),
)
