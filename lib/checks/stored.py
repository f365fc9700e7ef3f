"""Findings kept in the store: written when the app checks a dataset, read by review filters."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from lib.checks.base import Finding
from lib.checks.tables import check_findings
from lib.core.tables import utcnow

INSERT_BATCH = 5_000


def save_findings(
    engine: Engine, dataset_id: int, data_version: int, findings: Iterable[Finding]
) -> int:
    """Replace the dataset's stored findings with these; returns the rows written."""
    now = utcnow()
    rows = [
        {
            "dataset_id": dataset_id,
            "data_version": data_version,
            "check": finding.check,
            "severity": finding.severity,
            "example_id": example_id,
            "created_at": now,
        }
        for finding in findings
        for example_id in finding.example_ids
    ]
    with engine.begin() as conn:
        conn.execute(check_findings.delete().where(check_findings.c.dataset_id == dataset_id))
        for start in range(0, len(rows), INSERT_BATCH):
            conn.execute(check_findings.insert(), rows[start : start + INSERT_BATCH])
    return len(rows)


def example_ids_with_findings(
    conn: Connection, dataset_id: int, *, severities: Iterable[str] = ("error", "warning")
) -> set[int]:
    """Ids of examples the dataset's last check found something about (errors and warnings
    by default; pass ``severities`` to include "info")."""
    query = (
        sa.select(check_findings.c.example_id)
        .where(
            check_findings.c.dataset_id == dataset_id,
            check_findings.c.severity.in_(list(severities)),
        )
        .distinct()
    )
    return set(conn.execute(query).scalars())


def findings_checked_version(conn: Connection, dataset_id: int) -> int | None:
    """The data version the stored findings describe (None: never checked)."""
    query = sa.select(sa.func.max(check_findings.c.data_version)).where(
        check_findings.c.dataset_id == dataset_id
    )
    return conn.execute(query).scalar()
