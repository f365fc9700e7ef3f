"""Review: stored samples, their items, blind double-review labels, and the indexes the
review table's filters and sorts need on a 200,000-row dataset."""

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lib.core.migrations import create_tables
from lib.review.tables import REVIEW_TABLES

# (name, columns) on examples. Each starts with (dataset_id, deleted) so that counting live
# examples, filtering by status/label and paging in any offered order are index-only scans:
# on 200,000 rows that is the difference between ~10 ms and ~300 ms per count.
_EXAMPLE_INDEXES = (
    ("ix_examples_live_position", ("dataset_id", "deleted", "position")),
    ("ix_examples_live_status", ("dataset_id", "deleted", "status", "position")),
    ("ix_examples_live_label", ("dataset_id", "deleted", "label", "position")),
    ("ix_examples_live_nchars", ("dataset_id", "deleted", "n_chars", "position")),
    ("ix_examples_live_updated", ("dataset_id", "deleted", "updated_at", "position")),
)


def upgrade(conn: Connection) -> None:
    create_tables(conn, list(REVIEW_TABLES))
    existing = {ix["name"] for ix in sa.inspect(conn).get_indexes("examples")}
    for name, columns in _EXAMPLE_INDEXES:
        if name not in existing:
            conn.exec_driver_sql(f"CREATE INDEX {name} ON examples ({', '.join(columns)})")
