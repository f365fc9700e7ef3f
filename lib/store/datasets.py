"""Datasets: create by streaming import, list with counts, rename, delete, label counts."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.errors import NotFoundError, UserError
from lib.examples import Example, extract, is_classification
from lib.store.tables import datasets, examples, utcnow

IMPORT_BATCH_ROWS = 5_000
MAX_NAME_LENGTH = 300


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


@dataclass(frozen=True, slots=True)
class ImportSummary:
    dataset_id: int
    name: str
    schema: str
    n_examples: int
    n_labels: int
    classification: bool
    unknown_keys: dict[str, int]


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise UserError("a dataset needs a name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise UserError(f"a dataset name can have at most {MAX_NAME_LENGTH} characters")
    return cleaned


def name_taken(conn: Connection, name: str) -> bool:
    query = sa.select(datasets.c.id).where(datasets.c.name == name)
    return conn.execute(query).first() is not None


def unique_name(conn: Connection, base: str) -> str:
    """``base``, or ``base (2)``, ``base (3)`` … whichever is free."""
    name = _clean_name(base)
    candidate, n = name, 1
    while name_taken(conn, candidate):
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def _row_values(dataset_id: int, schema: str, position: int, example: Example, now: datetime):
    fields = extract(schema, example.data)
    raw = example.raw_json
    if raw is None:
        raw = json.dumps(example.data, ensure_ascii=False, separators=(",", ":"))
    return {
        "dataset_id": dataset_id,
        "position": position,
        "source_row": example.source_row,
        "data": raw,
        "prompt": fields.prompt,
        "completion": fields.completion,
        "label": fields.label,
        "n_chars": len(fields.prompt) + len(fields.completion),
        "status": "unreviewed",
        "version": 1,
        "deleted": False,
        "created_at": now,
        "updated_at": now,
    }


def import_examples(
    engine: Engine,
    *,
    name: str,
    schema: str,
    rows: Iterable[Example],
    source_name: str | None = None,
    source_format: str | None = None,
    description: str | None = None,
    meta: dict[str, Any] | None = None,
) -> ImportSummary:
    """Create a dataset from streamed examples in ONE transaction: all rows or nothing.

    ``rows`` is consumed lazily in batches, so a million-row file is never a list in memory.
    A reader error raised mid-stream rolls everything back.
    """
    clean = _clean_name(name)
    now = utcnow()
    label_counter: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    n = 0
    with engine.begin() as conn:
        if name_taken(conn, clean):
            raise UserError(f"a dataset named {clean!r} exists already; choose another name")
        result = conn.execute(
            datasets.insert().values(
                name=clean,
                schema=schema,
                source_name=source_name,
                source_format=source_format,
                description=description,
                meta=json.dumps(meta or {}, ensure_ascii=False),
                data_version=1,
                created_at=now,
                updated_at=now,
            )
        )
        dataset_id = int(result.inserted_primary_key[0])
        batch: list[dict[str, Any]] = []
        insert = examples.insert()
        for example in rows:
            n += 1
            values = _row_values(dataset_id, schema, n, example, now)
            if values["label"] is not None:
                label_counter[values["label"]] += 1
            unknown.update(example.unknown_keys)
            batch.append(values)
            if len(batch) >= IMPORT_BATCH_ROWS:
                conn.execute(insert, batch)
                batch = []
        if batch:
            conn.execute(insert, batch)
        if n == 0:
            raise UserError("the file holds no examples; nothing was imported")
        full_meta = dict(meta or {})
        if unknown:
            full_meta["unknown_keys"] = dict(unknown)
        conn.execute(
            datasets.update()
            .where(datasets.c.id == dataset_id)
            .values(meta=json.dumps(full_meta, ensure_ascii=False))
        )
    return ImportSummary(
        dataset_id=dataset_id,
        name=clean,
        schema=schema,
        n_examples=n,
        n_labels=len(label_counter),
        classification=is_classification(n_examples=n, n_distinct_labels=len(label_counter)),
        unknown_keys=dict(unknown),
    )


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
    clean = _clean_name(new_name)
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
        from lib.store.tables import (
            revision_batches,
            revisions,
            snapshot_examples,
            snapshots,
        )

        snap_ids = sa.select(snapshots.c.id).where(snapshots.c.dataset_id == dataset_id)
        conn.execute(snapshot_examples.delete().where(snapshot_examples.c.snapshot_id.in_(snap_ids)))
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
    if is_classification(n_examples=info.n_examples, n_distinct_labels=len(counts)):
        return counts
    return None


def set_description(engine: Engine, dataset_id: int, description: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            datasets.update().where(datasets.c.id == dataset_id).values(description=description)
        )
