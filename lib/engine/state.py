"""The engine's state on disk: a small SQLite file plus folders of uploaded files and models.

Every object the API returns (file, job, event, checkpoint, model, batch) is a JSON document
in one table, so a restart loses nothing and the API answers exactly what it stored. One lock
serialises writers; SQLite in WAL mode lets the many completion threads read alongside.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import string
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_ALPHABET = string.ascii_letters + string.digits

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    parent TEXT,
    data TEXT NOT NULL,
    UNIQUE (kind, id)
);
CREATE INDEX IF NOT EXISTS objects_kind_parent ON objects (kind, parent, seq);
"""


def new_id(prefix: str, *, length: int = 24) -> str:
    """A random id in OpenAI's style (``file-…``, ``ftjob-…``)."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def now() -> int:
    return int(time.time())


class State:
    """Objects by kind and id, files' bytes and model files under one data folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.files_dir = self.root / "files"
        self.models_dir = self.root / "models"
        for folder in (self.root, self.files_dir, self.models_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            self.root / "engine.sqlite3", check_same_thread=False, isolation_level=None
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA busy_timeout=5000")
        # WAL + NORMAL: no fsync per event row; a power cut may lose the last moments, never
        # corrupt the file (and jobs resume from their last snapshot anyway).
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several reads and writes that no other thread interleaves with."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def put(self, kind: str, obj: dict[str, Any], *, parent: str | None = None) -> dict[str, Any]:
        """Insert or replace ``obj`` (keyed by its ``id``); its list position stays the first one."""
        data = json.dumps(obj)
        with self._lock:
            self._conn.execute(
                "INSERT INTO objects (kind, id, parent, data) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, id) DO UPDATE SET data = excluded.data",
                (kind, obj["id"], parent, data),
            )
        return obj

    def get(self, kind: str, ident: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM objects WHERE kind = ? AND id = ?", (kind, ident)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def update(self, kind: str, ident: str, **changes: Any) -> dict[str, Any]:
        """Change some fields of a stored object and return it."""
        with self._lock:
            obj = self.get(kind, ident)
            if obj is None:
                raise KeyError(ident)
            obj.update(changes)
            self.put(kind, obj)
        return obj

    def delete(self, kind: str, ident: str) -> bool:
        with self._lock:
            cur = self._conn.execute("DELETE FROM objects WHERE kind = ? AND id = ?", (kind, ident))
        return cur.rowcount > 0

    def list(
        self, kind: str, *, parent: str | None = None, newest_first: bool = True
    ) -> list[dict[str, Any]]:
        """All objects of a kind (optionally of one parent), newest first like OpenAI's lists."""
        order = "DESC" if newest_first else "ASC"
        sql = "SELECT data FROM objects WHERE kind = ?"
        params: tuple[Any, ...] = (kind,)
        if parent is not None:
            sql += " AND parent = ?"
            params += (parent,)
        with self._lock:
            rows = self._conn.execute(f"{sql} ORDER BY seq {order}", params).fetchall()
        return [json.loads(r[0]) for r in rows]

    def file_path(self, file_id: str) -> Path:
        return self.files_dir / file_id

    def model_path(self, name: str) -> Path:
        """Where a trained model's pickle lives (``name`` is a safe file name)."""
        return self.models_dir / f"{name}.pkl"

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def paginate(
    items: list[dict[str, Any]], *, after: str | None, limit: int | None, default_limit: int = 20
) -> dict[str, Any]:
    """A cursor page as OpenAI returns it: ``data``, ``has_more``, ``first_id``, ``last_id``."""
    start = 0
    if after:
        for index, item in enumerate(items):
            if item["id"] == after:
                start = index + 1
                break
    size = default_limit if limit is None else limit
    page = items[start : start + size]
    return {
        "object": "list",
        "data": page,
        "has_more": start + size < len(items),
        "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None,
    }
