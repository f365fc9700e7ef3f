"""Training: uploaded files and fine-tuning jobs (with the launch's idempotency key)."""

from sqlalchemy.engine import Connection

from lib.core.migrations import create_tables
from lib.train import tables as tables_train


def upgrade(conn: Connection) -> None:
    create_tables(conn, [tables_train.train_uploads, tables_train.train_jobs])
