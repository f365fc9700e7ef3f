"""The search indexes learn word order: their trigrams are taken from the text with its spaces
removed, so that a trigram also spans the end of one word and the start of the next
(``lib.core.search`` says why).

- PostgreSQL: the ``pg_trgm`` index is built again over the joined columns without spaces
  (only where ``m0004_search`` could create ``pg_trgm``; without it, searches stay scans).
- SQLite: the FTS5 table's content becomes the view ``examples_fts_text`` (the columns without
  spaces), the triggers index the same, and the rows indexed before are indexed again.

Written out as the DDL of its day, like ``m0004_search``. A core revision, applied after the
head it was written against (``m0700_access``).

Revision ID: m0005_search_phrases
Revises: m0700_access
"""

from __future__ import annotations

from alembic import op

revision = "m0005_search_phrases"
down_revision = "m0700_access"
branch_labels = None
depends_on = None

PG_INDEX = "ix_examples_text_trgm"
PG_OLD_EXPRESSION = "(prompt || ' ' || completion || ' ' || data)"
PG_NEW_EXPRESSION = "(replace(prompt || completion || data, ' ', ''))"

_TRIGGERS = ("examples_fts_insert", "examples_fts_delete", "examples_fts_update")
_WHEN_INDEXED = (
    "EXISTS (SELECT 1 FROM search_datasets "
    "WHERE dataset_id = {side}.dataset_id AND {side}.id <= upto)"
)
_VIEW = (
    "CREATE VIEW examples_fts_text AS SELECT id, replace(prompt, ' ', '') AS prompt, "
    "replace(completion, ' ', '') AS completion, replace(data, ' ', '') AS data FROM examples"
)


def _sqlite_ddl(*, spaceless: bool) -> tuple[str, ...]:
    """The FTS5 table and its triggers: over the text without spaces (this revision) or as
    written (``m0004_search``)."""

    def values(side: str) -> str:
        cols = ("prompt", "completion", "data")
        if spaceless:
            return ", ".join(f"replace({side}.{c}, ' ', '')" for c in cols)
        return ", ".join(f"{side}.{c}" for c in cols)

    insert_new = (
        f"INSERT INTO examples_fts(rowid, prompt, completion, data) "
        f"VALUES (new.id, {values('new')});"
    )
    delete_old = (
        f"INSERT INTO examples_fts(examples_fts, rowid, prompt, completion, data) "
        f"VALUES ('delete', old.id, {values('old')});"
    )
    content = "examples_fts_text" if spaceless else "examples"
    return (
        f"CREATE VIRTUAL TABLE examples_fts USING fts5("
        f"prompt, completion, data, content='{content}', content_rowid='id', "
        f"tokenize='trigram', detail=none)",
        f"CREATE TRIGGER examples_fts_insert AFTER INSERT ON examples "
        f"WHEN {_WHEN_INDEXED.format(side='new')} BEGIN {insert_new} END",
        f"CREATE TRIGGER examples_fts_delete AFTER DELETE ON examples "
        f"WHEN {_WHEN_INDEXED.format(side='old')} BEGIN {delete_old} END",
        f"CREATE TRIGGER examples_fts_update "
        f"AFTER UPDATE OF prompt, completion, data ON examples "
        f"WHEN {_WHEN_INDEXED.format(side='old')} BEGIN {delete_old} {insert_new} END",
    )


def _rebuild_sqlite(*, spaceless: bool) -> None:
    conn = op.get_bind()
    for name in _TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    conn.exec_driver_sql("DROP TABLE IF EXISTS examples_fts")
    conn.exec_driver_sql("DROP VIEW IF EXISTS examples_fts_text")
    if spaceless:
        conn.exec_driver_sql(_VIEW)
    for ddl in _sqlite_ddl(spaceless=spaceless):
        conn.exec_driver_sql(ddl)
    # The rows that were indexed are indexed again (``search_datasets.upto`` says which).
    columns = (
        "e.id, replace(e.prompt, ' ', ''), replace(e.completion, ' ', ''), replace(e.data, ' ', '')"
        if spaceless
        else "e.id, e.prompt, e.completion, e.data"
    )
    conn.exec_driver_sql(
        f"INSERT INTO examples_fts(rowid, prompt, completion, data) SELECT {columns} "
        "FROM examples e JOIN search_datasets s ON s.dataset_id = e.dataset_id "
        "WHERE e.id <= s.upto"
    )


def _rebuild_postgresql(expression: str) -> None:
    conn = op.get_bind()
    present = conn.exec_driver_sql(
        "SELECT 1 FROM pg_indexes WHERE tablename = 'examples' AND indexname = %(name)s",
        {"name": PG_INDEX},
    ).first()
    if present is None:
        return  # no pg_trgm: searches scan
    conn.exec_driver_sql(f"DROP INDEX {PG_INDEX}")
    conn.exec_driver_sql(
        f"CREATE INDEX {PG_INDEX} ON examples USING gin ({expression} gin_trgm_ops)"
    )
    # The planner's estimates of the new expression come from statistics of it.
    conn.exec_driver_sql("ANALYZE examples")


def _rebuild(*, spaceless: bool) -> None:
    """Whichever index this store has, over text without spaces (upgrade) or as written."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _rebuild_sqlite(spaceless=spaceless)
    elif dialect == "postgresql":
        _rebuild_postgresql(PG_NEW_EXPRESSION if spaceless else PG_OLD_EXPRESSION)


def upgrade() -> None:
    _rebuild(spaceless=True)


def downgrade() -> None:
    _rebuild(spaceless=False)
