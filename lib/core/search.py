"""Text search over a dataset's examples: the substring match a reviewer types, from an index.

What a search means is fixed by the plain scan it replaces: an example matches when its prompt,
completion or stored JSON contains the text (``LIKE '%text%'`` on SQLite, which ignores ASCII
case; ``ILIKE`` on PostgreSQL). The index only narrows the rows that scan has to look at, so
results are the scan's, row for row.

Both indexes hold trigrams of the text **with its spaces removed**, and a search looks up the
trigrams of its own text without spaces. Removing spaces on both sides keeps every match a
match (the recheck decides), and it lets a trigram span two words: over the text as written,
every trigram of "kettle kettle" ("e k", " ke", ...) is in every row of a kitchen review
dataset, so the index offered all 200,000 rows and the search read them all (SQLite 91 ms,
PostgreSQL 425 ms); without spaces "lek" and "eke" are in none, and the answer takes
1-2 ms. Index sizes and build times did not change (PostgreSQL: 24 MB, 6-7 s at 200,000 rows).

- **SQLite**: an FTS5 table ``examples_fts`` with the ``trigram`` tokenizer over the three
  columns (external content: the view ``examples_fts_text`` gives them without spaces; no
  second copy of the text is stored, and ``detail=none`` halves the index's size and build
  time). A search asks it for the rows holding every trigram (a superset: the tokenizer folds
  case at least as widely as ``LIKE``), then ``LIKE`` rechecks those rows (when the index offers
  more than ``MAX_INDEX_CANDIDATES`` rows, the scan is cheaper and is used). Triggers on
  ``examples`` keep the index in step inside the writing transaction, so an edit is searchable
  the moment it commits (and not before), whatever code writes it. A dataset's rows enter the
  index once (about 20 µs of CPU a row): inside a small import's transaction, or a chunk per
  transaction in a background thread for a large one (``index_dataset``);
  ``search_datasets.upto`` records how far, so that the triggers keep exactly the indexed rows
  in step. Until a dataset is complete, and for text with fewer than three characters besides
  spaces, the search scans as before — slower, never wrong.
- **PostgreSQL**: a ``pg_trgm`` GIN index on the three columns joined without spaces serves
  ``ILIKE`` of the text without spaces, and the per-column ``ILIKE`` rechecks the rows it finds
  (pg_trgm takes its trigrams word by word, so over the text as written it kept no word order
  at all). PostgreSQL updates the index in the writing transaction. Text its planner expects
  in more than ``MAX_INDEX_CANDIDATES`` rows is matched per column only (read in order, the
  first page stops after its 50 matches). The planner's estimates need statistics that
  describe the table, so a large import ends with ``ANALYZE`` (in the background).
  Without the extension (no right to create it) the search stays a scan.

A text whose trigrams are in most rows even without spaces, but which is itself rare or absent,
still reads every row. Indexes that know positions were measured at 200,000 rows and did not
help: FTS5 with ``detail=full`` matches a phrase from the index but reads every row's positions
to do so (149 ms CPU against 61 for the scan it avoids; index 186 MB instead of 29, built in
4.6 s of CPU instead of 2.1); a PostgreSQL ``tsvector`` phrase index cannot narrow a text whose
first and last words may be parts of longer ones. The review page reads such a text once: a
page shorter than asked for is its own exact count.

References followed: SQLite's FTS5 documentation (sqlite.org/fts5.html: the trigram tokenizer,
external content tables and the triggers that keep them current, ``detail=none``), and
PostgreSQL's pg_trgm documentation (index support for ``LIKE``/``ILIKE``).

The table, triggers and indexes are made by the Alembic revisions ``m0004_search`` and
``m0005_search_phrases`` (explicit DDL, in ``lib/core/migrations/versions``); this module reads
and fills them.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.core.tables import examples

FTS_TABLE = "examples_fts"
# The rows the SQLite index holds: each text without its spaces, as the view ``examples_fts_text``
# (the index's content table) gives them; the triggers index the same (``m0005_search_phrases``).
_SPACELESS_COLUMNS = (
    "id, replace(prompt, ' ', ''), replace(completion, ' ', ''), replace(data, ' ', '')"
)
STATE_TABLE = "search_datasets"
MIN_INDEXED_CHARS = 3  # a trigram index cannot narrow shorter text
# Past this many candidate rows, fetching them by id and rechecking costs more than the scan
# (which stops at the first matching column): a word in most rows is searched by scanning.
# Measured at 200k rows: "kettle" (195k rows) 175 ms CPU from the index, 56 ms scanned.
# PostgreSQL compares its planner's estimate of the matching rows with it (1 in 18 of 200k
# rows, estimated 10k: index; 1 in 2, estimated 113k: read in order).
MAX_INDEX_CANDIDATES = 20_000
# PostgreSQL: one trigram index over the three columns joined, spaces removed (revision
# ``m0005_search_phrases``). Text found in a column is found, spaces removed, in the joined one,
# so the joined match narrows (one index, whose selectivity the planner can estimate) and the
# per-column ``ILIKE`` decides, as the scan did.
_PG_TEXT = "replace(prompt || completion || data, ' ', '')"
# A row is in the index when its dataset's indexing has passed its id (``upto``; a finished
# dataset has ``upto`` = FINISHED, so rows added later enter too).
FINISHED = 2**62


def _sqlite_ready(conn: Connection) -> bool:
    found = conn.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (STATE_TABLE,)
    ).first()
    return found is not None


def is_indexed(conn: Connection, dataset_id: int) -> bool:
    """Whether every row of the dataset is in the SQLite index (PostgreSQL: always true)."""
    if conn.dialect.name != "sqlite":
        return True
    if not _sqlite_ready(conn):
        return False
    found = conn.exec_driver_sql(
        "SELECT 1 FROM search_datasets WHERE dataset_id = ? AND upto = ?", (dataset_id, FINISHED)
    ).first()
    return found is not None


def _index_chunk(conn: Connection, dataset_id: int, *, rows: int | None) -> bool:
    """Index the dataset's next ``rows`` rows (all when None); False when nothing was left.

    Rows enter in id order; ``upto`` records how far, so that the triggers keep exactly the
    rows already indexed in step, and a stopped indexing resumes where it was.
    """
    found = conn.exec_driver_sql(
        "SELECT upto FROM search_datasets WHERE dataset_id = ?", (dataset_id,)
    ).first()
    if found is None:
        conn.exec_driver_sql("INSERT INTO search_datasets (dataset_id) VALUES (?)", (dataset_id,))
        upto = 0
    else:
        upto = int(found[0])
    if upto == FINISHED:
        return False
    last = None
    if rows is not None:
        last = conn.exec_driver_sql(
            "SELECT id FROM examples WHERE dataset_id = ? AND id > ? ORDER BY id LIMIT 1 OFFSET ?",
            (dataset_id, upto, rows - 1),
        ).scalar()
    new_upto = FINISHED if last is None else int(last)
    conn.exec_driver_sql(
        f"INSERT INTO examples_fts(rowid, prompt, completion, data) SELECT {_SPACELESS_COLUMNS} "
        "FROM examples WHERE dataset_id = ? AND id > ? AND id <= ?",
        (dataset_id, upto, new_upto),
    )
    conn.exec_driver_sql(
        "UPDATE search_datasets SET upto = ? WHERE dataset_id = ?", (new_upto, dataset_id)
    )
    if new_upto == FINISHED:
        _refresh_statistics(conn)
    return True


# Rows indexed per transaction when indexing runs beside the app: about 0.4 s of CPU each,
# so that edits never wait long for the write lock.
CHUNK_ROWS = 20_000


def index_dataset(engine: Engine, dataset_id: int) -> None:
    """Put a dataset's rows into the SQLite search index, a chunk per transaction.

    Safe to run twice at once (each chunk reads the progress inside its own transaction) and
    to stop at any point. A no-op on PostgreSQL and for an indexed dataset.
    """
    if engine.dialect.name != "sqlite":
        return
    while True:
        with engine.begin() as conn:
            if not _sqlite_ready(conn) or not _index_chunk(conn, dataset_id, rows=CHUNK_ROWS):
                return


def index_in_transaction(conn: Connection, dataset_id: int) -> None:
    """Index a (small, new) dataset inside the transaction that wrote it."""
    if conn.dialect.name == "sqlite" and _sqlite_ready(conn):
        while _index_chunk(conn, dataset_id, rows=None):
            pass


INSERT_TRIGGER = "examples_fts_insert"


@contextlib.contextmanager
def new_dataset_rows(conn: Connection, dataset_id: int) -> Iterator[None]:
    """Around the bulk insert of a new dataset's rows: the insert trigger is left out.

    The trigger's WHEN clause (is the row's dataset indexed this far?) runs for every row
    inserted, about 15% of a bulk insert's CPU on SQLite, and never holds for a dataset that
    is not indexed yet: its rows enter the index after the insert (``index_in_transaction``
    or ``index_in_background``). So the trigger is dropped for the insert and created again
    from its own stored SQL before the block ends, in the same transaction: no other
    connection ever sees the store without it (DDL in SQLite is transactional, and the
    transaction holds the write lock). On an exception the caller's transaction rolls back,
    which brings the trigger back with everything else. A no-op on PostgreSQL.
    """
    if conn.dialect.name != "sqlite" or not _sqlite_ready(conn):
        yield
        return
    indexed = conn.exec_driver_sql(
        "SELECT 1 FROM search_datasets WHERE dataset_id = ?", (dataset_id,)
    ).first()
    trigger = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (INSERT_TRIGGER,)
    ).scalar()
    if indexed is not None or trigger is None:
        yield  # rows of an indexed dataset need the trigger
        return
    conn.exec_driver_sql(f"DROP TRIGGER {INSERT_TRIGGER}")
    yield
    conn.exec_driver_sql(str(trigger))


_running: set[tuple[str, int]] = set()
_running_lock = threading.Lock()


def _analyze_postgresql(engine: Engine) -> None:
    """Give PostgreSQL's planner statistics that describe the table after a bulk load.

    PostgreSQL keeps the trigram index itself; what a large import leaves behind is a table
    its statistics no longer describe (none at all for the joined text until autovacuum gets
    to it). Without them the planner takes every text for a rare one and fetches all its
    rows from the index: a word in most of 200,000 rows took 900 ms, 30 ms with statistics
    (the first page is then read in order and stops after 50 matches). PostgreSQL's
    "Populating a Database" advice: run ANALYZE after loading much data. It samples
    30,000 rows (about 0.5 s here), beside the app.
    """
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE examples")


def index_in_background(engine: Engine, dataset_id: int) -> threading.Thread | None:
    """Start ``index_dataset`` in a thread (once per dataset at a time); searches scan until
    it finishes. A process that exits first leaves the rest for the next search to start.
    On PostgreSQL, which indexes as it writes, the thread refreshes the planner's statistics
    after a large import instead (``_analyze_postgresql``)."""
    if engine.dialect.name not in ("sqlite", "postgresql"):
        return None
    key = (str(engine.url), dataset_id)
    with _running_lock:
        if key in _running:
            return None
        _running.add(key)

    def run() -> None:
        try:
            if engine.dialect.name == "sqlite":
                index_dataset(engine, dataset_id)
            else:
                _analyze_postgresql(engine)
        except sa.exc.SQLAlchemyError:
            pass  # the dataset went away or the store closed: (SQLite) the next search restarts
        finally:
            with _running_lock:
                _running.discard(key)

    thread = threading.Thread(target=run, name=f"tunelab-search-index-{dataset_id}", daemon=True)
    thread.start()
    return thread


# Rows ANALYZE samples per index: enough for the planner's row estimates, a few ms to take.
ANALYSIS_LIMIT = 1000


def _refresh_statistics(conn: Connection) -> None:
    """Give SQLite's planner row counts for ``examples`` (``ANALYZE``, sampled).

    Without statistics SQLite assumes ``dataset_id = ?`` finds about ten rows, so it walks a
    200,000-row dataset and probes the index's matches for each row (30 ms for a search that
    matches nothing) instead of fetching the few matches by id (under 1 ms).
    """
    conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    conn.exec_driver_sql("ANALYZE examples")
    conn.exec_driver_sql("PRAGMA analysis_limit=0")


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def scan_condition(conn: Connection, text: str) -> Any:
    """The plain substring match every search means (and the fallback when unindexed)."""
    pattern = f"%{_escape_like(text)}%"
    cols = (examples.c.prompt, examples.c.completion, examples.c.data)
    # SQLite's LIKE ignores ASCII case already; PostgreSQL needs ILIKE for the same behaviour.
    if conn.dialect.name == "sqlite":
        return sa.or_(*(col.like(pattern, escape="\\") for col in cols))
    return sa.or_(*(col.ilike(pattern, escape="\\") for col in cols))


def _grams(text: str) -> list[str]:
    return sorted({text[i : i + 3] for i in range(len(text) - 2)})


def _trigram_query(text: str) -> str:
    """An FTS5 query for rows holding every trigram of ``text`` (each a quoted string)."""
    return " ".join('"' + gram.replace('"', '""') + '"' for gram in _grams(text))


def _too_many_candidates(conn: Connection, match: str) -> bool:
    """Whether the index offers more than ``MAX_INDEX_CANDIDATES`` rows (all datasets).

    Counting stops at the cap, so a text in most rows costs a few ms to recognise (FTS5's
    ``fts5vocab`` counts were tried: they read each trigram's whole row list, 1 ms a term).
    """
    n = conn.exec_driver_sql(
        f"SELECT count(*) FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH ? "
        f"LIMIT {MAX_INDEX_CANDIDATES + 1})",
        (match,),
    ).scalar()
    return int(n or 0) > MAX_INDEX_CANDIDATES


def _pg_estimate(conn: Connection, dataset_id: int, pattern: str) -> float:
    """The rows PostgreSQL's planner expects the joined text to match (its own estimate, from
    the statistics of the index's expression: ``EXPLAIN``, about 0.4 ms).

    Text the planner expects in many rows is read in order or scanned, never fetched from the
    index; the joined match is then a second, redundant test of each row, and the dearer one
    (it joins the three columns first): without it, counting 10,000 matches of a word in most
    of 200,000 rows takes 23 ms instead of 60, and 24 ms instead of 133 for a phrase.
    """
    plan: Any = conn.exec_driver_sql(
        f"EXPLAIN (FORMAT JSON) SELECT 1 FROM examples WHERE dataset_id = %(d)s "
        f"AND deleted IS false AND ({_PG_TEXT}) ILIKE %(p)s ESCAPE '\\'",
        {"d": dataset_id, "p": pattern},
    ).scalar()
    return float(plan[0]["Plan"]["Plan Rows"])


# Whether a text is too common for the index changes how fast a search is, never what it
# finds, so the answer is kept a while per store, dataset and text: a reviewer stepping through
# the matches (each step asks again) pays for the probe once, not every time (on SQLite
# 25 ms for a 25-character phrase at 200,000 rows; 0.4 ms on PostgreSQL). A stale answer only
# picks the slower way, until it expires.
DECISION_SECONDS = 60.0
_DECISION_ENTRIES = 512
_decisions: OrderedDict[tuple[str, int, str], tuple[float, bool]] = OrderedDict()
_decisions_lock = threading.Lock()


def _remembered(conn: Connection, dataset_id: int, text: str, decide: Callable[[], bool]) -> bool:
    key = (repr(conn.engine.url), dataset_id, text)
    now = time.monotonic()
    with _decisions_lock:
        found = _decisions.get(key)
        if found is not None and now - found[0] < DECISION_SECONDS:
            _decisions.move_to_end(key)
            return found[1]
    answer = decide()
    with _decisions_lock:
        _decisions[key] = (now, answer)
        _decisions.move_to_end(key)
        while len(_decisions) > _DECISION_ENTRIES:
            _decisions.popitem(last=False)
    return answer


def text_condition(conn: Connection, dataset_id: int, text: str) -> Any:
    """A WHERE condition for examples of ``dataset_id`` containing ``text``, index-served.

    Matches exactly the rows ``scan_condition`` matches; on SQLite it first narrows them to
    the index's candidates when the dataset is indexed and the text is long enough.
    """
    scan = scan_condition(conn, text)
    spaceless = text.replace(" ", "")  # as the index holds the text (see the module docstring)
    if len(spaceless) < MIN_INDEXED_CHARS:
        return scan
    if conn.dialect.name == "postgresql":
        pattern = f"%{_escape_like(spaceless)}%"
        if _remembered(
            conn,
            dataset_id,
            text,
            lambda: _pg_estimate(conn, dataset_id, pattern) > MAX_INDEX_CANDIDATES,
        ):
            return scan
        joined = sa.literal_column(f"({_PG_TEXT})", sa.Text)
        return sa.and_(joined.ilike(pattern, escape="\\"), scan)
    if conn.dialect.name != "sqlite":
        return scan
    if not is_indexed(conn, dataset_id):
        index_in_background(conn.engine, dataset_id)
        return scan
    match = _trigram_query(spaceless)
    if _remembered(conn, dataset_id, text, lambda: _too_many_candidates(conn, match)):
        return scan
    candidates: sa.Select[Any] = (
        sa.select(sa.column("rowid"))
        .select_from(sa.table(FTS_TABLE))
        .where(sa.text(f"{FTS_TABLE} MATCH :search_query").bindparams(search_query=match))
    )
    return sa.and_(examples.c.id.in_(candidates), scan)
