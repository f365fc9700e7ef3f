"""The first snapshot of a sample dataset, made when the samples load on a store's first start.

Without one, Fine-tune and Run evaluation open empty on a fresh install, and a demo has to start
by explaining snapshots. The split is the default one (80/10/10, seeded, stratified when the
data is classification-like), so it is the same on every machine.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from lib.snapshots.repo import SnapshotInfo, create_snapshot

FIRST_AUTHOR = "Tunelab (sample data)"


def first_snapshot_name(dataset_name: str) -> str:
    return f"{dataset_name} — first split"


def make_first_snapshot(engine: Engine, dataset_id: int, dataset_name: str) -> SnapshotInfo:
    """Freeze a just-loaded sample dataset into its first snapshot (default, seeded split)."""
    return create_snapshot(
        engine, dataset_id, author=FIRST_AUTHOR, name=first_snapshot_name(dataset_name)
    )
