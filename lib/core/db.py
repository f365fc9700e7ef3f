"""Connections: one engine per URL, one short-lived connection per unit of work.

SQLite gets WAL (readers never block the writer), a busy timeout (writers wait instead of
failing) and foreign keys. Streamlit runs each session in its own thread, so connections are
checked out per unit of work (``with engine.begin() as conn``) and never shared.
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.core.paths import data_dir

BUSY_TIMEOUT_MS = 10_000
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def database_url() -> str:
    """``DATABASE_URL`` if set, else a SQLite file in the data folder."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        # Hosted PostgreSQL URLs often say postgres:// or postgresql://; use psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://") :]
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return f"sqlite:///{Path(data_dir()) / 'tunelab.db'}"


def _on_sqlite_connect(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API objects
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _on_sqlite_begin(conn) -> None:  # noqa: ANN001
    # pysqlite's own transaction handling defers BEGIN; issue it ourselves so that
    # SQLAlchemy's transaction is the database's transaction. ``engine.begin()`` (a unit of
    # work that writes) takes the write lock up front with BEGIN IMMEDIATE: a deferred
    # transaction that reads and then writes fails at once with "database is locked" when
    # another writer committed in between, whereas IMMEDIATE waits its turn (busy_timeout).
    # Plain ``engine.connect()`` reads stay deferred so that they never wait for a writer.
    immediate = conn.get_execution_options().get(_IMMEDIATE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_IMMEDIATE_OPTION = "tunelab_sqlite_immediate"


@contextlib.contextmanager
def _begin_immediate(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        conn.execution_options(**{_IMMEDIATE_OPTION: True})
        with conn.begin():
            yield conn


# The bulk transaction's SQLite page cache: big enough that a long transaction does not spill
# dirty pages to the WAL early.
BULK_CACHE_KIB = 131_072


@contextlib.contextmanager
def begin_bulk(engine: Engine) -> Iterator[Connection]:
    """``engine.begin()`` for one transaction that writes a great deal (a large import).

    On SQLite the connection gets a bigger page cache, and its commit does not copy the WAL
    into the database file: SQLite otherwise runs that checkpoint inside the committing call
    (2–3 s of a 1M-row import). The next commit of any other connection runs it instead
    (``wal_autocheckpoint``, e.g. the search indexing that follows a large import), or the last
    connection to close. Nothing changes for what is committed or how safely: the committed
    pages are in the WAL either way (sqlite.org/wal.html, "Automatic Checkpoint"). Both
    settings belong to the connection and are put back before it returns to the pool.
    Elsewhere this is ``engine.begin()``.
    """
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            yield conn
        return
    with engine.connect() as conn:
        conn.execution_options(**{_IMMEDIATE_OPTION: True})
        # The DB-API connection runs in autocommit (isolation_level None): these statements
        # start no transaction of their own.
        raw = conn.connection.dbapi_connection
        assert raw is not None
        cache, checkpoint = (
            raw.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("cache_size", "wal_autocheckpoint")
        )
        raw.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        raw.execute("PRAGMA wal_autocheckpoint=0")
        try:
            with conn.begin():
                yield conn
        finally:
            raw.execute(f"PRAGMA cache_size={int(cache)}")
            raw.execute(f"PRAGMA wal_autocheckpoint={int(checkpoint)}")


def inserted_id(result: sa.CursorResult[Any]) -> int:
    """The primary key of the row an ``INSERT`` just made.

    SQLAlchemy types ``inserted_primary_key`` as optional; SQLite and PostgreSQL always report
    it for a one-row insert, so a missing one is a bug worth a clear message, not a None.
    """
    key = result.inserted_primary_key
    if key is None or key[0] is None:
        raise RuntimeError("the database did not report the new row's id")
    return int(key[0])


def create_engine_for(url: str) -> Engine:
    """A new engine for ``url`` with Tunelab's connection settings (no migrations)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        )
        sa.event.listen(engine, "connect", _on_sqlite_connect)

        @sa.event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn, _record) -> None:  # noqa: ANN001
            dbapi_conn.isolation_level = None

        sa.event.listen(engine, "begin", _on_sqlite_begin)
        engine.begin = functools.partial(_begin_immediate, engine)  # type: ignore[method-assign]
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def get_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """The process-wide engine for ``url`` (default: ``database_url()``), migrated on first use."""
    key = url or database_url()
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = create_engine_for(key)
            if migrate:
                from lib.core.migrations import migrate as run_migrations

                run_migrations(engine)
            _engines[key] = engine
        return engine


def dispose_all() -> None:
    """Close every pooled connection (tests and shutdown)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
