"""A signed-in reviewer edits only the datasets assigned to them; nothing is written otherwise."""

from __future__ import annotations

import pytest

from lib.core.assignments import dataset_reviewers
from lib.core.example_store import get_example, list_examples
from lib.core.examples import Example
from lib.core.identity import Actor, PermissionDeniedError, Role
from lib.core.tables import utcnow
from lib.datasets.repo import import_examples
from lib.review import service

BEA = Actor(name="bea@example.com", verified=True, roles=frozenset({Role.REVIEWER}))


def _dataset(db, name: str) -> tuple[int, list[int]]:
    rows = [
        Example(data={"prompt": f"{name} {i}", "completion": " a"}, source_row=i + 1)
        for i in range(3)
    ]
    summary = import_examples(db, name=name, schema="completion", rows=rows)
    with db.connect() as conn:
        return summary.dataset_id, [e.id for e in list_examples(conn, summary.dataset_id, limit=10)]


def test_a_reviewer_edits_only_assigned_datasets(db) -> None:
    mine, mine_ids = _dataset(db, "assigned")
    other, other_ids = _dataset(db, "not assigned")
    with db.begin() as conn:
        conn.execute(
            dataset_reviewers.insert().values(
                dataset_id=mine,
                person=BEA.name,
                assigned_by="admin@example.com",
                assigned_at=utcnow(),
            )
        )
    with db.connect() as conn:
        target = service.Target(other_ids[0], get_example(conn, other_ids[0]).version)
    with pytest.raises(PermissionDeniedError, match="not assigned to bea@example.com"):
        service.save(db, other, target, actor=BEA, status="approved")
    with db.connect() as conn:
        assert get_example(conn, other_ids[0]).status != "approved"
    with db.connect() as conn:
        target = service.Target(mine_ids[0], get_example(conn, mine_ids[0]).version)
    result = service.save(db, mine, target, actor=BEA, status="approved")
    assert result.ok, result.message
    with db.connect() as conn:
        assert get_example(conn, mine_ids[0]).status == "approved"
