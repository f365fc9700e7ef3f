"""Schema migrations: modules ``mNNNN_*.py`` applied in name order, recorded by name."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.core import tables
from lib.core.tables import utcnow


def available() -> list[str]:
    """Every migration module name, in the order they apply."""
    names = [m.name for m in pkgutil.iter_modules(__path__) if m.name.startswith("m")]
    return sorted(names)


def applied(conn: Connection) -> set[str]:
    if not sa.inspect(conn).has_table("schema_migrations"):
        return set()
    return set(conn.execute(sa.select(tables.schema_migrations.c.id)).scalars())


def migrate(engine: Engine, *, upto: str | None = None) -> list[str]:
    """Apply the migrations not yet applied (up to and including ``upto``); returns their names."""
    done: list[str] = []
    with engine.begin() as conn:
        tables.schema_migrations.create(conn, checkfirst=True)
    for name in available():
        if upto is not None and name > upto:
            break
        with engine.begin() as conn:
            # Re-read inside the transaction: another process may have just applied it.
            if name in applied(conn):
                continue
            module = importlib.import_module(f"{__name__}.{name}")
            module.upgrade(conn)
            conn.execute(tables.schema_migrations.insert().values(id=name, applied_at=utcnow()))
            done.append(name)
    return done


def create_tables(conn: Connection, table_list: Sequence[sa.Table]) -> None:
    """Create the given tables (and their indexes) where they do not exist yet."""
    tables.metadata.create_all(conn, tables=list(table_list), checkfirst=True)


def add_column(conn: Connection, table: str, column: sa.Column) -> None:
    """Add ``column`` to ``table`` unless it is already there."""
    existing = {c["name"] for c in sa.inspect(conn).get_columns(table)}
    if column.name in existing:
        return
    column_type = column.type.compile(dialect=conn.dialect)
    ddl = f'ALTER TABLE {table} ADD COLUMN "{column.name}" {column_type}'
    if column.server_default is not None:
        ddl += f" DEFAULT {column.server_default.arg}"
    conn.exec_driver_sql(ddl)
