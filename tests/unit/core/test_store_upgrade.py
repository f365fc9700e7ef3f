"""A store made before the Alembic move upgrades in place with nothing lost; a fresh store is
made by the same revisions; the revisions and today's table definitions agree.

``fixtures/old_store.db.gz`` was written by Tunelab at commit 244ac0d (the code before the
move; ``fixtures/make_old_store.py`` says how): the sample datasets, reviewed and edited
examples, a review sample, check findings, an edited price table, a provider, a snapshot, a
claimed job and an evaluation run with the built-in engine's answers.
"""

from __future__ import annotations

import gzip
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import lib.access.tables
import lib.checks.tables
import lib.evaluate.tables
import lib.migrate.tables
import lib.review.tables
import lib.runner.tables
import lib.synth.tables
import lib.train.tables  # noqa: F401 - every table on the shared metadata
from lib.core import example_store as ex
from lib.core import tables
from lib.core.db import create_engine_for
from lib.core.migrations import (
    LEGACY_TABLE,
    MIGRATIONS_DIR,
    VERSION_TABLE,
    applied,
    available,
    current,
    migrate,
)
from lib.core.pricing import get_price_table
from lib.datasets import repo as datasets
from lib.evaluate import results
from lib.providers.config import list_providers
from lib.review import sampling
from lib.runner.runs import get_progress, list_runs
from lib.snapshots.repo import iter_split, list_snapshots
from lib.train.repo import find_job_by_key, list_jobs

FIXTURE = Path(__file__).parent / "fixtures" / "old_store.db.gz"
OLD_HEAD = "m0500_synthetic"  # the last migration the old code had
# What the old code wrote (counted once from the fixture; the test re-counts before upgrading).
EXPECTED_ROWS = {
    "app_settings": 3,
    "check_findings": 2,
    "datasets": 4,
    "examples": 2202,
    "review_labels": 1,
    "review_sample_items": 16,
    "review_samples": 2,
    "revision_batches": 3,
    "revisions": 13,
    "runner_items": 5,
    "runner_results": 5,
    "runner_runs": 1,
    "schema_migrations": 11,
    "snapshot_examples": 1000,
    "snapshots": 1,
    "train_jobs": 1,
}


def _old_store(tmp_path: Path) -> Path:
    path = tmp_path / "old.db"
    with gzip.open(FIXTURE) as packed, path.open("wb") as out:
        shutil.copyfileobj(packed, out)
    return path


def _contents(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (plain sqlite3: no app code involved)."""
    with sqlite3.connect(path) as db:
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        # Sorted in Python: the search index's shadow tables have no rowid to order by.
        return {n: sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}


def _schema(engine: sa.Engine) -> dict[str, Any]:
    inspector = sa.inspect(engine)
    return {
        name: (
            sorted((c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)),
            sorted((i["name"], tuple(i["column_names"])) for i in inspector.get_indexes(name)),
            sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(name)
            ),
        )
        for name in inspector.get_table_names()
        if name not in (LEGACY_TABLE, VERSION_TABLE)
    }


def _not_the_search_index(obj: Any, name: str | None, kind: str, *_: Any) -> bool:
    """The search index (``lib.core.search``, revision m0004) is raw DDL, not table metadata."""
    name = name or ""
    if kind == "table":
        return not (name.startswith("examples_fts") or name == "search_datasets")
    return name != "ix_examples_text_trgm"


def test_a_store_from_before_alembic_upgrades_in_place_keeping_every_row(tmp_path: Path) -> None:
    path = _old_store(tmp_path)
    before = _contents(path)
    counts = {name: len(rows) for name, rows in before.items() if rows}
    assert counts == EXPECTED_ROWS
    assert VERSION_TABLE not in before

    engine = create_engine_for(f"sqlite:///{path}")
    # It had every migration of its day: those are adopted, only the newer revisions run.
    newer = available()[available().index(OLD_HEAD) + 1 :]
    assert migrate(engine) == newer
    with engine.connect() as conn:
        assert current(conn) == available()[-1]
        assert applied(conn) == set(available())
    assert migrate(engine) == []
    engine.dispose()

    after = _contents(path)
    assert after.pop(VERSION_TABLE) == [(available()[-1],)]
    added = {name: after.pop(name) for name in set(after) - set(before)}
    # The search index (m0004) covers what the store had; any other new table starts empty.
    assert sorted(added.pop("search_datasets")) == [(i, 2**62) for i in range(1, 5)]
    assert all(rows == [] for name, rows in added.items() if not name.startswith("examples_fts"))
    assert after == before  # every row of every table, byte for byte


def test_the_app_reads_and_writes_an_upgraded_old_store(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{_old_store(tmp_path)}")
    migrate(engine)
    with engine.connect() as conn:
        found = {d.name: d for d in datasets.list_datasets(conn)}
        assert found["Product reviews (stars)"].n_examples == 1000
        reviews = found["Product reviews (stars)"].id
        first = ex.list_examples(conn, reviews, limit=20)
        assert [e.status for e in first[:2]] == ["approved", "rejected"]
        assert first[2].comment == "one star off" and first[2].data["completion"] == " 2"
        assert [r.author for r in ex.list_revisions(conn, first[2].id)] == ["Ana"]
        assert datasets.classification_labels(conn, reviews)
        snapshot = list_snapshots(conn)[0]
        assert sampling.list_samples(conn, found["Product categories"].id, kind="random")
        job = find_job_by_key(conn, "fixture-launch-key")
        assert job is not None and job.base_model == "gpt-4o-mini-2024-07-18"
        assert [j.id for j in list_jobs(conn)] == [job.id]
        run = list_runs(conn, kind="evaluation")[0]
        assert get_progress(conn, run.id).done == 5
        prices = get_price_table(conn)
        assert prices.edited and prices.rows[0].training == 30.0
    assert sum(1 for _ in iter_split(engine, snapshot.id, "train")) == snapshot.sizes["train"]
    assert len(results.load(engine, run.id).examples) == 5
    assert "Local vLLM" in [p.name for p in list_providers(engine)]
    # A write with the optimistic version check, as the review screen does.
    saved = ex.update_example(
        engine, ex.Change(first[3].id, first[3].version, status="flagged"), author="Ben"
    )
    assert saved.version == first[3].version + 1
    engine.dispose()


def test_a_fresh_store_gets_the_same_schema_as_an_upgraded_old_one(tmp_path: Path) -> None:
    old = create_engine_for(f"sqlite:///{_old_store(tmp_path)}")
    fresh = create_engine_for(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate(old)
    assert migrate(fresh) == available()
    assert _schema(fresh) == _schema(old)
    old.dispose()
    fresh.dispose()


def test_the_revisions_build_what_the_table_definitions_describe(any_db_url: str) -> None:
    """Autogenerate finds nothing to do: the queries' tables are the revisions' tables."""
    engine = create_engine_for(any_db_url)
    migrate(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": _not_the_search_index}
        )
        assert compare_metadata(context, tables.metadata) == []
    engine.dispose()


@pytest.mark.parametrize("had", [3, 6, len(available())])
def test_a_partly_migrated_store_from_before_alembic_gets_the_rest(any_db_url: str, had: int):
    """A store whose old runner had applied the first ``had`` migrations (all of them: a store
    made by main's code just before the move, review drafts included), on either backend."""
    engine = create_engine_for(any_db_url)
    names = available()
    migrate(engine, upto=names[had - 1])
    rows = [ex_row(i) for i in range(12)]
    summary = datasets.import_examples(engine, name="old", schema="completion", rows=rows)
    # Make it what the old code left: its own record of migrations, no Alembic version.
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {VERSION_TABLE}"))
        conn.execute(
            sa.text(
                f"CREATE TABLE {LEGACY_TABLE} (id VARCHAR(200) PRIMARY KEY, applied_at TIMESTAMP)"
            )
        )
        for name in names[:had]:
            conn.execute(
                sa.text(f"INSERT INTO {LEGACY_TABLE} VALUES (:id, CURRENT_TIMESTAMP)"), {"id": name}
            )
    assert migrate(engine) == names[had:]
    with engine.connect() as conn:
        assert current(conn) == names[-1]
        assert datasets.get_dataset(conn, summary.dataset_id).n_examples == 12
        assert conn.execute(sa.text(f"SELECT count(*) FROM {LEGACY_TABLE}")).scalar_one() == had
    engine.dispose()


def ex_row(i: int) -> Any:
    from lib.core.examples import Example

    return Example({"prompt": f"p{i}", "completion": " yes" if i % 2 else " no"}, i + 1)


def test_every_migration_is_an_alembic_revision() -> None:
    """A module written the old way (``lib/core/migrations/mNNNN_*.py``) would never run."""
    stray = sorted(p.name for p in MIGRATIONS_DIR.glob("m[0-9]*.py"))
    assert stray == [], "move them to versions/ as Alembic revisions (see README.md there)"
    revisions = sorted(p.stem for p in (MIGRATIONS_DIR / "versions").glob("m[0-9]*.py"))
    assert revisions == sorted(available())  # every file is on the one chain
