"""Resolving a refused save (``StaleVersionError``): keep mine, keep theirs, or a merge.

Nothing is lost: "keep mine" writes my state over theirs as a new revision (theirs stays in the
history), "keep theirs" writes nothing, and a merge starts from a field-by-field three-way merge
where only fields both sides changed need a decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lib.core.errors import StaleVersionError
from lib.core.example_store import Change


@dataclass(frozen=True, slots=True)
class Conflict:
    """Everything the conflict dialog needs; plain data so it can sit in session state."""

    example_id: int
    current_version: int  # the version "theirs" has now
    mine: dict[str, Any]  # the state I tried to save
    theirs: dict[str, Any]
    base: dict[str, Any] | None = None  # the state I had read, when known

    @classmethod
    def from_error(
        cls, exc: StaleVersionError, *, mine: dict[str, Any], base: dict[str, Any] | None = None
    ) -> Conflict:
        return cls(exc.example_id, exc.current, mine, exc.theirs, base)


@dataclass(frozen=True, slots=True)
class MergeDraft:
    state: dict[str, Any]
    conflicts: tuple[str, ...] = field(default=())  # fields both sides changed differently


_MISSING: Any = object()
_DEFAULTS: dict[str, Any] = {"status": "unreviewed", "comment": None, "deleted": False}


def _pick(name: str, base: Any, mine: Any, theirs: Any, conflicts: list[str]) -> Any:
    if mine == theirs:
        return mine
    if base is not _MISSING and mine == base:
        return theirs  # only they changed it
    if base is not _MISSING and theirs == base:
        return mine  # only I changed it
    conflicts.append(name)
    return mine


def three_way(conflict: Conflict) -> MergeDraft:
    """A merge of mine and theirs per top-level data key and state field (mine wins ties).

    Without a base (what I had read) every difference counts as a conflict.
    """
    base = conflict.base
    base_data = (base or {}).get("data") or {}
    mine_data, theirs_data = conflict.mine.get("data") or {}, conflict.theirs.get("data") or {}
    conflicts: list[str] = []
    data = {}
    for key in dict.fromkeys([*theirs_data, *mine_data]):
        value = _pick(
            key,
            base_data.get(key, _MISSING) if base is not None else _MISSING,
            mine_data.get(key, _MISSING),
            theirs_data.get(key, _MISSING),
            conflicts,
        )
        if value is not _MISSING:
            data[key] = value
    state: dict[str, Any] = {"data": data}
    for name, default in _DEFAULTS.items():
        state[name] = _pick(
            name,
            base.get(name, default) if base is not None else _MISSING,
            conflict.mine.get(name, default),
            conflict.theirs.get(name, default),
            conflicts,
        )
    return MergeDraft(state, tuple(conflicts))


def change_for(conflict: Conflict, state: dict[str, Any]) -> Change:
    """A change writing ``state`` over the current (their) version."""
    return Change(
        example_id=conflict.example_id,
        expected_version=conflict.current_version,
        data=state["data"],
        status=state.get("status") or "unreviewed",
        comment=state.get("comment"),
        deleted=bool(state.get("deleted", False)),
    )


def keep_mine(conflict: Conflict) -> Change:
    return change_for(conflict, conflict.mine)
