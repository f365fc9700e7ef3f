"""Datasets, examples, revisions and revision batches."""

from sqlalchemy.engine import Connection

from lib.store import tables
from lib.store.migrations import create_tables


def upgrade(conn: Connection) -> None:
    create_tables(
        conn,
        [tables.datasets, tables.examples, tables.revision_batches, tables.revisions],
    )
