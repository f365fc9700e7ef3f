"""The review migration on a store that existed before it: rows kept, tables and indexes added."""

from __future__ import annotations

import sqlalchemy as sa

from lib.core.db import create_engine_for
from lib.core.examples import Example
from lib.core.migrations import available, migrate
from lib.datasets.repo import import_examples


def test_review_migration_keeps_rows_and_adds_tables_and_indexes(tmp_path):
    engine = create_engine_for(f"sqlite:///{tmp_path / 'old.db'}")
    before_review = available()[available().index("m0200_review") - 1]
    migrate(engine, upto=before_review)
    rows = [Example(data={"prompt": f"p{i}", "completion": " a"}, source_row=i) for i in range(3)]
    import_examples(engine, name="old", schema="completion", rows=rows)
    assert "m0200_review" in migrate(engine)
    inspector = sa.inspect(engine)
    assert {"review_samples", "review_sample_items", "review_labels"} <= set(
        inspector.get_table_names()
    )
    indexes = {ix["name"] for ix in inspector.get_indexes("examples")}
    assert {"ix_examples_live_position", "ix_examples_live_nchars"} <= indexes
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM examples")).scalar_one() == 3
    assert migrate(engine) == []  # applied once
    engine.dispose()


def test_the_drafts_migration_adds_its_table_to_a_store_that_had_review(tmp_path):
    engine = create_engine_for(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, upto="m0201_drop_superseded_indexes")
    rows = [Example(data={"prompt": "p", "completion": " a"}, source_row=1)]
    import_examples(engine, name="old", schema="completion", rows=rows)
    assert "review_drafts" not in sa.inspect(engine).get_table_names()
    assert "m0202_review_drafts" in migrate(engine)
    inspector = sa.inspect(engine)
    assert "review_drafts" in inspector.get_table_names()
    assert {c["name"] for c in inspector.get_columns("review_drafts")} >= {
        "reviewer",
        "example_id",
        "base_version",
        "data",
    }
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM examples")).scalar_one() == 1
    engine.dispose()
