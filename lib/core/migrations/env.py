"""Alembic's environment: run the revisions in ``versions/`` on a connection.

Tunelab calls :func:`lib.core.migrations.migrate`, which hands its connection (one transaction,
locked against a second process) in ``config.attributes["connection"]``. Run from the command
line (``alembic upgrade head``, ``alembic revision -m "…"``: ``[tool.alembic]`` in
pyproject.toml points here) it opens the store ``DATABASE_URL`` names, or the default SQLite
file. There is deliberately no ``target_metadata``: revisions are written out as explicit DDL,
never generated from today's table definitions (see README.md here).
"""

from __future__ import annotations

from alembic import context

from lib.core.migrations import VERSION_TABLE

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    from lib.core.db import create_engine_for, database_url

    engine = create_engine_for(database_url())
    with engine.begin() as conn:
        context.configure(connection=conn, version_table=VERSION_TABLE)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
else:
    context.configure(connection=connection, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()
