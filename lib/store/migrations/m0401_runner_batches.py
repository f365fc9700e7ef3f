"""Batch API submissions of runner runs (half-price requests collected when they complete)."""

from sqlalchemy.engine import Connection

from lib.store import tables_eval
from lib.store.migrations import create_tables


def upgrade(conn: Connection) -> None:
    create_tables(conn, [tables_eval.runner_batches])
