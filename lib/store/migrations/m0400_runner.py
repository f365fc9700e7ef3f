"""The request runner's runs, items and cached results; blind A/B votes of evaluations."""

from sqlalchemy.engine import Connection

from lib.store import tables_eval
from lib.store.migrations import create_tables


def upgrade(conn: Connection) -> None:
    create_tables(
        conn,
        [
            tables_eval.runner_runs,
            tables_eval.runner_items,
            tables_eval.runner_results,
            tables_eval.eval_votes,
        ],
    )
