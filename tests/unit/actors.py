"""Signed-in people holding one role each, for the service tests of every feature."""

from __future__ import annotations

from lib.core.identity import Actor, Role


def signed_in(role: Role) -> Actor:
    return Actor(name=f"{role.value}@example.com", verified=True, roles=frozenset({role}))


ADMIN = signed_in(Role.ADMIN)
TRAINER = signed_in(Role.TRAINER)
REVIEWER = signed_in(Role.REVIEWER)
VIEWER = signed_in(Role.VIEWER)
NOBODY = Actor(name="guest@example.com", verified=True, roles=frozenset())
