"""The request runner's runs, items and cached results; blind A/B votes of evaluations."""

from sqlalchemy.engine import Connection

from lib.core.migrations import create_tables
from lib.evaluate.tables import eval_votes
from lib.runner import tables as tables_eval


def upgrade(conn: Connection) -> None:
    create_tables(
        conn,
        [
            tables_eval.runner_runs,
            tables_eval.runner_items,
            tables_eval.runner_results,
            eval_votes,
        ],
    )
