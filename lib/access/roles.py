"""Roles and reviewers' datasets in the store (SQL only; the rules are in ``service``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from lib.access.tables import user_roles
from lib.core.assignments import dataset_reviewers, person_key
from lib.core.identity import Role
from lib.core.tables import utcnow


@dataclass(frozen=True, slots=True)
class Grant:
    person: str
    role: Role
    granted_by: str
    granted_at: datetime | None  # None for an admin named in config
    from_config: bool = False


def normalise(person: str) -> str:
    """People are named by their verified email or subject; emails compare case-insensitively."""
    return person_key(person)


def parse_admins(value: str | Iterable[str] | None) -> frozenset[str]:
    """Admins named in config: a comma/space separated string or a list of identities."""
    if value is None:
        return frozenset()
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return frozenset(normalise(str(item)) for item in items if str(item).strip())


def stored_role(conn: Connection, person: str) -> Role | None:
    value = conn.execute(
        sa.select(user_roles.c.role).where(user_roles.c.person == normalise(person))
    ).scalar_one_or_none()
    return Role(value) if value else None


def grants(conn: Connection) -> list[Grant]:
    rows = conn.execute(sa.select(user_roles).order_by(user_roles.c.person))
    return [Grant(r.person, Role(r.role), r.granted_by, r.granted_at) for r in rows]


def set_role(conn: Connection, person: str, role: Role, *, by: str) -> None:
    who = normalise(person)
    conn.execute(sa.delete(user_roles).where(user_roles.c.person == who))
    if role is not Role.VIEWER:  # viewer is what everyone signed in holds without a row
        conn.execute(
            user_roles.insert().values(
                person=who, role=role.value, granted_by=by, granted_at=utcnow()
            )
        )


def reviewers_of(conn: Connection, dataset_id: int) -> list[str]:
    query = (
        sa.select(dataset_reviewers.c.person)
        .where(dataset_reviewers.c.dataset_id == dataset_id)
        .order_by(dataset_reviewers.c.person)
    )
    return list(conn.execute(query).scalars())


def datasets_of(conn: Connection, person: str) -> list[int]:
    query = sa.select(dataset_reviewers.c.dataset_id).where(
        dataset_reviewers.c.person == normalise(person)
    )
    return sorted(conn.execute(query).scalars())


def is_assigned(conn: Connection, dataset_id: int, person: str) -> bool:
    query = sa.select(sa.literal(1)).where(
        dataset_reviewers.c.dataset_id == dataset_id,
        dataset_reviewers.c.person == normalise(person),
    )
    return conn.execute(query).first() is not None


def assign(conn: Connection, dataset_id: int, person: str, *, by: str) -> bool:
    """Assign the dataset to the reviewer; False when it already was."""
    if is_assigned(conn, dataset_id, person):
        return False
    conn.execute(
        dataset_reviewers.insert().values(
            dataset_id=dataset_id, person=normalise(person), assigned_by=by, assigned_at=utcnow()
        )
    )
    return True


def unassign(conn: Connection, dataset_id: int, person: str) -> bool:
    result = conn.execute(
        sa.delete(dataset_reviewers).where(
            dataset_reviewers.c.dataset_id == dataset_id,
            dataset_reviewers.c.person == normalise(person),
        )
    )
    return bool(result.rowcount)
