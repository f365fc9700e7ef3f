"""PostgreSQL's search index learns word order: its trigrams are taken from the joined text with
its spaces removed, so that a trigram also spans the end of one word and the start of the next
(``lib.core.search`` says why). SQLite's FTS5 trigram index already keeps spaces and is left as
it is.

Written out as the DDL of its day, like ``m0004_search``. A core revision, applied after the
head it was written against (``m0700_access``). The index exists only where ``m0004_search``
could create ``pg_trgm``; without it, searches stay scans and nothing is done here.

Revision ID: m0005_search_phrases
Revises: m0700_access
"""

from __future__ import annotations

from alembic import op

revision = "m0005_search_phrases"
down_revision = "m0700_access"
branch_labels = None
depends_on = None

INDEX = "ix_examples_text_trgm"
OLD_EXPRESSION = "(prompt || ' ' || completion || ' ' || data)"
NEW_EXPRESSION = "(replace(prompt || completion || data, ' ', ''))"


def _rebuild(expression: str) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    present = conn.exec_driver_sql(
        "SELECT 1 FROM pg_indexes WHERE tablename = 'examples' AND indexname = %(name)s",
        {"name": INDEX},
    ).first()
    if present is None:
        return  # no pg_trgm: searches scan
    conn.exec_driver_sql(f"DROP INDEX {INDEX}")
    conn.exec_driver_sql(f"CREATE INDEX {INDEX} ON examples USING gin ({expression} gin_trgm_ops)")
    # The planner's estimates of the new expression come from statistics of it.
    conn.exec_driver_sql("ANALYZE examples")


def upgrade() -> None:
    _rebuild(NEW_EXPRESSION)


def downgrade() -> None:
    _rebuild(OLD_EXPRESSION)
