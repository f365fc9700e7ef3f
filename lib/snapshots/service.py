"""Snapshots: the use cases of Snapshots & export, and what other features use of snapshots.

Creating and deleting a snapshot needs the trainer role (a snapshot is what jobs and
evaluations are made from); previews, lists, exports and cost estimates are reads. Other
features (checks, train, evaluate) read frozen splits through this module only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from lib.core.activity import log_activity
from lib.core.identity import Actor, Role, require, require_read
from lib.core.pricing import PriceTable
from lib.datasets.service import ExportFile, ExportOptions, ExportSource, export_bytes
from lib.snapshots import repo
from lib.snapshots.costs import AUTO, CostEstimate, estimate_snapshot, format_money
from lib.snapshots.export import openai_jsonl_bytes, snapshot_export
from lib.snapshots.first import make_first_snapshot
from lib.snapshots.repo import (
    SPLIT_CHOICES,
    SnapshotExample,
    SnapshotInfo,
    SnapshotPlan,
    get_snapshot,
    iter_split,
)
from lib.snapshots.split import BALANCE_MODES, DEFAULT_SEED, SPLITS, counts_rows

__all__ = [
    "AUTO",
    "BALANCE_MODES",
    "DEFAULT_SEED",
    "SPLITS",
    "SPLIT_CHOICES",
    "CostEstimate",
    "DeletedSnapshot",
    "ExportFile",
    "ExportSource",
    "SnapshotExample",
    "SnapshotInfo",
    "SnapshotOptions",
    "SnapshotPlan",
    "counts_rows",
    "create_snapshot",
    "delete_snapshot",
    "estimate_snapshot",
    "export_bytes",
    "format_money",
    "get_snapshot",
    "make_first_snapshot",
    "iter_split",
    "openai_jsonl_bytes",
    "plan_snapshot",
    "snapshot_export",
    "snapshot_file",
    "snapshot_info",
    "snapshot_list",
    "training_estimate",
]


@dataclass(frozen=True, slots=True)
class SnapshotOptions:
    """How to split: shares, seed, stratification (None: when classification-like), balance."""

    train: float = 0.8
    valid: float = 0.1
    test: float = 0.1
    seed: int = DEFAULT_SEED
    stratify: bool | None = None
    balance: str = "none"
    approved_only: bool = False

    def as_kwargs(self) -> dict[str, object]:
        return {
            "train": self.train,
            "valid": self.valid,
            "test": self.test,
            "seed": self.seed,
            "stratify": self.stratify,
            "balance": self.balance,
            "approved_only": self.approved_only,
        }


@dataclass(frozen=True, slots=True)
class DeletedSnapshot:
    id: int
    name: str


# --- reads ---------------------------------------------------------------------------------


def snapshot_list(
    engine: Engine, *, dataset_id: int | None = None, actor: Actor | None
) -> list[SnapshotInfo]:
    """Snapshots (of one dataset, or all), newest first."""
    require_read(actor, action="see the snapshots")
    with engine.connect() as conn:
        return repo.list_snapshots(conn, dataset_id=dataset_id)


def snapshot_info(engine: Engine, snapshot_id: int, *, actor: Actor | None) -> SnapshotInfo:
    require_read(actor, action="see a snapshot")
    with engine.connect() as conn:
        return repo.get_snapshot(conn, snapshot_id)


def plan_snapshot(
    engine: Engine, dataset_id: int, options: SnapshotOptions, *, actor: Actor | None
) -> SnapshotPlan:
    """The split a snapshot would have, with per-split (per-class) counts; writes nothing."""
    require_read(actor, action="preview a snapshot")
    return repo.plan_snapshot(engine, dataset_id, **options.as_kwargs())  # type: ignore[arg-type]


def snapshot_file(
    engine: Engine,
    snapshot_id: int,
    *,
    format_key: str,
    split: str,
    system: str | None = None,
    actor: Actor | None,
) -> ExportFile:
    """One split (or all) of a snapshot as a file in one export format."""
    require_read(actor, action="export a snapshot")
    source = snapshot_export(engine, snapshot_id, split)
    return export_bytes(source, format_key, options=ExportOptions(system=system or None))


def training_estimate(
    engine: Engine,
    snapshot_id: int,
    *,
    model: str,
    epochs: int | str,
    table: PriceTable | None = None,
    actor: Actor | None,
) -> CostEstimate:
    """What fine-tuning ``model`` on the snapshot's train split costs, and roughly how long."""
    require_read(actor, action="estimate a training cost")
    return estimate_snapshot(engine, snapshot_id, model=model, epochs=epochs, table=table)


# --- changes (trainer) ---------------------------------------------------------------------


def create_snapshot(
    engine: Engine,
    dataset_id: int,
    options: SnapshotOptions,
    *,
    name: str | None = None,
    expected_data_version: int | None = None,
    actor: Actor | None,
) -> SnapshotInfo:
    """Freeze the dataset's live examples (as of ``expected_data_version``) into a snapshot."""
    who = require(actor, Role.TRAINER, action="create a snapshot")
    return repo.create_snapshot(
        engine,
        dataset_id,
        author=who.label,
        name=name,
        expected_data_version=expected_data_version,
        **options.as_kwargs(),  # type: ignore[arg-type]
    )


def delete_snapshot(engine: Engine, snapshot_id: int, *, actor: Actor | None) -> DeletedSnapshot:
    """Delete a snapshot and its frozen rows (the dataset is not touched)."""
    who = require(actor, Role.TRAINER, action="delete a snapshot")
    with engine.connect() as conn:
        info = repo.get_snapshot(conn, snapshot_id)
    repo.delete_snapshot(engine, snapshot_id)
    with engine.begin() as conn:  # the snapshot's own row is gone: the log keeps who and when
        log_activity(
            conn,
            person=who.label,
            action="deleted snapshot",
            dataset_id=info.dataset_id,
            detail=info.name,
        )
    return DeletedSnapshot(id=info.id, name=info.name)
