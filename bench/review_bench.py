"""Review workspace benchmark: a 200,000-example dataset, first load, page change and one save.

Prints server-side times for the lib calls the review page makes and for an AppTest run of the
page itself, next to a naive reference that loads the whole dataset into pandas (what a page
that "just shows a DataFrame" would do). Run: ``python bench/review_bench.py [--rows N]``.

The text search rows compare the indexed search (``lib.core.search``) with the plain scan it
replaced, on SQLite and on PostgreSQL (``--pg-url``, default ``TUNELAB_TEST_PG_URL``; a
scratch database is made and dropped). ``--search-only`` runs just those.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

LABELS = (" 1", " 2", " 3", " 4", " 5")
WORDS = [
    "the",
    "kettle",
    "boils",
    "fast",
    "but",
    "the",
    "lid",
    "sticks",
    "and",
    "the",
    "handle",
    "gets",
    "warm",
    "after",
    "a",
    "while",
]


def _examples(n: int):
    from lib.core.examples import Example

    for i in range(n):
        words = " ".join(WORDS[(i + j) % len(WORDS)] for j in range(10 + i % 40))
        yield Example(
            data={"prompt": f"Review {i}: {words}\n\n###\n\n", "completion": LABELS[i % 5]},
            source_row=i + 1,
        )


def _time(fn: Callable[[], object], *, repeat: int = 5) -> float:
    """Median wall time in ms."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


SEARCH_AIM_MS = 100.0
# (what is searched, why): selective text, a rarer word pair, a word in most rows, no match,
# and a text absent as a whole whose every word is in most rows: only trigrams that span its
# two words (the indexes hold the text without spaces) tell that no row holds it.
SEARCHES = (
    ("Review 19999", "11 rows"),
    ("Review 5", "11,111 rows, 1 in 18: the index's candidates are rechecked"),
    ("lid sticks and the handle", "phrase in many rows"),
    ("kettle", "word in every row"),
    ("teapot", "no row"),
    ("kettle kettle", "no row, every word in most rows"),
)


def _cpu_time(fn: Callable[[], object], *, repeat: int = 5) -> tuple[float, float]:
    """Median wall ms and median CPU ms (this process) of ``fn``."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append((time.perf_counter() - w) * 1000)
        cpus.append((time.process_time() - c) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def _server_cpu_ms(engine) -> Callable[[], float] | None:  # noqa: ANN001 - an Engine
    """A reader of the CPU ms PostgreSQL's backends for this bench's database have used (from
    /proc, same machine; parallel workers come and go and are not included); None elsewhere."""
    if engine.dialect.name != "postgresql":
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        with engine.connect() as conn:
            pids = conn.exec_driver_sql(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            ).scalars()
            total = 0.0
            for pid in pids:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                total += (int(fields[11]) + int(fields[12])) * 1000 / tick  # utime + stime
            return total

    return read


def search_rows(engine, dataset_id: int, backend: str) -> None:  # noqa: ANN001 - an Engine
    """What the review table does for a search (``service.page``: matches counted to a bound
    past the page, and the first page of 50) against the plain scan with its exact count."""
    import sqlalchemy as sa

    from lib.core import search
    from lib.core.example_store import Change, get_example, update_example
    from lib.core.tables import examples
    from lib.review import query, service
    from lib.review.query import Filters

    # A large import indexes (SQLite) or refreshes the planner's statistics (PostgreSQL) in
    # the background: wait for it here and say how long it took.
    w, c = time.perf_counter(), time.process_time()
    for thread in threading.enumerate():
        if thread.name == f"tunelab-search-index-{dataset_id}":
            thread.join()
    search.index_dataset(engine, dataset_id)
    print(
        f"\nsearch index / statistics on {backend} completed {time.perf_counter() - w:.1f} s "
        f"({time.process_time() - c:.1f} s CPU here) after the import returned"
    )

    def indexed(text: str) -> service.Page:
        return service.page(engine, dataset_id, Filters(text=text), offset=0, limit=50, actor=None)

    def scanned(text: str) -> tuple[int, list[int]]:
        with engine.connect() as conn:
            where = [
                examples.c.dataset_id == dataset_id,
                examples.c.deleted.is_(False),
                search.scan_condition(conn, text),
            ]
            n = conn.execute(sa.select(sa.func.count()).select_from(examples).where(*where))
            page = sa.select(examples.c.id).where(*where).order_by(examples.c.position).limit(50)
            ids = list(conn.execute(page).scalars())
            return int(n.scalar_one()), ids

    server = _server_cpu_ms(engine)
    cpu_side = "the server's backend, without parallel workers" if server else "this process"
    print(
        f"text search on {backend}: shown count + first page of 50 (median of 5; CPU = "
        f"{cpu_side}); the scan counts exactly"
    )
    print(
        f"  {'text':28} {'rows':>7} {'shown':>17} {'scan ms':>8} {'CPU':>5}"
        f" {'index ms':>9} {'CPU':>5} {'×':>6}"
    )

    def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
        if server is None:
            return _cpu_time(fn, repeat=repeat)
        before = server()
        ms, _ = _cpu_time(fn, repeat=repeat)
        return ms, (server() - before) / repeat

    # Each timed search is a new one: the index-or-scan decision is taken every time, not
    # remembered from the previous call (that only happens while stepping through matches).
    remembered_for = search.DECISION_SECONDS
    search.DECISION_SECONDS = 0.0
    for text, _why in SEARCHES:
        got, (n, first) = indexed(text), scanned(text)
        # The same rows as the scan, and a count that is exact or says "more than" truly.
        assert [row.id for row in got.rows] == first, text
        assert got.total.n == n if got.total.exact else got.total.n < n, text
        scan_ms, scan_cpu = timed(functools.partial(scanned, text), 3)
        ix_ms, ix_cpu = timed(functools.partial(indexed, text), 5)
        verdict = "met" if ix_ms < SEARCH_AIM_MS else "not met"
        print(
            f"  {text!r:28} {n:>7,} {str(got.total):>17} {scan_ms:8.1f} {scan_cpu:5.0f}"
            f" {ix_ms:9.1f} {ix_cpu:5.0f} {scan_ms / ix_ms:6.1f}  < {SEARCH_AIM_MS:.0f} ms: {verdict}"
        )
    with engine.connect() as conn:
        middle = query.count(conn, dataset_id, Filters()) // 2
        target = query.page(conn, dataset_id, Filters(), offset=middle, limit=1)[0]
    data = dict(target.data, prompt="a quokka in the kettle\n\n###\n\n")

    def edit_then_search() -> None:
        with engine.connect() as conn:
            row = get_example(conn, target.id)
        update_example(engine, Change(target.id, row.version, data=data), author="bench")
        assert indexed("quokka").total == query.Count(1)

    ms, cpu = _cpu_time(edit_then_search)
    print(f"  edit one example, then search for its new text: {ms:.1f} ms ({cpu:.0f} ms CPU)")
    search.DECISION_SECONDS = remembered_for
    phrase = "lid sticks and the handle"
    shown = indexed(phrase).rows[10]

    def step() -> None:  # the focus view's next and previous match, as the buttons ask
        service.next_example(
            engine, dataset_id, Filters(text=phrase), after=shown, seen=(shown.id,), actor=None
        )
        service.previous_example(engine, dataset_id, Filters(text=phrase), before=shown, actor=None)

    ms, cpu = timed(step, 5)
    print(f"  focus view, next + previous match of {phrase!r}: {ms:.1f} ms ({cpu:.0f} ms CPU)")


def _search_on_postgresql(url: str, rows: int) -> None:
    import uuid

    import sqlalchemy as sa

    from lib.core.db import create_engine_for
    from lib.core.migrations import migrate
    from lib.datasets.repo import import_examples

    name = f"tunelab_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = create_engine_for(url.rsplit("/", 1)[0] + f"/{name}")
    try:
        migrate(engine)
        start = time.perf_counter()
        ds = import_examples(engine, name="bench", schema="completion", rows=_examples(rows))
        print(f"\nPostgreSQL: imported {ds.n_examples:,} in {time.perf_counter() - start:.1f} s")
        search_rows(engine, ds.dataset_id, "PostgreSQL (pg_trgm)")
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--pg-url", default=os.environ.get("TUNELAB_TEST_PG_URL", ""))
    parser.add_argument("--search-only", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tunelab-review-bench-"))
    os.environ["TUNELAB_DATA_DIR"] = str(folder)
    os.environ["TUNELAB_NO_SAMPLES"] = "1"
    os.environ.pop("DATABASE_URL", None)

    import pandas as pd
    import sqlalchemy as sa

    from lib.core.db import get_engine
    from lib.core.example_store import Change, get_example, update_example
    from lib.datasets.repo import get_dataset, import_examples, list_datasets
    from lib.review import query
    from lib.review.query import Filters

    engine = get_engine()
    start = time.perf_counter()
    ds = import_examples(engine, name="bench", schema="completion", rows=_examples(args.rows))
    print(f"imported {ds.n_examples:,} examples in {time.perf_counter() - start:.1f} s\n")
    dataset_id = ds.dataset_id
    middle = args.rows // 2
    search_rows(engine, dataset_id, "SQLite (FTS5 trigram)")
    if args.pg_url:
        _search_on_postgresql(args.pg_url, args.rows)
    else:
        print("\nPostgreSQL: no --pg-url / TUNELAB_TEST_PG_URL; its search row is skipped")
    if args.search_only:
        return
    print()

    everything = Filters()

    def first_load(filters: Filters = everything, offset: int = 0) -> None:
        with engine.connect() as conn:
            list_datasets(conn)
            get_dataset(conn, dataset_id)
            query.status_counts(conn, dataset_id)
            query.count(conn, dataset_id, filters)
            query.page(conn, dataset_id, filters, offset=offset, limit=50)

    def filtered(filters: Filters) -> None:
        with engine.connect() as conn:  # as the table: counted past the page, exact sans text
            query.bounded_count(conn, dataset_id, filters, past=50)
            query.page(conn, dataset_id, filters, offset=0, limit=50)

    def page_change(filters: Filters = everything, offset: int = middle) -> None:
        with engine.connect() as conn:
            query.page(conn, dataset_id, filters, offset=offset, limit=50)

    counter = iter(range(10**9))

    def save_one() -> None:
        example_id = 1 + next(counter) % 1000
        with engine.connect() as conn:
            row = get_example(conn, example_id)
        update_example(
            engine,
            Change(example_id, row.version, comment=f"bench {row.version}"),
            author="bench",
        )

    def naive_load() -> pd.DataFrame:
        with engine.connect() as conn:
            return pd.read_sql(
                sa.text("SELECT * FROM examples WHERE dataset_id = :d AND deleted = 0"),
                conn,
                params={"d": dataset_id},
            )

    def naive_page_change() -> None:
        frame = naive_load()
        frame.sort_values("position").iloc[middle : middle + 50]

    rows = [
        ("first load (datasets, counts, page 1)", lambda: first_load(), None),
        ("page change (page 2,001 of 4,000)", lambda: page_change(), None),
        ("last page", lambda: page_change(offset=args.rows - 50), None),
        ("filter label '3': count + page", lambda: filtered(Filters(labels=("3",))), None),
        ("filter status: count + page", lambda: filtered(Filters(statuses=("approved",))), None),
        (
            "length 100-200: count + page",
            lambda: filtered(Filters(min_chars=100, max_chars=200)),
            None,
        ),
        ("text search: count + page", lambda: filtered(Filters(text="Review 19999")), None),
        (
            "sort longest first, middle page",
            lambda: page_change(Filters(sort="longest first")),
            None,
        ),
        ("save one edit (update_example)", save_one, None),
        ("naive: whole dataset into pandas", naive_load, "reference"),
        ("naive: page change = reload + slice", naive_page_change, "reference"),
    ]
    print(f"{'lib call (server side)':44} {'median ms':>10}")
    for name, fn, _ in rows:
        repeat = 3 if name.startswith("naive") else 7
        print(f"{name:44} {_time(fn, repeat=repeat):10.1f}")

    print("\nAppTest run of pages/review.py (server side)")
    import streamlit as st
    import streamlit.runtime.scriptrunner.script_runner as script_runner
    from streamlit.testing.v1 import AppTest

    # Time the page script itself too (AppTest adds its own session set-up around it).
    script_ms: list[float] = []
    original = script_runner.ScriptRunner._run_script

    def timed(self, *a, **k):  # noqa: ANN001, ANN002, ANN003 - a pass-through wrapper
        t0 = time.perf_counter()
        try:
            return original(self, *a, **k)
        finally:
            script_ms.append((time.perf_counter() - t0) * 1000)

    script_runner.ScriptRunner._run_script = timed
    page = str(REPO / "pages" / "review.py")

    def new_session() -> AppTest:
        at = AppTest.from_file(page, default_timeout=120)
        at.session_state["reviewer_name"] = "bench"
        at.session_state["selected_dataset_id"] = dataset_id
        return at

    def run(action: Callable[[], object]) -> tuple[float, float]:
        """(AppTest run ms, page script ms) of one rerun (a save reruns twice: both count)."""
        script_ms.clear()
        t0 = time.perf_counter()
        action()
        return (time.perf_counter() - t0) * 1000, sum(script_ms)

    process_start = run(lambda: new_session().run())  # imports streamlit, pandas, the page
    st.cache_data.clear()
    at = new_session()
    cold = run(at.run)
    assert not at.exception, at.exception
    warm = run(at.run)
    changes = [
        run(lambda n=n: at.number_input(key="review_page").set_value(n).run())
        for n in (2_001, 3_999, 17)
    ]
    nonce = at.session_state["review_table_nonce"]
    at.session_state[f"review_table_{nonce}"] = {
        "edited_rows": {0: {"comment": "bench edit"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    save_run = run(at.run)
    assert not at.exception, at.exception
    print(f"{'':44} {'AppTest ms':>10} {'script ms':>10}")
    for name, (total, script) in (
        ("first run in a new process (imports)", process_start),
        ("first load, new session, cold data caches", cold),
        ("rerun (warm caches)", warm),
        ("page change (median of 3)", sorted(changes)[1]),
        ("save one table edit (save + rerun)", save_run),
    ):
        print(f"{name:44} {total:10.1f} {script:10.1f}")


if __name__ == "__main__":
    try:
        main()
    finally:
        # The 200,000-row store is ~130 MB: do not leave one behind per run.
        from lib.core.db import dispose_all

        dispose_all()
        folder = os.environ.get("TUNELAB_DATA_DIR", "")
        if Path(folder).name.startswith("tunelab-review-bench-"):
            shutil.rmtree(folder, ignore_errors=True)
