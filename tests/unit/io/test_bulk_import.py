"""Large imports: a bad line past the first batch writes nothing and names its line; the text
search finds a large import's rows once its background indexing is done (and scans meanwhile);
the bulk transaction's connection settings do not outlive it."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from lib.core import search
from lib.core.db import begin_bulk
from lib.core.errors import ReadError
from lib.core.example_store import iter_examples
from lib.core.tables import datasets, examples
from lib.datasets import importing
from lib.datasets.io import import_file
from lib.review import query
from lib.review.query import Filters


def _write_jsonl(path: Path, n: int) -> list[str]:
    lines = [
        json.dumps(
            {
                "prompt": f"Review {i}: kettle {'wombat' if i % 7 == 0 else 'fine'}\n\n###\n\n",
                "completion": f" {i % 3}",
            }
        )
        for i in range(n)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


def _counts(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        n_datasets = conn.execute(sa.select(sa.func.count()).select_from(datasets)).scalar_one()
        n_examples = conn.execute(sa.select(sa.func.count()).select_from(examples)).scalar_one()
    return n_datasets, n_examples


def _join_indexing() -> None:
    for thread in threading.enumerate():
        if thread.name.startswith("tunelab-search-index-"):
            thread.join(timeout=60)


def _found(engine: sa.Engine, dataset_id: int, text: str) -> list[int]:
    with engine.connect() as conn:
        rows = query.page(conn, dataset_id, Filters(text=text), limit=500)
        return [row.position for row in rows]


@pytest.mark.parametrize("bad", ["[1, 2]", '{"prompt": "cut off'])
def test_a_bad_line_past_the_first_batch_names_its_line_and_writes_nothing(
    any_db: sa.Engine, tmp_path: Path, bad: str
) -> None:
    lines = _write_jsonl(tmp_path / "ok.jsonl", 45_000)
    lines[30_000] = bad  # line 30,001: read by the second thread, after 20,000 rows were written
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ReadError) as error:
        import_file(any_db, path, file_name=path.name)
    assert error.value.line == 30_001
    assert "line 30001" in str(error.value)
    assert _counts(any_db) == (0, 0)
    if any_db.dialect.name == "sqlite":
        with any_db.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM search_datasets").scalar() == 0
            assert conn.exec_driver_sql("SELECT count(*) FROM examples_fts").scalar() == 0
    # The store takes the same file, corrected, afterwards.
    lines[30_000] = json.dumps({"prompt": "mended", "completion": " 0"})
    path.write_text("\n".join(lines), encoding="utf-8")
    assert import_file(any_db, path, file_name=path.name).n_examples == 45_000


def test_search_finds_a_large_imports_rows_once_indexed_and_scans_before(
    any_db: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Large" scaled down: past 50 rows the index is built after the import, 40 rows a chunk.
    monkeypatch.setattr(importing, "SEARCH_INDEX_IN_IMPORT_ROWS", 50)
    monkeypatch.setattr(search, "CHUNK_ROWS", 40)
    path = tmp_path / "reviews.jsonl"
    _write_jsonl(path, 300)
    wombats = [i + 1 for i in range(300) if i % 7 == 0]
    summary = import_file(any_db, path, file_name=path.name)
    # Whether or not the background indexing has finished, the search finds the same rows.
    assert _found(any_db, summary.dataset_id, "wombat") == wombats
    _join_indexing()
    with any_db.connect() as conn:
        assert search.is_indexed(conn, summary.dataset_id)
        if any_db.dialect.name == "sqlite":
            served = str(search.text_condition(conn, summary.dataset_id, "wombat"))
            assert "examples_fts" in served  # served by the index now, not a scan
            n_indexed = conn.exec_driver_sql("SELECT count(*) FROM examples_fts").scalar()
            assert n_indexed is not None
            conn.exec_driver_sql(
                "INSERT INTO examples_fts(examples_fts) VALUES ('integrity-check')"
            )
    assert _found(any_db, summary.dataset_id, "wombat") == wombats
    assert _found(any_db, summary.dataset_id, "Review 14:") == [15]
    assert _found(any_db, summary.dataset_id, "no such text") == []


def test_the_bulk_transaction_leaves_its_connection_as_it_found_it(db: sa.Engine) -> None:
    def settings() -> tuple[int, int]:
        with db.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            return (
                raw.execute("PRAGMA cache_size").fetchone()[0],
                raw.execute("PRAGMA wal_autocheckpoint").fetchone()[0],
            )

    before = settings()
    with pytest.raises(RuntimeError), begin_bulk(db) as conn:
        conn.execute(sa.text("CREATE TABLE scratch (x INTEGER)"))
        raise RuntimeError("stop")
    assert settings() == before
    with db.connect() as conn:  # rolled back: nothing written
        found = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE name = 'scratch'")
        assert found.first() is None
    with begin_bulk(db) as conn:
        conn.execute(sa.text("CREATE TABLE scratch (x INTEGER)"))
    assert settings() == before


def test_the_search_insert_trigger_is_back_after_an_import_and_after_a_failed_one(
    db: sa.Engine, tmp_path: Path
) -> None:
    def trigger_sql() -> str | None:
        with db.connect() as conn:
            return conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                (search.INSERT_TRIGGER,),
            ).scalar()

    before = trigger_sql()
    assert before is not None
    path = tmp_path / "reviews.jsonl"
    lines = _write_jsonl(path, 30)
    summary = import_file(db, path, file_name=path.name)  # small: indexed in its transaction
    assert trigger_sql() == before
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join([*lines, "[]"]), encoding="utf-8")
    with pytest.raises(ReadError):
        import_file(db, broken, file_name=broken.name)
    assert trigger_sql() == before
    # The trigger works: a row added to the indexed dataset later is found through the index.
    with db.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO examples (dataset_id, position, data, prompt, completion, n_chars, "
            "status, version, deleted, created_at, updated_at) VALUES (?, 31, '{}', "
            "'a late numbat', '', 13, 'unreviewed', 1, 0, '2026-01-01', '2026-01-01')",
            (summary.dataset_id,),
        )
        assert "examples_fts" in str(search.text_condition(conn, summary.dataset_id, "numbat"))
    assert _found(db, summary.dataset_id, "numbat") == [31]


def test_every_row_of_a_multi_statement_import_reads_back_whole(
    any_db: sa.Engine, tmp_path: Path
) -> None:
    # 2,345 rows: two 1,000-row statements and 345 one-row ones on SQLite.
    path = tmp_path / "reviews.jsonl"
    lines = _write_jsonl(path, 2_345)
    summary = import_file(any_db, path, file_name=path.name)
    rows = list(iter_examples(any_db, summary.dataset_id))
    assert [row.position for row in rows] == list(range(1, 2_346))
    assert [row.source_row for row in rows] == list(range(1, 2_346))
    assert [row.data for row in rows] == [json.loads(line) for line in lines]
    assert {(row.status, row.version, row.deleted, row.comment) for row in rows} == {
        ("unreviewed", 1, False, None)
    }
    assert len({row.updated_at for row in rows}) == 1
    assert rows[5].label == "2" and rows[5].completion == " 2"
