"""Schema migrations with Alembic: the revisions in ``versions/``, applied in order.

Why Alembic and explicit DDL: a revision says what it does in ``op.create_table(...)`` /
``op.create_index(...)`` calls written out once, so an old revision does the same thing on a
store made years ago as on a fresh one, whatever today's table definitions say. A fresh store
and an old one go through the same revisions.

Stores made before Alembic recorded their migrations by module name in ``schema_migrations``;
the revisions keep those names, so :func:`migrate` adopts such a store: it stamps each revision
the store already has and runs the ones it lacks, then upgrades to the head as usual. The old
table stays (nothing is dropped).

Alembic API followed: ``alembic.command.upgrade`` / ``stamp`` with a connection passed in
``Config.attributes`` ("Sharing a Connection across one or more programmatic migration
commands", Alembic cookbook), ``ScriptDirectory.walk_revisions`` and
``MigrationContext.get_current_revision``.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent
VERSION_TABLE = "alembic_version"
LEGACY_TABLE = "schema_migrations"  # module names the migrations before Alembic recorded
_PG_LOCK_KEY = 7_356_021_411  # pg_advisory_xact_lock: one process migrates at a time


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def available() -> list[str]:
    """Every revision, in the order they apply (oldest first)."""
    script = ScriptDirectory.from_config(_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def current(conn: Connection) -> str | None:
    """The store's revision (None for an empty store or one from before Alembic)."""
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def applied(conn: Connection) -> set[str]:
    """The revisions the store has (every revision up to its current one)."""
    names = available()
    revision = current(conn)
    if revision is None:
        return _legacy_applied(conn)
    return set(names[: names.index(revision) + 1])


def _legacy_applied(conn: Connection) -> set[str]:
    if not sa.inspect(conn).has_table(LEGACY_TABLE):
        return set()
    rows = conn.execute(sa.text(f"SELECT id FROM {LEGACY_TABLE}")).scalars()
    return set(rows) & set(available())


def _lock(conn: Connection) -> None:
    """Keep a second process out until this one commits (SQLite: BEGIN IMMEDIATE already)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})


def _adopt_legacy(config: Config, conn: Connection, *, upto: str) -> None:
    """Bring a pre-Alembic store under Alembic: stamp what it has, run what it lacks."""
    names = available()
    done = _legacy_applied(conn)
    last = max((names.index(n) for n in done), default=-1)
    for name in names[: min(last, names.index(upto)) + 1]:
        if name in done:
            command.stamp(config, name)
        else:
            command.upgrade(config, name)


def migrate(engine: Engine, *, upto: str | None = None) -> list[str]:
    """Upgrade the store to the head (or to ``upto``); returns the revisions that ran.

    One transaction: on SQLite ``engine.begin()`` takes the write lock up front and PostgreSQL
    takes an advisory lock, so two processes starting together migrate once.
    """
    target = upto or available()[-1]
    with engine.begin() as conn:
        _lock(conn)
        config = _config(conn)
        before = applied(conn)
        if current(conn) is None and before:
            _adopt_legacy(config, conn, upto=target)
        command.upgrade(config, target)
        after = applied(conn)
    return [name for name in available() if name in after and name not in before]
