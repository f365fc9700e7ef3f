"""Key/value settings the app keeps (editable tables, first-start markers)."""

from sqlalchemy.engine import Connection

from lib.core import tables
from lib.core.migrations import create_tables


def upgrade(conn: Connection) -> None:
    create_tables(conn, [tables.app_settings])
