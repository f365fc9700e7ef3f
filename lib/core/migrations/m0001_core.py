"""Datasets, examples, revisions and revision batches."""

from sqlalchemy.engine import Connection

from lib.core import tables
from lib.core.migrations import create_tables


def upgrade(conn: Connection) -> None:
    create_tables(
        conn,
        [tables.datasets, tables.examples, tables.revision_batches, tables.revisions],
    )
