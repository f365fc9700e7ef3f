"""Bulk actions on the filtered set: count first, then one undoable revision batch.

A bulk action only touches rows it would actually change (approving approved rows is not a
change), so the count the reviewer confirms is the number of revisions written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.example_store import STATUSES, Change, apply_changes
from lib.datasets.service import get_dataset
from lib.review.edit import with_label
from lib.review.query import Filters, iter_matching


@dataclass(frozen=True, slots=True)
class SetStatus:
    status: str

    def describe(self) -> str:
        return f"set status to {self.status}"


@dataclass(frozen=True, slots=True)
class Relabel:
    old: str
    new: str

    def describe(self) -> str:
        return f"relabel {self.old!r} as {self.new!r}"


BulkAction = SetStatus | Relabel


def _validate(action: BulkAction) -> None:
    if isinstance(action, SetStatus) and action.status not in STATUSES:
        raise UserError(f"unknown status {action.status!r}; use one of {', '.join(STATUSES)}")
    if isinstance(action, Relabel):
        if not action.new.strip():
            raise UserError("the new label is empty")
        if action.old == action.new.strip():
            raise UserError("the old and the new label are the same")


def _changes(engine: Engine, dataset_id: int, filters: Filters, action: BulkAction) -> list[Change]:
    _validate(action)
    with engine.connect() as conn:
        schema = get_dataset(conn, dataset_id).schema
        if isinstance(action, Relabel) and schema == "preference":
            raise UserError("preference (DPO) examples have no label to change")
        if isinstance(action, SetStatus):
            return [
                Change(example_id=row.id, expected_version=row.version, status=action.status)
                for row in iter_matching(conn, dataset_id, filters, columns=("status",))
                if row.status != action.status
            ]
        if filters.labels and action.old not in filters.labels:
            return []  # the filtered set holds no example labelled ``old``
        narrowed = replace(filters, labels=(action.old,))
        return [
            Change(
                example_id=row.id,
                expected_version=row.version,
                data=with_label(schema, json.loads(row.data), action.new.strip()),
            )
            for row in iter_matching(conn, dataset_id, narrowed, columns=("data",))
        ]


def preview(engine: Engine, dataset_id: int, filters: Filters, action: BulkAction) -> int:
    """How many examples the action would change (shown before asking for confirmation)."""
    return len(_changes(engine, dataset_id, filters, action))


def apply(
    engine: Engine,
    dataset_id: int,
    filters: Filters,
    action: BulkAction,
    *,
    author: str,
    expected_count: int | None = None,
) -> tuple[int | None, int]:
    """Apply the action as one revision batch; returns (batch id, examples changed).

    ``expected_count`` is the count the reviewer confirmed: if the filtered set changed since,
    the action is refused instead of touching rows nobody saw counted.
    """
    changes = _changes(engine, dataset_id, filters, action)
    if expected_count is not None and len(changes) != expected_count:
        raise UserError(
            f"the filtered set changed since you confirmed {expected_count:,} examples "
            f"(now {len(changes):,}); check the count and confirm again; nothing was changed"
        )
    if not changes:
        return None, 0
    batch = apply_changes(
        engine, dataset_id, changes, author=author, reason=f"bulk: {action.describe()}"
    )
    return batch, len(changes)
