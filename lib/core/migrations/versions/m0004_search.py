"""Text search index over examples (``lib.core.search`` uses it): an FTS5 trigram table and
the triggers that keep it in step on SQLite, a pg_trgm GIN index on PostgreSQL. The datasets a
store already has are indexed here.

Written out as the DDL of its day (not by calling ``lib.core.search``), so that what this
revision does never changes as the search code does. A core revision, applied after the head it
was written against (``m0202_review_drafts``).

Revision ID: m0004_search
Revises: m0202_review_drafts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "m0004_search"
down_revision = "m0202_review_drafts"
branch_labels = None
depends_on = None

FINISHED = 2**62  # search_datasets.upto of a dataset whose every row is indexed
_WHEN_INDEXED = (
    "EXISTS (SELECT 1 FROM search_datasets "
    "WHERE dataset_id = {side}.dataset_id AND {side}.id <= upto)"
)
_INSERT_NEW = (
    "INSERT INTO examples_fts(rowid, prompt, completion, data) "
    "VALUES (new.id, new.prompt, new.completion, new.data);"
)
_DELETE_OLD = (
    "INSERT INTO examples_fts(examples_fts, rowid, prompt, completion, data) "
    "VALUES ('delete', old.id, old.prompt, old.completion, old.data);"
)
SQLITE_DDL = (
    "CREATE TABLE search_datasets ("
    "dataset_id INTEGER PRIMARY KEY, upto INTEGER NOT NULL DEFAULT 0)",
    "CREATE VIRTUAL TABLE examples_fts USING fts5("
    "prompt, completion, data, content='examples', content_rowid='id', "
    "tokenize='trigram', detail=none)",
    f"CREATE TRIGGER examples_fts_insert AFTER INSERT ON examples "
    f"WHEN {_WHEN_INDEXED.format(side='new')} BEGIN {_INSERT_NEW} END",
    f"CREATE TRIGGER examples_fts_delete AFTER DELETE ON examples "
    f"WHEN {_WHEN_INDEXED.format(side='old')} BEGIN {_DELETE_OLD} END",
    f"CREATE TRIGGER examples_fts_update "
    f"AFTER UPDATE OF prompt, completion, data ON examples "
    f"WHEN {_WHEN_INDEXED.format(side='old')} BEGIN {_DELETE_OLD} {_INSERT_NEW} END",
    "CREATE TRIGGER search_datasets_forget AFTER DELETE ON datasets "
    "BEGIN DELETE FROM search_datasets WHERE dataset_id = old.id; END",
)
PG_INDEX = (
    "CREATE INDEX ix_examples_text_trgm ON examples "
    "USING gin ((prompt || ' ' || completion || ' ' || data) gin_trgm_ops)"
)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for ddl in SQLITE_DDL:
            conn.exec_driver_sql(ddl)
        # Every existing row enters the index; each dataset is then complete.
        conn.exec_driver_sql(
            "INSERT INTO examples_fts(rowid, prompt, completion, data) "
            "SELECT id, prompt, completion, data FROM examples"
        )
        conn.exec_driver_sql(
            "INSERT INTO search_datasets (dataset_id, upto) SELECT id, ? FROM datasets",
            (FINISHED,),
        )
        conn.exec_driver_sql("PRAGMA analysis_limit=1000")
        conn.exec_driver_sql("ANALYZE examples")
        conn.exec_driver_sql("PRAGMA analysis_limit=0")
    elif conn.dialect.name == "postgresql":
        savepoint = conn.begin_nested()
        try:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError:
            savepoint.rollback()  # no right to create it: searches stay scans
            return
        savepoint.commit()
        conn.exec_driver_sql(PG_INDEX)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for name in ("examples_fts_insert", "examples_fts_delete", "examples_fts_update"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        conn.exec_driver_sql("DROP TRIGGER IF EXISTS search_datasets_forget")
        conn.exec_driver_sql("DROP TABLE IF EXISTS examples_fts")
        conn.exec_driver_sql("DROP TABLE IF EXISTS search_datasets")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("DROP INDEX IF EXISTS ix_examples_text_trgm")
