"""Synthetic data: which dataset each synthetic run became."""

from sqlalchemy.engine import Connection

from lib.core.migrations import create_tables
from lib.synth import tables as tables_synth


def upgrade(conn: Connection) -> None:
    create_tables(conn, [tables_synth.synth_outputs])
