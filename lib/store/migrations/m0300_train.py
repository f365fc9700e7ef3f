"""Training: uploaded files and fine-tuning jobs (with the launch's idempotency key)."""

from sqlalchemy.engine import Connection

from lib.store import tables_train
from lib.store.migrations import create_tables


def upgrade(conn: Connection) -> None:
    create_tables(conn, [tables_train.train_uploads, tables_train.train_jobs])
