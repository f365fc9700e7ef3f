"""Review drafts: what each reviewer typed and has not saved, per example (survives reloads)."""

from sqlalchemy.engine import Connection

from lib.core.migrations import create_tables
from lib.review.tables import review_drafts


def upgrade(conn: Connection) -> None:
    create_tables(conn, [review_drafts])
