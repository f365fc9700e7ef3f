"""Text search index over examples (see ``lib.core.search``): FTS5 trigram table and its
triggers on SQLite, pg_trgm GIN indexes on PostgreSQL. Existing datasets are indexed here."""

from sqlalchemy.engine import Connection

from lib.core import search


def upgrade(conn: Connection) -> None:
    search.install(conn)
