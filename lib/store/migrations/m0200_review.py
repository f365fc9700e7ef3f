"""Review: stored samples, their items, blind double-review labels, and the indexes the
review table's filters and sorts need on a 200,000-row dataset."""

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lib.store.migrations import create_tables
from lib.store.tables_review import REVIEW_TABLES

# (name, columns) on examples: sorting by length / last change without a full sort.
_EXAMPLE_INDEXES = (
    ("ix_examples_review_nchars", ("dataset_id", "n_chars")),
    ("ix_examples_review_updated", ("dataset_id", "updated_at")),
)


def upgrade(conn: Connection) -> None:
    create_tables(conn, list(REVIEW_TABLES))
    existing = {ix["name"] for ix in sa.inspect(conn).get_indexes("examples")}
    for name, columns in _EXAMPLE_INDEXES:
        if name not in existing:
            conn.exec_driver_sql(f"CREATE INDEX {name} ON examples ({', '.join(columns)})")
