"""Access: roles, reviewers' datasets, review queues with overlap, and the activity log."""

from sqlalchemy.engine import Connection

from lib.access.tables import ACCESS_TABLES
from lib.core.migrations import create_tables


def upgrade(conn: Connection) -> None:
    create_tables(conn, list(ACCESS_TABLES))
