"""Pulling a job's training and validation files into Tunelab datasets, with lineage.

The provider's bytes are read with ``files.content`` (OpenAI's "Retrieve file content",
platform.openai.com/docs/api-reference/files/retrieve-contents, read 2026-11); a file the
provider has deleted answers 404, which is reported as such so the user can attach a local
copy. The import goes through the datasets service; the lineage (provider, job, file id,
sha256, where the bytes came from) is kept in ``migrate_pulls``, claimed before the import so a
double click imports one dataset, not two.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.core.errors import NotFoundError, UserError
from lib.core.identity import Actor
from lib.core.tables import utcnow
from lib.datasets import service as datasets
from lib.migrate.inventory import ModelRecord
from lib.migrate.tables import migrate_pulls
from lib.providers.service import ProviderConfig, client_for, provider_errors

if TYPE_CHECKING:
    pass

ROLES = ("training", "validation")
FROM_PROVIDER = "provider"
FROM_LOCAL = "local copy"
# What a pulled file's status says.
IMPORTED, ALREADY, DELETED, NO_FILE = "imported", "already pulled", "deleted at provider", "none"


@dataclass(frozen=True, slots=True)
class PulledFile:
    """One of the job's files and what became of it."""

    role: str  # training / validation
    file_id: str | None
    status: str  # imported / already pulled / deleted at provider / none
    dataset_id: int | None = None
    dataset_name: str | None = None
    n_examples: int | None = None
    sha256: str | None = None
    source: str | None = None  # provider / local copy

    def as_json(self) -> dict[str, Any]:
        return {
            "role": self.role, "file_id": self.file_id, "status": self.status,
            "dataset_id": self.dataset_id, "dataset": self.dataset_name,
            "n_examples": self.n_examples, "sha256": self.sha256, "source": self.source,
        }  # fmt: skip


def download(
    config: ProviderConfig, file_id: str, *, secrets: Mapping[str, Any] | None
) -> bytes | None:
    """The file's bytes, or None when the provider no longer has it (404)."""
    import openai

    client = client_for(config, secrets=secrets)
    try:
        with provider_errors(config, f"download the file {file_id}", secrets=secrets):
            try:
                return bytes(client.files.content(file_id).read())
            except openai.NotFoundError:
                return None
    except NotFoundError:
        return None


def _existing(conn: sa.Connection, record: ModelRecord, role: str, digest: str) -> Any:
    t = migrate_pulls
    return conn.execute(
        sa.select(t).where(
            t.c.provider == record.provider, t.c.model == record.id, t.c.role == role,
            t.c.sha256 == digest,
        )
    ).first()  # fmt: skip


def store_pull(
    engine: Engine,
    record: ModelRecord,
    *,
    role: str,
    data: bytes,
    file_id: str | None,
    file_name: str,
    source: str,
    author: str,
    actor: Actor | None,
) -> PulledFile:
    """Import ``data`` as a dataset (once per model, role and bytes) and keep its lineage."""
    if role not in ROLES:
        raise UserError(f"unknown file role {role!r}; use training or validation")
    digest = hashlib.sha256(data).hexdigest()
    with engine.begin() as conn:
        row = _existing(conn, record, role, digest)
        if row is None:
            conn.execute(
                migrate_pulls.insert().values(
                    provider=record.provider, model=record.id, job=record.job, role=role,
                    file_id=file_id, source=source, file_name=file_name[:300], sha256=digest,
                    bytes=len(data), dataset_id=None, created_at=utcnow(), created_by=author,
                )
            )  # fmt: skip
    if row is not None and row.dataset_id is not None:
        try:
            info = datasets.dataset_info(engine, row.dataset_id, actor=actor)
        except NotFoundError:  # the dataset was deleted since: import it again below
            pass
        else:
            return PulledFile(
                role, file_id, ALREADY, info.id, info.name, info.n_examples, digest, row.source
            )
    name = datasets.suggest_name(engine, f"{record.id} {role}", actor=actor)
    try:
        summary = datasets.import_upload(engine, data, file_name=file_name, name=name, actor=actor)
    except Exception:
        with engine.begin() as conn:  # free the claim: a corrected retry may import it
            t = migrate_pulls
            conn.execute(
                t.delete().where(
                    t.c.provider == record.provider, t.c.model == record.id, t.c.role == role,
                    t.c.sha256 == digest, t.c.dataset_id.is_(None),
                )
            )  # fmt: skip
        raise
    with engine.begin() as conn:
        t = migrate_pulls
        conn.execute(
            t.update()
            .where(t.c.provider == record.provider, t.c.model == record.id, t.c.role == role, t.c.sha256 == digest)
            .values(dataset_id=summary.dataset_id, source=source, file_id=file_id)
        )  # fmt: skip
    info = datasets.dataset_info(engine, summary.dataset_id, actor=actor)
    return PulledFile(role, file_id, IMPORTED, info.id, info.name, info.n_examples, digest, source)


@dataclass(frozen=True, slots=True)
class Lineage:
    """Where a pulled dataset came from."""

    dataset_id: int
    provider: str
    model: str
    job: str | None
    role: str
    file_id: str | None
    source: str
    sha256: str
    bytes: int
    created_at: Any
    created_by: str


def lineage(
    conn: sa.Connection, *, model: str | None = None, dataset_id: int | None = None
) -> list[Lineage]:
    t = migrate_pulls
    query = sa.select(t).where(t.c.dataset_id.is_not(None)).order_by(t.c.id)
    if model is not None:
        query = query.where(t.c.model == model)
    if dataset_id is not None:
        query = query.where(t.c.dataset_id == dataset_id)
    return [
        Lineage(
            dataset_id=r.dataset_id, provider=r.provider, model=r.model, job=r.job, role=r.role,
            file_id=r.file_id, source=r.source, sha256=r.sha256, bytes=r.bytes,
            created_at=r.created_at, created_by=r.created_by,
        )
        for r in conn.execute(query)
    ]  # fmt: skip


def known_models(
    conn: sa.Connection, provider: str
) -> dict[str, tuple[str | None, dict[str, str | None]]]:
    """Models of ``provider`` this store pulled or recorded: model → (job, role → file id)."""
    from lib.migrate.tables import migrate_recordings

    out: dict[str, tuple[str | None, dict[str, str | None]]] = {}
    t = migrate_pulls
    for row in conn.execute(sa.select(t).where(t.c.provider == provider).order_by(t.c.id)):
        job, files = out.get(row.model, (None, {}))
        files[row.role] = row.file_id
        out[row.model] = (row.job or job, files)
    r = migrate_recordings
    for model in conn.execute(sa.select(r.c.model).where(r.c.provider == provider)).scalars():
        out.setdefault(model, (None, {}))
    return out
