"""A snapshot's splits as an export source, and the JSONL a fine-tuning upload sends.

The writers (every format) belong to datasets (``lib.datasets.service``); this module only
says which frozen rows a snapshot's export holds, so the same bytes go to a download and to a
provider.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.datasets.service import ExportRow, ExportSource, Part, export_bytes
from lib.snapshots.repo import SPLIT_CHOICES, get_snapshot, iter_split
from lib.snapshots.split import SPLITS


def snapshot_export(
    engine: Engine, snapshot_id: int, split: str = "all", *, skip_empty: bool = True
) -> ExportSource:
    """One split of a snapshot, or all three (``"all"``; empty splits left out)."""
    if split not in SPLIT_CHOICES:
        raise UserError(f"unknown split {split!r}; use one of {', '.join(SPLIT_CHOICES)}")
    with engine.connect() as conn:
        snapshot = get_snapshot(conn, snapshot_id)
    names = SPLITS if split == "all" else (split,)
    sizes = snapshot.sizes
    parts = []
    for name in names:
        if split == "all" and skip_empty and sizes[name] == 0:
            continue
        labels = snapshot.counts.get(name) if snapshot.settings.get("stratified") else None
        parts.append(
            Part(
                name=name,
                rows=_split_rows(engine, snapshot_id, name),
                size=sizes[name],
                labels=labels,
            )
        )
    base = snapshot.dataset_name or snapshot.name
    return ExportSource(
        name=f"{base}_snapshot{snapshot.id}",
        schema=snapshot.schema,
        parts=tuple(parts),
        description=f"Snapshot {snapshot.id} ({snapshot.name}) of dataset {base}.",
    )


def _split_rows(engine: Engine, snapshot_id: int, split: str) -> Callable[[], Iterator[ExportRow]]:
    def rows() -> Iterator[ExportRow]:
        for example in iter_split(engine, snapshot_id, split):
            yield ExportRow(data=example.data, row=example.position, source_row=example.source_row)

    return rows


def openai_jsonl_bytes(
    engine: Engine, snapshot_id: int, split: str, *, method: str = "supervised"
) -> bytes:
    """A snapshot split as the JSONL a fine-tuning upload needs (chat, or DPO for ``dpo``)."""
    if split not in ("train", "valid", "test"):
        raise UserError(f"upload one split at a time (train, valid or test), not {split!r}")
    source = snapshot_export(engine, snapshot_id, split)
    key = "dpo" if method == "dpo" else "chat"
    return export_bytes(source, key).data
