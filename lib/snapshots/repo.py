"""Snapshots: a dataset's examples frozen into train / valid / test.

A snapshot copies each example's JSON (and its extracted prompt, completion and label) into
``snapshot_examples``; later edits, deletions and undos of the dataset never reach it. That is
what makes a training job, its upload and its evaluation refer to the same data for good.

``plan_snapshot`` computes the split without writing (the preview the user confirms);
``create_snapshot`` computes it again inside the transaction that copies the rows, so the
written split is the one for the data as it is at that moment. Pass ``expected_data_version``
(from the preview) to refuse when someone changed the dataset in between.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.core.db import inserted_id
from lib.core.errors import NotFoundError, UserError
from lib.core.examples import is_classification
from lib.core.tables import datasets, examples, snapshot_examples, snapshots, utcnow
from lib.snapshots.split import ALL, DEFAULT_SEED, SPLITS, Ratios, SplitPlan, plan_split

COPY_BATCH_ROWS = 2_000
MAX_NAME_LENGTH = 300
SPLIT_CHOICES: tuple[str, ...] = (*SPLITS, "all")


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    id: int
    dataset_id: int
    name: str
    schema: str
    data_version: int
    seed: int
    settings: dict[str, Any]
    counts: dict[str, dict[str, int]]  # split → label → examples ({"(all)": n} if unlabelled)
    created_at: datetime
    created_by: str
    dataset_name: str | None = None

    @property
    def sizes(self) -> dict[str, int]:
        return {split: sum(self.counts.get(split, {}).values()) for split in SPLITS}

    @property
    def n_examples(self) -> int:
        return sum(self.sizes.values())

    @property
    def classification(self) -> bool:
        return bool(self.settings.get("classification"))

    @property
    def labels(self) -> list[str]:
        """Class labels seen in any split (empty when the snapshot is not stratified)."""
        if not self.settings.get("stratified"):
            return []
        seen: dict[str, None] = {}
        for split in SPLITS:
            for label in self.counts.get(split, {}):
                seen.setdefault(label, None)
        return list(seen)


@dataclass(frozen=True, slots=True)
class SnapshotExample:
    """One frozen example of a snapshot split."""

    id: int
    split: str
    position: int
    example_id: int | None
    source_row: int | None
    data: dict[str, Any]
    prompt: str
    completion: str
    label: str | None


@dataclass(frozen=True, slots=True)
class SnapshotPlan:
    """What ``create_snapshot`` would write, for the preview."""

    dataset_id: int
    data_version: int
    schema: str
    classification: bool
    split: SplitPlan
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        return self.split.counts

    @property
    def sizes(self) -> dict[str, int]:
        return self.split.sizes()


@dataclass(frozen=True, slots=True)
class _Source:
    ids: list[int]
    labels: list[str | None]
    schema: str
    data_version: int
    classification: bool


def _read_source(conn: Connection, dataset_id: int, *, approved_only: bool) -> _Source:
    head = conn.execute(
        sa.select(datasets.c.schema, datasets.c.data_version).where(datasets.c.id == dataset_id)
    ).first()
    if head is None:
        raise NotFoundError(f"dataset {dataset_id} does not exist (it may have been deleted)")
    query = sa.select(examples.c.id, examples.c.label).where(
        examples.c.dataset_id == dataset_id, examples.c.deleted.is_(False)
    )
    if approved_only:
        query = query.where(examples.c.status == "approved")
    rows = conn.execute(query.order_by(examples.c.position)).fetchall()
    labels = [row.label for row in rows]
    distinct = {label for label in labels if label is not None}
    return _Source(
        ids=[row.id for row in rows],
        labels=labels,
        schema=head.schema,
        data_version=head.data_version,
        classification=is_classification(n_examples=len(rows), labels=distinct),
    )


def _plan(
    conn: Connection,
    dataset_id: int,
    *,
    ratios: Ratios,
    seed: int,
    stratify: bool | None,
    balance: str,
    approved_only: bool,
) -> tuple[_Source, SnapshotPlan]:
    source = _read_source(conn, dataset_id, approved_only=approved_only)
    if not source.ids:
        what = "approved examples" if approved_only else "examples"
        raise UserError(f"the dataset has no {what} to snapshot")
    if stratify is None:
        stratify = source.classification
    if stratify and not source.classification:
        raise UserError(
            "this dataset is not classification-like (it needs fewer distinct labels than a "
            "third of its examples), so it cannot be stratified or balanced by label"
        )
    split = plan_split(source.labels, ratios=ratios, seed=seed, stratify=stratify, balance=balance)
    settings = {
        "ratios": ratios.as_dict(),
        "stratified": stratify,
        "balance": balance,
        "approved_only": approved_only,
        "classification": source.classification,
        "n_source": len(source.ids),
        "dropped": split.dropped,
        "added": split.added,
        "notes": split.notes,
    }
    plan = SnapshotPlan(
        dataset_id=dataset_id,
        data_version=source.data_version,
        schema=source.schema,
        classification=source.classification,
        split=split,
        settings=settings,
    )
    return source, plan


def plan_snapshot(
    engine: Engine,
    dataset_id: int,
    *,
    train: float = 0.8,
    valid: float = 0.1,
    test: float = 0.1,
    seed: int = DEFAULT_SEED,
    stratify: bool | None = None,
    balance: str = "none",
    approved_only: bool = False,
) -> SnapshotPlan:
    """The split a snapshot would have, with per-split (per-class) counts; writes nothing.

    ``stratify=None`` stratifies exactly when the examples are classification-like.
    """
    with engine.connect() as conn:
        _, plan = _plan(
            conn,
            dataset_id,
            ratios=Ratios(train, valid, test),
            seed=seed,
            stratify=stratify,
            balance=balance,
            approved_only=approved_only,
        )
    return plan


def _clean_name(name: str | None, dataset_name: str, now: datetime) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        cleaned = f"{dataset_name} · {now:%Y-%m-%d %H:%M:%S}"
    return cleaned[:MAX_NAME_LENGTH]


def create_snapshot(
    engine: Engine,
    dataset_id: int,
    *,
    author: str,
    name: str | None = None,
    train: float = 0.8,
    valid: float = 0.1,
    test: float = 0.1,
    seed: int = DEFAULT_SEED,
    stratify: bool | None = None,
    balance: str = "none",
    approved_only: bool = False,
    expected_data_version: int | None = None,
) -> SnapshotInfo:
    """Freeze the dataset's live examples into a new snapshot, all in one transaction."""
    who = (author or "").strip()
    if not who:
        raise UserError("enter your name in the sidebar first: a snapshot records who made it")
    now = utcnow()
    with engine.begin() as conn:
        source, plan = _plan(
            conn,
            dataset_id,
            ratios=Ratios(train, valid, test),
            seed=seed,
            stratify=stratify,
            balance=balance,
            approved_only=approved_only,
        )
        if expected_data_version is not None and source.data_version != expected_data_version:
            raise UserError(
                "the dataset changed since the preview (someone edited it); check the counts "
                "again and confirm; nothing was saved"
            )
        dataset_name = conn.execute(
            sa.select(datasets.c.name).where(datasets.c.id == dataset_id)
        ).scalar_one()
        result = conn.execute(
            snapshots.insert().values(
                dataset_id=dataset_id,
                name=_clean_name(name, dataset_name, now),
                schema=source.schema,
                data_version=source.data_version,
                seed=seed,
                settings=json.dumps(plan.settings, ensure_ascii=False),
                counts=json.dumps(plan.counts, ensure_ascii=False),
                created_at=now,
                created_by=who,
            )
        )
        snapshot_id = inserted_id(result)
        _copy_rows(conn, snapshot_id, source.ids, plan.split)
        return get_snapshot(conn, snapshot_id)


def _copy_rows(conn: Connection, snapshot_id: int, ids: list[int], plan: SplitPlan) -> None:
    """Copy each example once per place the plan gives it (over-sampling repeats some)."""
    places: dict[int, list[tuple[str, int]]] = {}
    for split, indexes in plan.assignments.items():
        for position, index in enumerate(indexes, 1):
            places.setdefault(index, []).append((split, position))
    wanted = sorted(places)
    # The driver's executemany with plain tuples: SQLAlchemy's per-row parameter processing
    # was most of the time of a 100,000-row snapshot.
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    insert = (
        f"INSERT INTO {snapshot_examples.name} ({', '.join(_COPY_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(_COPY_COLUMNS))})"
    )
    for start in range(0, len(wanted), COPY_BATCH_ROWS):
        chunk = wanted[start : start + COPY_BATCH_ROWS]
        by_id = {ids[index]: index for index in chunk}
        rows = conn.execute(
            sa.select(
                examples.c.id,
                examples.c.source_row,
                examples.c.data,
                examples.c.prompt,
                examples.c.completion,
                examples.c.label,
            ).where(examples.c.id.in_(list(by_id)))
        ).fetchall()
        batch = [
            (snapshot_id, split, position, id_, source_row, data, prompt, completion, label)
            for id_, source_row, data, prompt, completion, label in rows
            for split, position in places[by_id[id_]]
        ]
        if batch:
            conn.exec_driver_sql(insert, batch)


_COPY_COLUMNS = (
    "snapshot_id",
    "split",
    "position",
    "example_id",
    "source_row",
    "data",
    "prompt",
    "completion",
    "label",
)


def _info(row: Any) -> SnapshotInfo:
    return SnapshotInfo(
        id=row.id,
        dataset_id=row.dataset_id,
        name=row.name,
        schema=row.schema,
        data_version=row.data_version,
        seed=row.seed,
        settings=json.loads(row.settings),
        counts=json.loads(row.counts),
        created_at=row.created_at,
        created_by=row.created_by,
        dataset_name=getattr(row, "dataset_name", None),
    )


def _select() -> sa.Select:
    return sa.select(snapshots, datasets.c.name.label("dataset_name")).select_from(
        snapshots.outerjoin(datasets, datasets.c.id == snapshots.c.dataset_id)
    )


def list_snapshots(conn: Connection, *, dataset_id: int | None = None) -> list[SnapshotInfo]:
    """Snapshots of one dataset (or of all), newest first."""
    query = _select().order_by(snapshots.c.created_at.desc(), snapshots.c.id.desc())
    if dataset_id is not None:
        query = query.where(snapshots.c.dataset_id == dataset_id)
    return [_info(row) for row in conn.execute(query)]


def get_snapshot(conn: Connection, snapshot_id: int) -> SnapshotInfo:
    row = conn.execute(_select().where(snapshots.c.id == snapshot_id)).first()
    if row is None:
        raise NotFoundError(f"snapshot {snapshot_id} does not exist (it may have been deleted)")
    return _info(row)


_ROW_COLUMNS = (
    snapshot_examples.c.id,
    snapshot_examples.c.split,
    snapshot_examples.c.position,
    snapshot_examples.c.example_id,
    snapshot_examples.c.source_row,
    snapshot_examples.c.data,
    snapshot_examples.c.prompt,
    snapshot_examples.c.completion,
    snapshot_examples.c.label,
)


def _check_split(split: str) -> None:
    if split not in SPLIT_CHOICES:
        raise UserError(f"unknown split {split!r}; use one of {', '.join(SPLIT_CHOICES)}")


def iter_split(
    engine: Engine, snapshot_id: int, split: str = "all", *, batch: int = 2_000
) -> Iterator[SnapshotExample]:
    """The frozen examples of one split (or ``"all"``: train, valid, test in turn), in order.

    Reads in keyset pages on short connections, so a long export never holds the database.
    """
    _check_split(split)
    with engine.connect() as conn:
        get_snapshot(conn, snapshot_id)
    for name in SPLITS if split == "all" else (split,):
        last = 0
        while True:
            query = (
                sa.select(*_ROW_COLUMNS)
                .where(
                    snapshot_examples.c.snapshot_id == snapshot_id,
                    snapshot_examples.c.split == name,
                    snapshot_examples.c.position > last,
                )
                .order_by(snapshot_examples.c.position)
                .limit(batch)
            )
            with engine.connect() as conn:
                rows = conn.execute(query).fetchall()
            if not rows:
                break
            for (
                id_,
                split_,
                position,
                example_id,
                source_row,
                data,
                prompt,
                completion,
                label,
            ) in rows:
                yield SnapshotExample(
                    id=id_,
                    split=split_,
                    position=position,
                    example_id=example_id,
                    source_row=source_row,
                    data=json.loads(data),
                    prompt=prompt,
                    completion=completion,
                    label=label,
                )
            last = rows[-1][2]


def split_size(snapshot: SnapshotInfo, split: str) -> int:
    _check_split(split)
    return snapshot.n_examples if split == "all" else snapshot.sizes[split]


def delete_snapshot(engine: Engine, snapshot_id: int) -> None:
    """Delete a snapshot and its frozen rows (the dataset is not touched)."""
    with engine.begin() as conn:
        get_snapshot(conn, snapshot_id)
        conn.execute(
            snapshot_examples.delete().where(snapshot_examples.c.snapshot_id == snapshot_id)
        )
        conn.execute(snapshots.delete().where(snapshots.c.id == snapshot_id))


__all__ = [
    "ALL",
    "SPLIT_CHOICES",
    "SnapshotExample",
    "SnapshotInfo",
    "SnapshotPlan",
    "create_snapshot",
    "delete_snapshot",
    "get_snapshot",
    "iter_split",
    "list_snapshots",
    "plan_snapshot",
    "split_size",
]
