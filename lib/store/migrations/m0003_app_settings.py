"""Key/value settings the app keeps (editable tables, first-start markers)."""

from sqlalchemy.engine import Connection

from lib.store import tables
from lib.store.migrations import create_tables


def upgrade(conn: Connection) -> None:
    create_tables(conn, [tables.app_settings])
