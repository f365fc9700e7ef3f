"""Batch API submissions of runner runs (half-price requests collected when they complete)."""

from sqlalchemy.engine import Connection

from lib.core.migrations import create_tables
from lib.runner import tables as tables_eval


def upgrade(conn: Connection) -> None:
    create_tables(conn, [tables_eval.runner_batches])
