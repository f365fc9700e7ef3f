"""Datasets: create by streaming import, list with counts, rename, delete, label counts."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.core.errors import NotFoundError, UserError
from lib.core.examples import is_classification
from lib.core.tables import datasets, examples, utcnow

# Import and names live in their own modules; re-exported here, where callers look for them.
from lib.datasets.importing import ImportSummary, import_examples  # noqa: F401
from lib.datasets.names import MAX_NAME_LENGTH, clean_name, name_taken, unique_name  # noqa: F401


@dataclass(frozen=True, slots=True)
class DatasetInfo:
    id: int
    name: str
    schema: str
    n_examples: int
    source_name: str | None
    source_format: str | None
    description: str | None
    data_version: int
    created_at: datetime
    updated_at: datetime
    meta: dict[str, Any] = field(default_factory=dict)


def _info(row: Any, n_examples: int) -> DatasetInfo:
    return DatasetInfo(
        id=row.id,
        name=row.name,
        schema=row.schema,
        n_examples=n_examples,
        source_name=row.source_name,
        source_format=row.source_format,
        description=row.description,
        data_version=row.data_version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        meta=json.loads(row.meta) if row.meta else {},
    )


def list_datasets(conn: Connection) -> list[DatasetInfo]:
    """Every dataset with its live example count, newest first."""
    counts = (
        sa.select(examples.c.dataset_id, sa.func.count().label("n"))
        .where(examples.c.deleted.is_(False))
        .group_by(examples.c.dataset_id)
        .subquery()
    )
    query = (
        sa.select(datasets, sa.func.coalesce(counts.c.n, 0).label("n_examples"))
        .select_from(datasets.outerjoin(counts, counts.c.dataset_id == datasets.c.id))
        .order_by(datasets.c.created_at.desc(), datasets.c.id.desc())
    )
    return [_info(row, row.n_examples) for row in conn.execute(query)]


def get_dataset(conn: Connection, dataset_id: int) -> DatasetInfo:
    row = conn.execute(sa.select(datasets).where(datasets.c.id == dataset_id)).first()
    if row is None:
        raise NotFoundError(f"dataset {dataset_id} does not exist (it may have been deleted)")
    n = conn.execute(
        sa.select(sa.func.count())
        .select_from(examples)
        .where(examples.c.dataset_id == dataset_id, examples.c.deleted.is_(False))
    ).scalar_one()
    return _info(row, n)


def find_dataset(conn: Connection, name: str) -> DatasetInfo | None:
    row = conn.execute(sa.select(datasets.c.id).where(datasets.c.name == name)).first()
    return get_dataset(conn, row.id) if row else None


def rename_dataset(engine: Engine, dataset_id: int, new_name: str) -> str:
    clean = clean_name(new_name)
    with engine.begin() as conn:
        current = get_dataset(conn, dataset_id)
        if clean == current.name:
            return clean
        if name_taken(conn, clean):
            raise UserError(f"a dataset named {clean!r} exists already; choose another name")
        conn.execute(
            datasets.update()
            .where(datasets.c.id == dataset_id)
            .values(name=clean, updated_at=utcnow())
        )
    return clean


def set_guidelines(engine: Engine, dataset_id: int, text: str) -> None:
    with engine.begin() as conn:
        get_dataset(conn, dataset_id)
        conn.execute(
            datasets.update()
            .where(datasets.c.id == dataset_id)
            .values(guidelines=text, updated_at=utcnow())
        )


def get_guidelines(conn: Connection, dataset_id: int) -> str:
    row = conn.execute(sa.select(datasets.c.guidelines).where(datasets.c.id == dataset_id)).first()
    return (row.guidelines or "") if row else ""


def delete_dataset(engine: Engine, dataset_id: int) -> None:
    """Delete a dataset with its examples and history (snapshots of it go too)."""
    with engine.begin() as conn:
        get_dataset(conn, dataset_id)
        # Explicit child deletes: SQLite only cascades with foreign_keys=ON, and a database
        # opened by another tool may not have it.
        from lib.core.tables import (
            revision_batches,
            revisions,
            snapshot_examples,
            snapshots,
        )

        snap_ids = sa.select(snapshots.c.id).where(snapshots.c.dataset_id == dataset_id)
        conn.execute(
            snapshot_examples.delete().where(snapshot_examples.c.snapshot_id.in_(snap_ids))
        )
        conn.execute(snapshots.delete().where(snapshots.c.dataset_id == dataset_id))
        conn.execute(revisions.delete().where(revisions.c.dataset_id == dataset_id))
        conn.execute(revision_batches.delete().where(revision_batches.c.dataset_id == dataset_id))
        conn.execute(examples.delete().where(examples.c.dataset_id == dataset_id))
        conn.execute(datasets.delete().where(datasets.c.id == dataset_id))


def label_counts(conn: Connection, dataset_id: int) -> dict[str, int]:
    """Examples per label (live examples with a label), most common first."""
    query = (
        sa.select(examples.c.label, sa.func.count().label("n"))
        .where(
            examples.c.dataset_id == dataset_id,
            examples.c.deleted.is_(False),
            examples.c.label.is_not(None),
        )
        .group_by(examples.c.label)
        .order_by(sa.text("n DESC"), examples.c.label)
    )
    return {row.label: row.n for row in conn.execute(query)}


def classification_labels(conn: Connection, dataset_id: int) -> dict[str, int] | None:
    """Label counts when the dataset is classification-like (prepare_data's rule), else None."""
    info = get_dataset(conn, dataset_id)
    counts = label_counts(conn, dataset_id)
    if is_classification(n_examples=info.n_examples, labels=counts.keys()):
        return counts
    return None


def set_description(engine: Engine, dataset_id: int, description: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            datasets.update().where(datasets.c.id == dataset_id).values(description=description)
        )


def datasets_fingerprint(conn: Connection) -> tuple[int, int, str]:
    """A cheap value that changes whenever any dataset is added, changed, renamed or deleted.

    Screens cache the (counting) dataset list under it instead of recounting on every rerun.
    """
    row = conn.execute(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(datasets.c.data_version), 0),
            sa.func.max(datasets.c.updated_at),
        )
    ).one()
    return int(row[0]), int(row[1]), str(row[2])
