"""Findings of the last check of each dataset (for the review filter "has findings")."""

from sqlalchemy.engine import Connection

from lib.checks.tables import check_findings
from lib.core.migrations import create_tables


def upgrade(conn: Connection) -> None:
    create_tables(conn, [check_findings])
