"""Dataset names: cleaned, unique, readable."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lib.core.errors import UserError
from lib.core.tables import datasets

MAX_NAME_LENGTH = 300


def clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise UserError("a dataset needs a name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise UserError(f"a dataset name can have at most {MAX_NAME_LENGTH} characters")
    return cleaned


def name_taken(conn: Connection, name: str) -> bool:
    query = sa.select(datasets.c.id).where(datasets.c.name == name)
    return conn.execute(query).first() is not None


def unique_name(conn: Connection, base: str) -> str:
    """``base``, or ``base (2)``, ``base (3)`` … whichever is free."""
    name = clean_name(base)
    candidate, n = name, 1
    while name_taken(conn, candidate):
        n += 1
        candidate = f"{name} ({n})"
    return candidate
