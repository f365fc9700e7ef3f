"""Drop the examples indexes that m0200's ``ix_examples_live_*`` indexes supersede.

``ix_examples_dataset_status`` and ``ix_examples_dataset_label`` were (dataset_id, status) and
(dataset_id, label). Every query on status or label also filters ``deleted``, so the planner
uses ``ix_examples_live_status`` / ``ix_examples_live_label`` (dataset_id, deleted, …,
position) instead, and the old two only cost time on every insert: an import maintained 8
indexes per row, now 6.
"""

from sqlalchemy.engine import Connection

SUPERSEDED = ("ix_examples_dataset_status", "ix_examples_dataset_label")


def upgrade(conn: Connection) -> None:
    for name in SUPERSEDED:
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
