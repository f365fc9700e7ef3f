"""Who did what and when: one newest-first list from the rows that already name their author.

Sources: revisions (edits, one line per batch for bulk changes), sample verdicts, queue labels,
snapshots, fine-tuning launches, evaluation and synthetic runs, and the activity log (deletions,
role grants, assignments: actions whose own rows are gone or replaced). Reading the other
features' tables here is a read-only report over rows they wrote; nothing writes through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lib.access.tables import queue_assignments, review_queues
from lib.core.activity import activity_log
from lib.core.tables import datasets, revision_batches, revisions, snapshots

MAX_ROWS = 2_000


@dataclass(frozen=True, slots=True)
class ActivityFilter:
    person: str | None = None
    dataset_id: int | None = None
    limit: int = 500


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    at: datetime
    person: str
    action: str
    dataset: str | None
    detail: str


def _optional_table(conn: Connection, name: str) -> sa.Table | None:
    from lib.core.tables import metadata

    table = metadata.tables.get(name)
    if table is None or not sa.inspect(conn).has_table(name):
        return None
    return table


def _sources(conn: Connection) -> list[Any]:
    """One SELECT per source with columns (at, person, action, dataset_id, dataset, detail)."""
    r, b = revisions.c, revision_batches.c
    single = sa.select(
        r.created_at.label("at"),
        r.author.label("person"),
        sa.literal("edited example").label("action"),
        r.dataset_id.label("dataset_id"),
        sa.cast(r.example_id, sa.String).label("detail"),
        r.reason.label("extra"),
    ).where(r.batch_id.is_(None))
    batches = sa.select(
        b.created_at.label("at"),
        b.author.label("person"),
        sa.literal("changed examples").label("action"),
        b.dataset_id.label("dataset_id"),
        sa.cast(b.n_changes, sa.String).label("detail"),
        b.reason.label("extra"),
    )
    s = snapshots.c
    snaps = sa.select(
        s.created_at.label("at"),
        s.created_by.label("person"),
        sa.literal("created snapshot").label("action"),
        s.dataset_id.label("dataset_id"),
        s.name.label("detail"),
        sa.literal("").label("extra"),
    )
    a, q = queue_assignments.c, review_queues.c
    labels = (
        sa.select(
            a.labelled_at.label("at"),
            a.person.label("person"),
            sa.literal("labelled in queue").label("action"),
            q.dataset_id.label("dataset_id"),
            sa.cast(a.example_id, sa.String).label("detail"),
            q.name.label("extra"),
        )
        .select_from(queue_assignments.join(review_queues, q.id == a.queue_id))
        .where(a.labelled_at.is_not(None))
    )
    log = activity_log.c
    logged = sa.select(
        log.created_at.label("at"),
        log.person.label("person"),
        log.action.label("action"),
        log.dataset_id.label("dataset_id"),
        log.detail.label("detail"),
        sa.func.coalesce(log.dataset_name, "").label("extra"),
    )
    out: list[Any] = [single, batches, snaps, labels, logged]
    items = _optional_table(conn, "review_sample_items")
    samples = _optional_table(conn, "review_samples")
    if items is not None and samples is not None:
        out.append(
            sa.select(
                items.c.decided_at.label("at"),
                items.c.decided_by.label("person"),
                sa.literal("verdict").label("action"),
                samples.c.dataset_id.label("dataset_id"),
                sa.cast(items.c.example_id, sa.String).label("detail"),
                items.c.outcome.label("extra"),
            )
            .select_from(items.join(samples, samples.c.id == items.c.sample_id))
            .where(items.c.decided_at.is_not(None))
        )
    jobs = _optional_table(conn, "train_jobs")
    if jobs is not None:
        out.append(
            sa.select(
                jobs.c.created_at.label("at"),
                jobs.c.created_by.label("person"),
                sa.literal("launched fine-tuning job").label("action"),
                sa.cast(sa.null(), sa.Integer).label("dataset_id"),
                jobs.c.base_model.label("detail"),
                jobs.c.provider.label("extra"),
            )
        )
    runs = _optional_table(conn, "runner_runs")
    if runs is not None:
        out.append(
            sa.select(
                runs.c.created_at.label("at"),
                runs.c.created_by.label("person"),
                (sa.literal("started ") + runs.c.kind + sa.literal(" run")).label("action"),
                sa.cast(sa.null(), sa.Integer).label("dataset_id"),
                runs.c.name.label("detail"),
                sa.literal("").label("extra"),
            )
        )
    return out


def read_activity(conn: Connection, filters: ActivityFilter) -> list[ActivityEntry]:
    union = sa.union_all(*_sources(conn)).subquery()
    u = union.c
    query = (
        sa.select(u.at, u.person, u.action, u.dataset_id, u.detail, u.extra, datasets.c.name)
        .select_from(union.outerjoin(datasets, datasets.c.id == u.dataset_id))
        .order_by(u.at.desc())
        .limit(max(1, min(filters.limit, MAX_ROWS)))
    )
    if filters.person:
        query = query.where(u.person == filters.person)
    if filters.dataset_id is not None:
        query = query.where(u.dataset_id == filters.dataset_id)
    out = []
    for row in conn.execute(query):
        dataset = row.name
        detail = _detail(row.action, row.detail or "", row.extra or "")
        if dataset is None and row.action.endswith("dataset") and row.extra:
            dataset = row.extra  # a deleted dataset: the name the log kept
        out.append(ActivityEntry(row.at, row.person, row.action, dataset, detail))
    return out


def _detail(action: str, detail: str, extra: str) -> str:
    if action == "edited example":
        return f"example {detail}: {extra}" if extra else f"example {detail}"
    if action == "changed examples":
        return f"{detail} examples: {extra}"
    if action == "verdict":
        return f"example {detail}: {extra}"
    if action == "labelled in queue":
        return f"example {detail} in {extra}"
    if action == "launched fine-tuning job":
        return f"{detail} on {extra}"
    return detail


def people(conn: Connection) -> list[str]:
    """Everyone who appears in the activity (for the filter)."""
    union = sa.union_all(*_sources(conn)).subquery()
    query = sa.select(union.c.person).distinct().order_by(union.c.person)
    return [p for p in conn.execute(query).scalars() if p]
