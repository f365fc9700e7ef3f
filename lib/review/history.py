"""An example's history for reviewers: revisions with readable diffs, and past states."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Engine

from lib.core.errors import NotFoundError
from lib.core.example_store import Change, ExampleRow, RevisionRow, list_revisions, update_example
from lib.review.diff import FieldDiff, state_diff


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    revision: RevisionRow
    diffs: tuple[FieldDiff, ...]


def history(conn: Connection, example_id: int) -> list[HistoryEntry]:
    """Revisions newest first, each with its per-field diff."""
    entries = [
        HistoryEntry(rev, tuple(state_diff(rev.before, rev.after)))
        for rev in list_revisions(conn, example_id)
    ]
    return entries[::-1]


def state_at_version(conn: Connection, example_id: int, version: int) -> dict[str, Any] | None:
    """The example's reviewable state as it was at ``version`` (None if history lacks it)."""
    revisions = list_revisions(conn, example_id)
    for rev in revisions:
        if rev.version == version:
            return rev.after
        if rev.version == version + 1 and rev.before is not None:
            return rev.before
    return None


def restore_original(
    engine: Engine, example_id: int, *, expected_version: int, author: str
) -> ExampleRow:
    """Put an example back to its imported state (before its first revision), as a revision.

    ``revert_to`` reverts to the state *after* a revision; the imported state has no revision
    of its own, so it is read from the first revision's ``before``.
    """
    with engine.connect() as conn:
        revisions = list_revisions(conn, example_id)
    if not revisions or revisions[0].before is None:
        raise NotFoundError(f"example {example_id} has no earlier version to go back to")
    first = revisions[0]
    state = first.before
    assert state is not None  # checked above
    change = Change(
        example_id=example_id,
        expected_version=expected_version,
        data=state["data"],
        status=state["status"],
        comment=state["comment"],
        deleted=state["deleted"],
    )
    return update_example(
        engine, change, author=author, reason=f"revert to version {first.version - 1}"
    )
