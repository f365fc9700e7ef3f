"""Small JSON settings kept in the store (never secrets: those live in the environment)."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.core.tables import app_settings, utcnow


def get_setting(conn: Connection, key: str, default: Any = None) -> Any:
    row = conn.execute(sa.select(app_settings.c.value).where(app_settings.c.key == key)).first()
    return json.loads(row.value) if row else default


def set_setting(engine: Engine, key: str, value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False)
    with engine.begin() as conn:
        updated = conn.execute(
            app_settings.update()
            .where(app_settings.c.key == key)
            .values(value=text, updated_at=utcnow())
        )
        if updated.rowcount == 0:
            conn.execute(app_settings.insert().values(key=key, value=text, updated_at=utcnow()))


def claim_setting(engine: Engine, key: str, value: Any) -> bool:
    """Insert ``key`` only if absent; True for the one caller that inserted it."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        with engine.begin() as conn:
            conn.execute(app_settings.insert().values(key=key, value=text, updated_at=utcnow()))
        return True
    except sa.exc.IntegrityError:
        return False
