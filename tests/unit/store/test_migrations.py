"""An existing database opens after an upgrade without losing anything."""

from __future__ import annotations

import sqlalchemy as sa

from lib.core import example_store as ex
from lib.core.db import create_engine_for
from lib.core.examples import Example
from lib.core.migrations import applied, available, migrate
from lib.datasets import repo as ds


def test_every_migration_applies_once_and_is_recorded(any_db_url):
    engine = create_engine_for(any_db_url)
    first = migrate(engine)
    assert first == available()
    assert migrate(engine) == []
    with engine.connect() as conn:
        assert applied(conn) == set(available())
    engine.dispose()


def test_old_database_keeps_its_rows_after_upgrade(any_db_url):
    """A store made by the first migration only (the oldest schema) is upgraded in place."""
    engine = create_engine_for(any_db_url)
    oldest = available()[0]
    migrate(engine, upto=oldest)
    with engine.connect() as conn:
        assert applied(conn) == {oldest}
        assert not sa.inspect(conn).has_table("snapshots")

    rows = [
        Example({"prompt": f"p{i}", "completion": " yes" if i % 2 else " no"}, i + 1)
        for i in range(20)
    ]
    summary = ds.import_examples(engine, name="old", schema="completion", rows=iter(rows))
    with engine.connect() as conn:
        first = ex.list_examples(conn, summary.dataset_id)[0]
    ex.update_example(engine, ex.Change(first.id, 1, status="approved"), author="Ana")

    later = migrate(engine)
    assert later == available()[1:]
    with engine.connect() as conn:
        info = ds.get_dataset(conn, summary.dataset_id)
        kept = ex.list_examples(conn, summary.dataset_id, limit=100)
        revs = ex.list_revisions(conn, first.id)
        assert sa.inspect(conn).has_table("snapshots")
    assert info.n_examples == 20
    assert [k.data for k in kept] == [r.data for r in rows]
    assert kept[0].status == "approved" and [r.author for r in revs] == ["Ana"]
    engine.dispose()
