"""Frozen train/valid/test snapshots of a dataset."""

from sqlalchemy.engine import Connection

from lib.core import tables
from lib.core.migrations import create_tables


def upgrade(conn: Connection) -> None:
    create_tables(conn, [tables.snapshots, tables.snapshot_examples])
