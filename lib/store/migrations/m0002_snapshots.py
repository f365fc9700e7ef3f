"""Frozen train/valid/test snapshots of a dataset."""

from sqlalchemy.engine import Connection

from lib.store import tables
from lib.store.migrations import create_tables


def upgrade(conn: Connection) -> None:
    create_tables(conn, [tables.snapshots, tables.snapshot_examples])
