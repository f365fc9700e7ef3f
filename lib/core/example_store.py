"""Examples: read, change with optimistic versions, batches of revisions, undo, revert.

Every change names the version it read; a stale version is refused (``StaleVersionError``)
and nothing is written. Every change writes a revision holding the state before and after.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.core.db import inserted_id
from lib.core.errors import NotFoundError, StaleVersionError, UserError
from lib.core.examples import extract
from lib.core.tables import datasets, examples, revision_batches, revisions, utcnow

STATUSES = ("unreviewed", "approved", "rejected", "flagged")
_UNSET: Any = object()


@dataclass(frozen=True, slots=True)
class ExampleRow:
    id: int
    dataset_id: int
    position: int
    source_row: int | None
    data: dict[str, Any]
    prompt: str
    completion: str
    label: str | None
    status: str
    comment: str | None
    version: int
    deleted: bool
    updated_at: datetime
    updated_by: str | None

    def state(self) -> dict[str, Any]:
        """The reviewable state a revision records."""
        return {
            "data": self.data,
            "status": self.status,
            "comment": self.comment,
            "deleted": self.deleted,
        }


@dataclass(frozen=True, slots=True)
class Change:
    """A change to one example; fields left unset stay as they are."""

    example_id: int
    expected_version: int
    data: dict[str, Any] | None = None
    status: str | None = None
    comment: str | None = _UNSET
    deleted: bool | None = None


@dataclass(frozen=True, slots=True)
class RevisionRow:
    id: int
    example_id: int
    batch_id: int | None
    version: int
    author: str
    created_at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any]
    reason: str


def row_to_example(row: Any) -> ExampleRow:
    return ExampleRow(
        id=row.id,
        dataset_id=row.dataset_id,
        position=row.position,
        source_row=row.source_row,
        data=json.loads(row.data),
        prompt=row.prompt,
        completion=row.completion,
        label=row.label,
        status=row.status,
        comment=row.comment,
        version=row.version,
        deleted=bool(row.deleted),
        updated_at=row.updated_at,
        updated_by=row.updated_by,
    )


def get_example(conn: Connection, example_id: int) -> ExampleRow:
    row = conn.execute(sa.select(examples).where(examples.c.id == example_id)).first()
    if row is None:
        raise NotFoundError(f"example {example_id} does not exist")
    return row_to_example(row)


def list_examples(
    conn: Connection, dataset_id: int, *, offset: int = 0, limit: int = 50
) -> list[ExampleRow]:
    """One page of live examples in dataset order."""
    query = (
        sa.select(examples)
        .where(examples.c.dataset_id == dataset_id, examples.c.deleted.is_(False))
        .order_by(examples.c.position)
        .offset(offset)
        .limit(limit)
    )
    return [row_to_example(row) for row in conn.execute(query)]


def iter_examples(
    engine: Engine, dataset_id: int, *, include_deleted: bool = False, batch: int = 5_000
) -> Iterator[ExampleRow]:
    """Every example in dataset order, read in keyset pages (no long-held connection)."""
    last = -1
    while True:
        query = sa.select(examples).where(
            examples.c.dataset_id == dataset_id, examples.c.position > last
        )
        if not include_deleted:
            query = query.where(examples.c.deleted.is_(False))
        query = query.order_by(examples.c.position).limit(batch)
        with engine.connect() as conn:
            rows = conn.execute(query).fetchall()
        if not rows:
            return
        for row in rows:
            yield row_to_example(row)
        last = rows[-1].position


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _schema_of(conn: Connection, dataset_id: int) -> str:
    row = conn.execute(sa.select(datasets.c.schema).where(datasets.c.id == dataset_id)).first()
    if row is None:
        raise NotFoundError(f"dataset {dataset_id} does not exist")
    return row.schema


def _apply_one(
    conn: Connection,
    change: Change,
    *,
    schema: str,
    author: str,
    reason: str,
    batch_id: int | None,
    now: datetime,
) -> ExampleRow:
    current = get_example(conn, change.example_id)
    if current.version != change.expected_version:
        raise StaleVersionError(
            change.example_id,
            expected=change.expected_version,
            current=current.version,
            theirs=current.state(),
        )
    if change.status is not None and change.status not in STATUSES:
        raise UserError(f"unknown status {change.status!r}; use one of {', '.join(STATUSES)}")
    data = current.data if change.data is None else change.data
    after = {
        "data": data,
        "status": current.status if change.status is None else change.status,
        "comment": current.comment if change.comment is _UNSET else change.comment,
        "deleted": current.deleted if change.deleted is None else change.deleted,
    }
    if after == current.state():
        return current  # nothing changed: no version bump, no revision
    fields = extract(schema, data)
    new_version = current.version + 1
    result = conn.execute(
        examples.update()
        .where(examples.c.id == change.example_id, examples.c.version == change.expected_version)
        .values(
            data=_dump(data),
            prompt=fields.prompt,
            completion=fields.completion,
            label=fields.label,
            n_chars=len(fields.prompt) + len(fields.completion),
            status=after["status"],
            comment=after["comment"],
            deleted=after["deleted"],
            version=new_version,
            updated_at=now,
            updated_by=author,
        )
    )
    if result.rowcount != 1:  # a concurrent writer got there between our read and write
        latest = get_example(conn, change.example_id)
        raise StaleVersionError(
            change.example_id,
            expected=change.expected_version,
            current=latest.version,
            theirs=latest.state(),
        )
    conn.execute(
        revisions.insert().values(
            example_id=change.example_id,
            dataset_id=current.dataset_id,
            batch_id=batch_id,
            version=new_version,
            author=author,
            created_at=now,
            before=_dump(current.state()),
            after=_dump(after),
            reason=reason,
        )
    )
    return get_example(conn, change.example_id)


def _touch_dataset(conn: Connection, dataset_id: int, now: datetime, **values: Any) -> None:
    conn.execute(
        datasets.update()
        .where(datasets.c.id == dataset_id)
        .values(data_version=datasets.c.data_version + 1, updated_at=now, **values)
    )


def _require_author(author: str) -> str:
    clean = (author or "").strip()
    if not clean:
        raise UserError("choose a reviewer name first: every change records who made it")
    return clean


def update_example(
    engine: Engine, change: Change, *, author: str, reason: str = "edit"
) -> ExampleRow:
    """Apply one change as one revision; refuses a stale version and writes nothing then."""
    who = _require_author(author)
    now = utcnow()
    with engine.begin() as conn:
        current = get_example(conn, change.example_id)
        schema = _schema_of(conn, current.dataset_id)
        updated = _apply_one(
            conn, change, schema=schema, author=who, reason=reason, batch_id=None, now=now
        )
        if updated.version != current.version:
            _touch_dataset(conn, current.dataset_id, now)
        return updated


def apply_changes(
    engine: Engine,
    dataset_id: int,
    changes: Sequence[Change],
    *,
    author: str,
    reason: str,
    new_schema: str | None = None,
) -> int | None:
    """Apply many changes as ONE batch that can be undone as a unit; all or nothing.

    ``new_schema`` switches the dataset's schema in the same transaction (format conversion).
    Returns the batch id, or None when nothing changed.
    """
    who = _require_author(author)
    now = utcnow()
    with engine.begin() as conn:
        old_schema = _schema_of(conn, dataset_id)
        schema = new_schema or old_schema
        meta = {"schema_before": old_schema, "schema_after": schema} if new_schema else {}
        batch_id = inserted_id(
            conn.execute(
                revision_batches.insert().values(
                    dataset_id=dataset_id,
                    author=who,
                    reason=reason,
                    n_changes=0,
                    created_at=now,
                    meta=_dump(meta),
                )
            )
        )
        n_changed = 0
        for change in changes:
            before = get_example(conn, change.example_id)
            if before.dataset_id != dataset_id:
                raise UserError(f"example {change.example_id} is not in dataset {dataset_id}")
            after = _apply_one(
                conn, change, schema=schema, author=who, reason=reason, batch_id=batch_id, now=now
            )
            n_changed += after.version != before.version
        if n_changed == 0 and not new_schema:
            conn.execute(revision_batches.delete().where(revision_batches.c.id == batch_id))
            return None
        conn.execute(
            revision_batches.update()
            .where(revision_batches.c.id == batch_id)
            .values(n_changes=n_changed)
        )
        extra = {"schema": schema} if new_schema else {}
        _touch_dataset(conn, dataset_id, now, **extra)
        return batch_id


def undo_batch(engine: Engine, batch_id: int, *, author: str) -> int | None:
    """Undo a batch as a new batch. Refused if any of its examples changed since."""
    who = _require_author(author)
    with engine.connect() as conn:
        batch = conn.execute(
            sa.select(revision_batches).where(revision_batches.c.id == batch_id)
        ).first()
        if batch is None:
            raise NotFoundError(f"change batch {batch_id} does not exist")
        if batch.undone_at is not None:
            raise UserError(f"change batch {batch_id} was undone already")
        rows = conn.execute(sa.select(revisions).where(revisions.c.batch_id == batch_id)).fetchall()
    meta = json.loads(batch.meta) if batch.meta else {}
    changes = [
        Change(
            example_id=row.example_id,
            expected_version=row.version,
            data=json.loads(row.before)["data"],
            status=json.loads(row.before)["status"],
            comment=json.loads(row.before)["comment"],
            deleted=json.loads(row.before)["deleted"],
        )
        for row in rows
    ]
    try:
        new_batch = apply_changes(
            engine,
            batch.dataset_id,
            changes,
            author=who,
            reason=f"undo: {batch.reason}",
            new_schema=meta.get("schema_before") if meta.get("schema_before") else None,
        )
    except StaleVersionError as exc:
        raise UserError(
            f"cannot undo “{batch.reason}”: example {exc.example_id} was changed after it "
            "(undo that change first, or edit the example by hand); nothing was changed"
        ) from exc
    with engine.begin() as conn:
        conn.execute(
            revision_batches.update()
            .where(revision_batches.c.id == batch_id)
            .values(undone_at=utcnow(), undone_by=who)
        )
        if new_batch is not None:
            conn.execute(
                revision_batches.update()
                .where(revision_batches.c.id == new_batch)
                .values(undo_of=batch_id)
            )
    return new_batch


def list_batches(conn: Connection, dataset_id: int) -> list[Any]:
    """Change batches of a dataset, newest first (for an undo list)."""
    query = (
        sa.select(revision_batches)
        .where(revision_batches.c.dataset_id == dataset_id)
        .order_by(revision_batches.c.id.desc())
    )
    return list(conn.execute(query))


def list_revisions(conn: Connection, example_id: int) -> list[RevisionRow]:
    """An example's revisions, oldest first."""
    query = (
        sa.select(revisions).where(revisions.c.example_id == example_id).order_by(revisions.c.id)
    )
    return [
        RevisionRow(
            id=row.id,
            example_id=row.example_id,
            batch_id=row.batch_id,
            version=row.version,
            author=row.author,
            created_at=row.created_at,
            before=json.loads(row.before) if row.before else None,
            after=json.loads(row.after),
            reason=row.reason,
        )
        for row in conn.execute(query)
    ]


def revert_to(
    engine: Engine, example_id: int, revision_id: int, *, expected_version: int, author: str
) -> ExampleRow:
    """Put an example back to its state after ``revision_id``; the revert is a revision."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(revisions).where(
                revisions.c.id == revision_id, revisions.c.example_id == example_id
            )
        ).first()
    if row is None:
        raise NotFoundError(f"revision {revision_id} of example {example_id} does not exist")
    state = json.loads(row.after)
    change = Change(
        example_id=example_id,
        expected_version=expected_version,
        data=state["data"],
        status=state["status"],
        comment=state["comment"],
        deleted=state["deleted"],
    )
    return update_example(engine, change, author=author, reason=f"revert to version {row.version}")
