"""Index snapshots by dataset: the snapshots screen lists them per dataset."""

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lib.core import tables

INDEX_NAME = "ix_snapshots_dataset"


def upgrade(conn: Connection) -> None:
    existing = {index["name"] for index in sa.inspect(conn).get_indexes("snapshots")}
    if INDEX_NAME not in existing:
        sa.Index(INDEX_NAME, tables.snapshots.c.dataset_id, tables.snapshots.c.created_at).create(
            conn
        )
