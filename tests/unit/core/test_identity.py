"""Roles: who may do what, and the sentence a refused person reads."""

from __future__ import annotations

import pytest

from lib.core.identity import (
    Actor,
    MissingIdentityError,
    PermissionDeniedError,
    Role,
    local_actor,
    require,
)


def test_roles_include_the_ones_below() -> None:
    trainer = Actor(name="t@example.com", verified=True, roles=frozenset({Role.TRAINER}))
    assert require(trainer, Role.REVIEWER, action="edit an example") is trainer
    with pytest.raises(
        PermissionDeniedError, match="needs the admin role, and t@example.com has trainer"
    ):
        require(trainer, Role.ADMIN, action="delete a dataset")


def test_viewer_cannot_change_anything() -> None:
    viewer = Actor(name="v@example.com", verified=True, roles=frozenset({Role.VIEWER}))
    for role in (Role.REVIEWER, Role.TRAINER, Role.ADMIN):
        with pytest.raises(PermissionDeniedError):
            require(viewer, role, action="change it")


def test_local_mode_names_are_unverified_and_hold_every_role() -> None:
    ana = local_actor("  Ana ")
    assert ana is not None and ana.name == "Ana" and ana.label == "Ana (unverified)"
    assert require(ana, Role.ADMIN, action="delete a dataset") is ana
    assert local_actor("   ") is None
    with pytest.raises(MissingIdentityError, match="Enter your name"):
        require(None, Role.REVIEWER, action="save")
