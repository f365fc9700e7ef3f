"""Findings of the last check of each dataset (for the review filter "has findings")."""

from sqlalchemy.engine import Connection

from lib.store.migrations import create_tables
from lib.store.tables_checks import check_findings


def upgrade(conn: Connection) -> None:
    create_tables(conn, [check_findings])
