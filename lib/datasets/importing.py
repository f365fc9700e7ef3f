"""Streaming import of examples into a new dataset: one transaction, all rows or nothing.

Fast on SQLite: 1,000-row INSERTs of tuples straight to the driver, each row binding only its
own seven values (the six every row shares are bound once per statement); a second thread
reads the file and builds the statements' parameters while the database writes, letting go of
the GIL often so that the writing thread never waits for it; the search index's insert trigger
left out of a new dataset's insert (``search.new_dataset_rows``); and a bulk transaction
(``db.begin_bulk``: a bigger page cache, the WAL checkpoint left to the next writer). Plain
SQLAlchemy Core elsewhere. ``bench/import_bench.py`` measures it beside pandas.

Measured and left out: orjson parses a line in half the time of the C scanner ``json`` uses,
but the reading thread is not the slower one, and it turns integers past 64 bits into floats;
dropping the examples indexes for the insert and creating them after costs more (CREATE INDEX
reads the whole table: 6.2–6.5 s of CPU against 4.8 s kept in step, 1M rows); turning foreign
key checks off saved nothing measurable.
"""

from __future__ import annotations

import itertools
import json
import queue
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.core import search
from lib.core.db import begin_bulk, inserted_id
from lib.core.errors import UserError
from lib.core.examples import Example, extract, is_classification
from lib.core.tables import datasets, examples, utcnow
from lib.datasets.names import clean_name, name_taken

IMPORT_BATCH_ROWS = 20_000
# Up to this many rows the search index is built inside the import (at most ~0.4 s of CPU).
SEARCH_INDEX_IN_IMPORT_ROWS = 20_000


@dataclass(frozen=True, slots=True)
class ImportSummary:
    dataset_id: int
    name: str
    schema: str
    n_examples: int
    n_labels: int
    classification: bool
    unknown_keys: dict[str, int]


# What the tuples _row_values makes hold, in order: the columns that differ from row to row
# (an executemany of plain tuples is the fast path through the SQLite driver; other databases
# get dicts through SQLAlchemy Core). The rest are the same for every row of an import.
_ROW_COLUMNS = ("position", "source_row", "data", "prompt", "completion", "label", "n_chars")
_SHARED_COLUMNS = ("dataset_id", "created_at", "updated_at", "deleted", "status", "version")
_LABEL_INDEX = _ROW_COLUMNS.index("label")
# Rows per INSERT statement on SQLite: one statement per row costs a statement reset and an
# AUTOINCREMENT bookkeeping update each (executemany of one-row statements: 3× the CPU of
# 200-row ones). 1,000 rows × 13 columns = 13,000 variables, within the 32,766 SQLite allows
# since 3.32 (older SQLite allows 999, so 50 there). Per row, 200 to 2,500 rows a statement
# cost the same CPU; long statements mean fewer returns from SQLite's GIL-free step, each of
# which may wait for the reading thread to let go of the GIL (see ``GIL_PAUSE_ROWS``).
SQLITE_ROWS_PER_STATEMENT = 1_000 if sqlite3.sqlite_version_info >= (3, 32, 0) else 50
# The reading thread lets go of the GIL every this many rows (``time.sleep(0)``). The writing
# thread needs the GIL between SQLite steps; without these pauses it waits for the interpreter
# to force a switch, up to ``sys.getswitchinterval()`` (5 ms) after each step while the reading
# thread is busy (measured: a busy Python thread made a thread of 2.5 ms SQLite steps take
# 2.4–2.6× as long; with a pause every 256 iterations, 1.0–1.5×).
GIL_PAUSE_ROWS = 128


def _row_values(schema: str, position: int, example: Example) -> tuple[Any, ...]:
    """One examples row's own values as a tuple in ``_ROW_COLUMNS`` order."""
    fields = extract(schema, example.data)
    raw = example.raw_json
    if raw is None:
        raw = json.dumps(example.data, ensure_ascii=False, separators=(",", ":"))
    prompt = fields.prompt
    completion = fields.completion
    return (
        position,
        example.source_row,
        raw,
        prompt,
        completion,
        fields.label,
        len(prompt) + len(completion),
    )


def _bound(conn: Connection, column: sa.Column, value: Any) -> Any:
    """``value`` as the driver receives it for ``column`` (for raw executemany on SQLite)."""
    process = column.type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    return process(value) if process else value


Prepared = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


class _Inserter:
    """Batched inserts of example tuples: multi-row executemany on SQLite, Core elsewhere.

    ``prepare`` turns a batch into statement parameters (in the reading thread, past the first
    batch); ``write`` sends them (in the transaction's thread), so that the writing thread does
    little but wait on the database. On SQLite the statement goes straight to the DB-API cursor
    of the transaction's own connection: SQLAlchemy's parameter handling costs a fifth of the
    insert time there.
    """

    def __init__(self, conn: Connection, dataset_id: int, now: Any) -> None:
        self.conn = conn
        self.sqlite = conn.dialect.name == "sqlite"
        shared = {
            "dataset_id": dataset_id,
            "created_at": now,
            "updated_at": now,
            "deleted": False,
            "status": "unreviewed",
            "version": 1,
        }
        self.shared = shared
        # SQLite: the values shared by every row are bound once per statement as ?1…?6, which
        # each row's VALUES refers to; a row binds only its own seven (?7…).
        self.shared_bound = tuple(
            _bound(conn, examples.c[name], shared[name]) for name in _SHARED_COLUMNS
        )
        columns = ",".join(_ROW_COLUMNS + _SHARED_COLUMNS)
        refs = ",".join(f"?{i}" for i in range(1, len(_SHARED_COLUMNS) + 1))
        width = len(_ROW_COLUMNS)

        def values(rows: int) -> str:
            start = len(_SHARED_COLUMNS) + 1
            return ",".join(
                "(" + ",".join(f"?{start + r * width + c}" for c in range(width)) + f",{refs})"
                for r in range(rows)
            )

        head = f"INSERT INTO examples ({columns}) VALUES "
        self.sql_one = head + values(1)
        self.sql_many = head + values(SQLITE_ROWS_PER_STATEMENT)

    def prepare(self, batch: list[tuple[Any, ...]]) -> Prepared:
        """(parameters of full multi-row statements, rows left for one-row statements)."""
        if not self.sqlite:
            return [], batch
        per = SQLITE_ROWS_PER_STATEMENT
        full = len(batch) - len(batch) % per
        chain = itertools.chain.from_iterable
        shared = self.shared_bound
        groups = [tuple(chain((shared, *batch[i : i + per]))) for i in range(0, full, per)]
        return groups, [shared + row for row in batch[full:]]

    def write(self, prepared: Prepared) -> None:
        groups, rest = prepared
        if not self.sqlite:
            shared = self.shared
            rows = [{**shared, **dict(zip(_ROW_COLUMNS, row, strict=True))} for row in rest]
            self.conn.execute(examples.insert(), rows)
            return
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if groups:
                cursor.executemany(self.sql_many, groups)
            if rest:
                cursor.executemany(self.sql_one, rest)
        finally:
            cursor.close()


class _RowMaker:
    """Turns examples into row tuples in batches, counting labels and unknown keys."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.n = 0
        self.labels: Counter[str | None] = Counter()
        self.unknown: Counter[str] = Counter()

    def batch(
        self, rows: Iterator[Example], size: int, *, pause: bool = False
    ) -> list[tuple[Any, ...]]:
        """Up to ``size`` rows (fewer only at the end of the stream).

        ``pause``: let go of the GIL every ``GIL_PAUSE_ROWS`` rows (in the reading thread).
        """
        out: list[tuple[Any, ...]] = []
        append, unknown = out.append, self.unknown
        labels: list[str | None] = []
        add_label = labels.append
        schema = self.schema
        legacy = schema == "completion"
        n = self.n
        for example in itertools.islice(rows, size):
            n += 1
            if pause and not n % GIL_PAUSE_ROWS:
                time.sleep(0)
            data = example.data
            prompt = data.get("prompt") if legacy else None
            completion = data.get("completion") if legacy else None
            raw = example.raw_json
            if type(prompt) is str and type(completion) is str and raw is not None:
                # The common legacy row, inlined (what _row_values makes for it).
                label = completion.strip() or None
                values = (
                    n,
                    example.source_row,
                    raw,
                    prompt,
                    completion,
                    label,
                    len(prompt) + len(completion),
                )
            else:
                values = _row_values(schema, n, example)
                label = cast("str | None", values[_LABEL_INDEX])
            add_label(label)
            if example.unknown_keys:
                unknown.update(example.unknown_keys)
            append(values)
        self.n = n
        self.labels.update(labels)  # counted in C; None (no label) is dropped below
        self.labels.pop(None, None)
        return out


class _Producer(threading.Thread):
    """Reads and converts batches in a second thread while the database writes the last one.

    SQLite (and psycopg) release the GIL while they work, so parsing the next batch overlaps
    writing this one. Only used past the first batch, so small imports stay on one thread.
    """

    def __init__(self, rows: Iterator[Example], maker: _RowMaker, insert: _Inserter) -> None:
        super().__init__(name="tunelab-import", daemon=True)
        self.rows, self.maker, self.insert = rows, maker, insert
        self.batches: queue.Queue[Prepared | None] = queue.Queue(maxsize=2)
        self.stop = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                batch = self.maker.batch(self.rows, IMPORT_BATCH_ROWS, pause=True)
                if batch:
                    self._put(self.insert.prepare(batch))
                if len(batch) < IMPORT_BATCH_ROWS:
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the importing thread
            self.error = exc
        finally:
            close = getattr(self.rows, "close", None)
            if close is not None:
                close()  # the reader's files close in the thread that used them
            self._put(None)

    def _put(self, item: Prepared | None) -> None:
        while not self.stop.is_set():
            try:
                self.batches.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def drain(self) -> None:
        self.start()
        try:
            while (prepared := self.batches.get()) is not None:
                self.insert.write(prepared)
            if self.error is not None:
                raise self.error
        finally:
            self.stop.set()
            self.join()


def import_examples(
    engine: Engine,
    *,
    name: str,
    schema: str,
    rows: Iterable[Example],
    source_name: str | None = None,
    source_format: str | None = None,
    description: str | None = None,
    meta: dict[str, Any] | None = None,
) -> ImportSummary:
    """Create a dataset from streamed examples in ONE transaction: all rows or nothing.

    ``rows`` is consumed lazily in batches, so a million-row file is never a list in memory.
    A reader error raised mid-stream rolls everything back. Past the first batch, rows are
    read in a helper thread while the database writes (see ``_Producer``). The text search
    index (``lib.core.search``, SQLite) takes a small dataset's rows in this transaction and
    a large one's in a background thread after it commits (about 20 µs of CPU a row, twice
    the import's own cost), so that a large import is not slowed and its searches scan until
    the index is complete.
    """
    clean = clean_name(name)
    now = utcnow()
    with begin_bulk(engine) as conn:
        if name_taken(conn, clean):
            raise UserError(f"a dataset named {clean!r} exists already; choose another name")
        result = conn.execute(
            datasets.insert().values(
                name=clean,
                schema=schema,
                source_name=source_name,
                source_format=source_format,
                description=description,
                meta=json.dumps(meta or {}, ensure_ascii=False),
                data_version=1,
                created_at=now,
                updated_at=now,
            )
        )
        dataset_id = inserted_id(result)
        insert = _Inserter(conn, dataset_id, now)
        maker = _RowMaker(schema)
        stream = iter(rows)
        with search.new_dataset_rows(conn, dataset_id):
            first = maker.batch(stream, IMPORT_BATCH_ROWS)
            if first:
                insert.write(insert.prepare(first))
            if len(first) == IMPORT_BATCH_ROWS:
                del first
                _Producer(stream, maker, insert).drain()
        n = maker.n
        if n == 0:
            raise UserError("the file holds no examples; nothing was imported")
        full_meta = dict(meta or {})
        if maker.unknown:
            full_meta["unknown_keys"] = dict(maker.unknown)
        conn.execute(
            datasets.update()
            .where(datasets.c.id == dataset_id)
            .values(meta=json.dumps(full_meta, ensure_ascii=False))
        )
        if n <= SEARCH_INDEX_IN_IMPORT_ROWS:
            search.index_in_transaction(conn, dataset_id)
    if n > SEARCH_INDEX_IN_IMPORT_ROWS:
        search.index_in_background(engine, dataset_id)
    return ImportSummary(
        dataset_id=dataset_id,
        name=clean,
        schema=schema,
        n_examples=n,
        n_labels=len(maker.labels),
        classification=is_classification(
            n_examples=n, labels={label for label in maker.labels if label is not None}
        ),
        unknown_keys=dict(maker.unknown),
    )
