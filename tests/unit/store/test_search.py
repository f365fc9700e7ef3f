"""Text search from the index: the same rows as a plain substring scan, on every backend,
and in step with edits inside the writing transaction."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from lib.core import search
from lib.core.example_store import Change, get_example, update_example
from lib.core.examples import Example
from lib.core.tables import examples
from lib.datasets.repo import delete_dataset, import_examples
from lib.review import query
from lib.review.query import Filters

TEXTS = [
    "Review 7:",  # spans words and punctuation
    "review 7:",  # other case
    "REFUND",
    "50%",  # LIKE wildcards are literal text
    "a_b",
    "crème",  # non-ASCII
    "Crème",
    'say "hi"',  # quotes inside an FTS query
    "prompt",  # matches the stored JSON's key (every row) — as the scan does
    "ok",  # too short for trigrams: scanned
    "zzzz never",
    "\\n",
]


def _examples(n: int):
    for i in range(n):
        extra = ["refund please", "50% off", "a_b c", "crème brûlée", 'say "hi" now', "okay"]
        yield Example(
            data={
                "prompt": f"Review {i}: {extra[i % len(extra)]} #{i}\n\n###\n\n",
                "completion": " yes" if i % 2 else " no",
            },
            source_row=i + 1,
        )


def _make(engine: sa.Engine, n: int = 60, name: str = "s") -> int:
    return import_examples(engine, name=name, schema="completion", rows=_examples(n)).dataset_id


def _found(engine: sa.Engine, dataset_id: int, text: str) -> list[int]:
    with engine.connect() as conn:
        return [row.id for row in query.page(conn, dataset_id, Filters(text=text), limit=500)]


def _scanned(engine: sa.Engine, dataset_id: int, text: str) -> list[int]:
    """The plain scan: every row of the dataset tested with LIKE/ILIKE, no index involved."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(examples.c.id)
            .where(
                examples.c.dataset_id == dataset_id,
                examples.c.deleted.is_(False),
                search.scan_condition(conn, text),
            )
            .order_by(examples.c.position)
        )
        return list(rows.scalars())


def test_search_finds_what_a_plain_scan_finds(any_db):
    ds = _make(any_db)
    _make(any_db, name="other")  # rows of another dataset never leak in
    for text in TEXTS:
        assert _found(any_db, ds, text) == _scanned(any_db, ds, text), text
    assert len(_found(any_db, ds, "Review 7:")) == 1
    assert len(_found(any_db, ds, "refund")) == 10
    assert len(_found(any_db, ds, "zzzz never")) == 0


def test_edits_are_searchable_in_their_transaction_and_after(any_db):
    ds = _make(any_db)
    with any_db.connect() as conn:
        target = query.page(conn, ds, Filters(text="Review 3:"), limit=5)[0]
    assert _found(any_db, ds, "quokka") == []
    # An edit inside an open transaction: that transaction sees it, a reader elsewhere not yet.
    with any_db.begin() as conn:
        conn.execute(
            examples.update()
            .where(examples.c.id == target.id)
            .values(prompt="a quokka smiles", data='{"prompt":"a quokka smiles"}')
        )
        inside = [r.id for r in query.page(conn, ds, Filters(text="QUOKKA"), limit=5)]
        assert inside == [target.id]
        assert _found(any_db, ds, "quokka") == []
        conn.rollback()
    assert _found(any_db, ds, "quokka") == []
    # Through the example store: visible at once, and the old text is gone.
    current = get_example(any_db.connect(), target.id)
    data = {"prompt": "the quokka returns\n\n###\n\n", "completion": " yes"}
    update_example(any_db, Change(target.id, current.version, data=data), author="Ana")
    assert _found(any_db, ds, "quokka") == [target.id]
    assert _found(any_db, ds, "Review 3:") == _scanned(any_db, ds, "Review 3:") == []
    for text in TEXTS:
        assert _found(any_db, ds, text) == _scanned(any_db, ds, text), text


def test_deleted_datasets_leave_the_index_consistent(any_db):
    gone = _make(any_db, name="gone")
    kept = _make(any_db, name="kept")
    delete_dataset(any_db, gone)
    assert _found(any_db, kept, "refund") == _scanned(any_db, kept, "refund")
    again = _make(any_db, name="again")
    assert _found(any_db, again, "Review 5:") == _scanned(any_db, again, "Review 5:")
    if any_db.dialect.name == "sqlite":
        with any_db.begin() as conn:
            # FTS5's own check that the index matches the examples it was built from.
            conn.exec_driver_sql(
                "INSERT INTO examples_fts(examples_fts) VALUES ('integrity-check')"
            )
            indexed = conn.exec_driver_sql("SELECT dataset_id FROM search_datasets").scalars()
            assert sorted(indexed) == sorted([kept, again])


def test_the_search_is_served_by_the_index(any_db):
    ds = _make(any_db)
    with any_db.connect() as conn:
        where = [examples.c.dataset_id == ds, search.text_condition(conn, ds, "refund")]
        stmt = sa.select(sa.func.count()).select_from(examples).where(*where)
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        if any_db.dialect.name == "sqlite":
            assert search.is_indexed(conn, ds)
            plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
            assert "examples_fts" in plan and "VIRTUAL TABLE" in plan
        else:
            # A 60-row table would be read whole: ask for the plan of the text match alone.
            conn.exec_driver_sql("SET enable_seqscan = off")
            stmt = sa.select(sa.func.count()).select_from(examples).where(where[1])
            sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = " ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
            assert "_trgm" in plan


def test_an_unindexed_dataset_is_scanned_until_indexed(db):
    ds = _make(db)
    with db.begin() as conn:  # as a database from before the index existed
        conn.exec_driver_sql("DELETE FROM search_datasets")
        conn.exec_driver_sql("INSERT INTO examples_fts(examples_fts) VALUES ('delete-all')")
    assert _found(db, ds, "refund") == _scanned(db, ds, "refund")
    search.index_dataset(db, ds)  # the search above may have started it already: both is fine
    with db.connect() as conn:
        assert search.is_indexed(conn, ds)
    assert _found(db, ds, "refund") == _scanned(db, ds, "refund")


def test_a_large_dataset_is_indexed_in_chunks_and_kept_in_step_meanwhile(db, monkeypatch):
    monkeypatch.setattr(search, "CHUNK_ROWS", 7)
    ds = _make(db, n=30)
    with db.begin() as conn:  # start over, as for a dataset too large to index in its import
        conn.exec_driver_sql("DELETE FROM search_datasets")
        conn.exec_driver_sql("INSERT INTO examples_fts(examples_fts) VALUES ('delete-all')")
        search._index_chunk(conn, ds, rows=7)  # the first chunk only
        assert not search.is_indexed(conn, ds)
    with db.connect() as conn:
        rows = query.page(conn, ds, Filters(), limit=30)
    # Edit one row inside the indexed part and one beyond it, then finish the indexing.
    for row in (rows[2], rows[20]):
        data = {"prompt": f"edited {row.id} wombat", "completion": " yes"}
        update_example(db, Change(row.id, row.version, data=data), author="Ana")
    search.index_dataset(db, ds)
    with db.connect() as conn:
        assert search.is_indexed(conn, ds)
    assert _found(db, ds, "wombat") == _scanned(db, ds, "wombat") == [rows[2].id, rows[20].id]
    assert _found(db, ds, "Review 2:") == _scanned(db, ds, "Review 2:") == []
    with db.begin() as conn:
        conn.exec_driver_sql("INSERT INTO examples_fts(examples_fts) VALUES ('integrity-check')")


def test_text_in_most_rows_is_scanned_with_the_same_result(any_db, monkeypatch):
    """SQLite counts the index's candidates; PostgreSQL asks its planner's estimate (from the
    statistics a large import refreshes) and, for text in many rows, leaves out the joined
    text that only the index needs."""
    ds = _make(any_db)
    monkeypatch.setattr(search, "MAX_INDEX_CANDIDATES", 15)
    if any_db.dialect.name == "postgresql":
        with any_db.begin() as conn:
            conn.exec_driver_sql("ANALYZE examples")
    marker = "examples_fts" if any_db.dialect.name == "sqlite" else "replace(prompt"
    with any_db.connect() as conn:
        broad = str(search.text_condition(conn, ds, "Review"))
        narrow = str(search.text_condition(conn, ds, "Review 7:"))
    assert marker not in broad and marker in narrow
    for text in ("Review", "refund", "Review 7:", "50%"):
        assert _found(any_db, ds, text) == _scanned(any_db, ds, text), text
    # The decision is kept a while (it changes the speed, never the rows), then taken again.
    monkeypatch.setattr(search, "MAX_INDEX_CANDIDATES", 10**6)
    with any_db.connect() as conn:
        assert marker not in str(search.text_condition(conn, ds, "Review"))
        monkeypatch.setattr(search, "DECISION_SECONDS", 0.0)
        assert marker in str(search.text_condition(conn, ds, "Review"))
    assert _found(any_db, ds, "Review") == _scanned(any_db, ds, "Review")


def test_screens_count_matches_to_a_bound_past_what_they_show(any_db, monkeypatch):
    from lib.review import service

    monkeypatch.setattr(query, "COUNT_STEP", 20)
    ds = _make(any_db)  # "Review" is in all 60 rows, "refund" in 10
    _make(any_db, name="other")
    broad, narrow = Filters(text="Review"), Filters(text="refund")
    with any_db.connect() as conn:
        assert query.count(conn, ds, broad) == 60
        # Below the bound the count is exact; above it, it says "more than" the bound.
        assert query.bounded_count(conn, ds, narrow) == query.Count(10, exact=True)
        assert query.bounded_count(conn, ds, broad) == query.Count(20, exact=False)
        assert str(query.bounded_count(conn, ds, broad)) == "more than 20"
        assert query.bounded_count(conn, ds, broad, past=39) == query.Count(40, exact=False)
        assert query.bounded_count(conn, ds, broad, past=40) == query.Count(60, exact=True)
        assert str(query.bounded_count(conn, ds, broad, past=40)) == "60"
        # Filters that need no row's text are counted from indexes, exactly.
        assert query.bounded_count(conn, ds, Filters()) == query.Count(60, exact=True)
    # A page counts past its own end, so the pager always reaches the next page; walking on
    # reaches the exact count and every match, each once.
    seen: list[int] = []
    offset, totals = 0, []
    while True:
        page = service.page(any_db, ds, broad, offset=offset, limit=25, actor=None)
        totals.append(page.total)
        if not page.rows:
            break
        assert offset + len(page.rows) <= page.total.n
        seen += [row.id for row in page.rows]
        offset += len(page.rows)
    assert totals[0] == query.Count(40, exact=False)
    assert totals[-1] == query.Count(60, exact=True)
    assert seen == _scanned(any_db, ds, "Review")
    # The focus view counts past the examples this pass has seen.
    view = service.focus(any_db, ds, broad, example_id=None, actor=None)
    assert view.matching == query.Count(20, exact=False)
    view = service.focus(any_db, ds, broad, example_id=None, seen=seen[:45], actor=None)
    assert view.matching == query.Count(60, exact=True)
    assert service.focus(any_db, ds, narrow, example_id=None, actor=None).matching.n == 10


def _wait_for_background(dataset_id: int) -> None:
    for thread in threading.enumerate():
        if thread.name == f"tunelab-search-index-{dataset_id}":
            thread.join(timeout=60)


def test_a_large_import_leaves_the_search_ready_in_the_background(any_db, monkeypatch):
    """SQLite indexes the rows; PostgreSQL (which indexes as it writes) gets planner
    statistics for the joined text, without which it fetches every row of a common word."""
    from lib.datasets import importing

    monkeypatch.setattr(importing, "SEARCH_INDEX_IN_IMPORT_ROWS", 10)
    ds = _make(any_db, n=60)
    _wait_for_background(ds)
    with any_db.connect() as conn:
        assert search.is_indexed(conn, ds)
        if any_db.dialect.name == "postgresql":
            described = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stats WHERE tablename = 'ix_examples_text_trgm'"
            ).scalar()
            assert described == 1  # the index's expression: the joined text
    assert _found(any_db, ds, "refund") == _scanned(any_db, ds, "refund")


def test_a_short_page_is_counted_from_its_own_rows(any_db, monkeypatch):
    """A page shorter than asked for ends the matches: its count is exact and the same as the
    bounded count's, without reading the rows a second time (a text in no row, which no
    index narrows, is read once)."""
    from lib.review import service

    ds = _make(any_db)  # "refund" in 10 of 60 rows, "Review" in all
    _make(any_db, name="other")
    counted: list[Filters] = []
    bounded_count = query.bounded_count

    def spy(conn, dataset_id, filters, *, past=0):  # noqa: ANN001, ANN202 - a pass-through
        counted.append(filters)
        return bounded_count(conn, dataset_id, filters, past=past)

    monkeypatch.setattr(query, "bounded_count", spy)
    cases = [
        ("refund", 0, 25, 10),  # fewer matches than the page holds
        ("zzzz never", 0, 25, 0),  # no match at all
        ("Review", 50, 25, 60),  # the last, partial page
    ]
    for text, offset, limit, total in cases:
        got = service.page(any_db, ds, Filters(text=text), offset=offset, limit=limit, actor=None)
        assert got.total == query.Count(total, exact=True), text
        assert [row.id for row in got.rows] == _scanned(any_db, ds, text)[offset : offset + limit]
        with any_db.connect() as conn:
            assert got.total == bounded_count(conn, ds, Filters(text=text), past=offset + limit)
    assert counted == []
    # A full page, or an empty one past the end, says nothing of the rest: it is counted.
    full = service.page(any_db, ds, Filters(text="Review"), offset=0, limit=25, actor=None)
    past_end = service.page(any_db, ds, Filters(text="refund"), offset=40, limit=25, actor=None)
    assert (full.total, past_end.total) == (query.Count(60, exact=True), query.Count(10))
    assert counted == [Filters(text="Review"), Filters(text="refund")]


def _phrase_examples(n: int):
    """Rows in which every word of "kettle kettle" is common and the phrase itself is rare."""
    for i in range(n):
        prompt = f"Note {i}: the kettle boils and the kettle sings\n\n###\n\n"
        if i == 7:
            prompt = f"Note {i}: my teakettle kettle whistles\n\n###\n\n"
        yield Example(data={"prompt": prompt, "completion": " ok"}, source_row=i + 1)


def test_a_rare_phrase_of_common_words_is_narrowed_by_the_index(any_db):
    """Words in every row, a phrase in one: the index offers that row alone (PostgreSQL's
    trigrams span the words once spaces are removed), and the rows are the scan's, including a
    phrase whose first word ends a longer one and text that only spans two columns."""
    ds = import_examples(
        any_db, name="phrases", schema="completion", rows=_phrase_examples(60)
    ).dataset_id
    for text in ("kettle kettle", "teakettle kettle", "e kettle w", "sings ok", "KETTLE  KETTLE"):
        assert _found(any_db, ds, text) == _scanned(any_db, ds, text), text
    assert len(_found(any_db, ds, "kettle kettle")) == 1
    assert _found(any_db, ds, "sings ok") == []  # prompt's end and completion: not one column
    with any_db.connect() as conn:
        if any_db.dialect.name == "postgresql":
            condition = search.text_condition(conn, ds, "kettle kettle")
            assert "replace(prompt" in str(condition)
            joined = sa.literal_column(f"({search._PG_TEXT})", sa.Text)
            offered = conn.execute(
                sa.select(sa.func.count())
                .select_from(examples)
                .where(examples.c.dataset_id == ds, joined.ilike("%kettlekettle%"))
            ).scalar()
        else:
            offered = conn.exec_driver_sql(
                "SELECT count(*) FROM examples_fts WHERE examples_fts MATCH ?",
                (search._trigram_query("kettlekettle"),),
            ).scalar()
    assert offered == 1  # the index offers the one row that holds the phrase


def test_the_index_is_rebuilt_either_way_between_revisions(any_db):
    """Down to the revision before and up again: the index consistent at each step (FTS5's own
    check on SQLite), and searches the scan's once up again (this code searches the index
    this revision makes)."""
    from alembic import command

    from lib.core import migrations

    ds = import_examples(
        any_db, name="phrases", schema="completion", rows=_phrase_examples(40)
    ).dataset_id
    for target in ("m0700_access", "m0005_search_phrases"):
        with any_db.begin() as conn:
            config = migrations._config(conn)
            if target == "m0700_access":
                command.downgrade(config, target)
            else:
                command.upgrade(config, target)
            assert migrations.current(conn) == target
            if any_db.dialect.name == "sqlite":
                conn.exec_driver_sql(
                    "INSERT INTO examples_fts(examples_fts) VALUES ('integrity-check')"
                )
    for text in ("kettle kettle", "teakettle kettle", "Note 3:", "sings"):
        assert _found(any_db, ds, text) == _scanned(any_db, ds, text), text
    assert len(_found(any_db, ds, "kettle kettle")) == 1


def test_a_store_indexed_before_phrases_is_reindexed_on_upgrade(any_db_url):
    """A store whose index kept no word order gets the new one when it upgrades, rows kept."""
    from lib.core.db import create_engine_for
    from lib.core.migrations import migrate

    engine = create_engine_for(any_db_url)
    try:
        migrate(engine, upto="m0700_access")
        ds = import_examples(
            engine, name="phrases", schema="completion", rows=_phrase_examples(30)
        ).dataset_id
        assert migrate(engine) == ["m0005_search_phrases"]
        assert len(_found(engine, ds, "kettle kettle")) == 1
        assert _found(engine, ds, "kettle kettle") == _scanned(engine, ds, "kettle kettle")
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                definition = conn.exec_driver_sql(
                    "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_examples_text_trgm'"
                ).scalar()
                assert "replace(" in str(definition)
            else:
                definition = conn.exec_driver_sql(
                    "SELECT sql FROM sqlite_master WHERE name = 'examples_fts'"
                ).scalar()
                assert "examples_fts_text" in str(definition)  # the text without spaces
                conn.exec_driver_sql(
                    "INSERT INTO examples_fts(examples_fts) VALUES ('integrity-check')"
                )
    finally:
        engine.dispose()
