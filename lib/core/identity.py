"""Who is acting: the person every service call names, and the roles it may act in.

Every use case in a feature's ``service`` takes an :class:`Actor` and checks it with
:func:`require` before it touches the store, so a permission holds whatever a screen shows or
hides. Signed in (OIDC through ``st.login``), the actor's name is the verified identity (email,
else subject); in local mode (no sign-in configured, app bound to loopback) it is a typed name
marked unverified, and the one local person holds every role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from lib.core.errors import UserError


class Role(StrEnum):
    """What a person may do; each role is named for the work it allows."""

    ADMIN = "admin"  # providers, prices, limits, roles, deleting datasets
    TRAINER = "trainer"  # snapshots, launching/cancelling jobs, spending runs
    REVIEWER = "reviewer"  # edits and verdicts on the datasets assigned to them
    VIEWER = "viewer"  # reads


# Roles that include another's permissions: an admin may do what a trainer may, and so on.
_INCLUDES: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset({Role.ADMIN, Role.TRAINER, Role.REVIEWER, Role.VIEWER}),
    Role.TRAINER: frozenset({Role.TRAINER, Role.REVIEWER, Role.VIEWER}),
    Role.REVIEWER: frozenset({Role.REVIEWER, Role.VIEWER}),
    Role.VIEWER: frozenset({Role.VIEWER}),
}


class PermissionDeniedError(UserError):
    """The acting person's role does not allow the action; nothing was written."""

    exit_code = 3


class MissingIdentityError(UserError):
    """A change needs a name to record, and none was given."""


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind a service call.

    ``name`` is what revisions, verdicts, jobs and runs record. ``verified`` is true only for a
    signed-in identity. ``roles`` are the roles held; ``local`` marks local mode, where the
    single person at the keyboard may do everything.
    """

    name: str
    verified: bool = False
    roles: frozenset[Role] = field(default_factory=frozenset)
    local: bool = False

    def can(self, role: Role) -> bool:
        if self.local:
            return True
        return any(role in _INCLUDES[held] for held in self.roles)

    @property
    def label(self) -> str:
        """The name as history shows it: unverified names say so."""
        return self.name if self.verified else f"{self.name} (unverified)"


def local_actor(name: str | None) -> Actor | None:
    """The actor of local mode for a typed name, or None when no name was typed."""
    cleaned = (name or "").strip()
    if not cleaned:
        return None
    return Actor(name=cleaned, verified=False, roles=frozenset(Role), local=True)


# The command line runs as the person at the terminal: local mode, every role.
CLI_ACTOR = Actor(name="command line", verified=False, roles=frozenset(Role), local=True)


def require(actor: Actor | None, role: Role, *, action: str) -> Actor:
    """Return ``actor`` when it may act in ``role``; otherwise refuse with a plain sentence.

    ``action`` completes "You cannot …" (e.g. "launch a fine-tuning job").
    """
    if actor is None:
        raise MissingIdentityError(
            f"Enter your name before you {action}: every change records who made it."
        )
    if not actor.can(role):
        held = ", ".join(sorted(r.value for r in actor.roles)) or "no role"
        raise PermissionDeniedError(
            f"You cannot {action}: it needs the {role.value} role, and {actor.name} has {held}."
        )
    return actor


def require_read(actor: Actor | None, *, action: str) -> Actor | None:
    """Reads: allowed to the viewer role, and in local mode before a name is typed.

    A screen shows what is in the store before anyone types a name (local mode); signed in,
    the guard always names an actor, so ``None`` never reaches a service from a signed-in
    session. A name is needed only to change things (:func:`require`).
    """
    if actor is None:
        return None
    return require(actor, Role.VIEWER, action=action)
