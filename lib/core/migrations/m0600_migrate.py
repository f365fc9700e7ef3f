"""The exit kit: pulled training files (with lineage) and reference recordings."""

from sqlalchemy.engine import Connection

from lib.core.migrations import create_tables
from lib.migrate import tables as tables_migrate


def upgrade(conn: Connection) -> None:
    create_tables(conn, [tables_migrate.migrate_pulls, tables_migrate.migrate_recordings])
