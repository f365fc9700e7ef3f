"""Synthetic data: which dataset each synthetic run became."""

from sqlalchemy.engine import Connection

from lib.store import tables_synth
from lib.store.migrations import create_tables


def upgrade(conn: Connection) -> None:
    create_tables(conn, [tables_synth.synth_outputs])
