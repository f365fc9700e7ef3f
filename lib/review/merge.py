"""Resolving a refused save (``StaleVersionError``): a three-way merge against what I read.

Against the version I started from (the base): a field only I changed takes my value, a field
only they changed keeps theirs, and only a field we both changed differently is a conflict for
a person to choose. Chat examples merge message by message (message 2 edited by me and message
3 by a colleague is no conflict). "Keep mine" is the merge with my side chosen for every
conflict, so it never reverts a field the colleague changed and I did not touch; "keep theirs"
writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from lib.core.errors import StaleVersionError
from lib.core.example_store import Change
from lib.core.examples import content_text

Side = Literal["mine", "theirs"]


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
class FieldConflict:
    """One field (or one chat message) both sides changed differently, as text for people."""

    name: str  # stable key for a choice: "prompt", "messages.2", "status"
    label: str  # what a person reads: "Prompt", "Message 3", "Status"
    mine: str
    theirs: str


@dataclass(frozen=True, slots=True)
class MergeDraft:
    state: dict[str, Any]  # the merge with the given choices (mine where none was given)
    conflicts: tuple[str, ...] = field(default=())  # names of fields both sides changed
    choices: tuple[FieldConflict, ...] = field(default=())


_MISSING: Any = object()
_DEFAULTS: dict[str, Any] = {"status": "unreviewed", "comment": None, "deleted": False}


def _text(value: Any) -> str:
    """A field's value as a person reads it (never JSON for plain text)."""
    if value is _MISSING or value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "role" in value:
        lines = [f"{value.get('role')}: {content_text(value.get('content'))}"]
        for key, extra in value.items():
            if key not in ("role", "content"):
                lines.append(f"{key}: {json.dumps(extra, ensure_ascii=False)}")
        return "\n".join(lines)
    return json.dumps(value, ensure_ascii=False, indent=2)


def _label(name: str) -> str:
    if name.startswith("messages."):
        return f"Message {int(name.split('.', 1)[1]) + 1}"
    return name[:1].upper() + name[1:].replace("_", " ")


class _Merger:
    def __init__(self, picks: Mapping[str, Side] | None) -> None:
        self.picks = dict(picks or {})
        self.conflicts: list[FieldConflict] = []

    def pick(self, name: str, base: Any, mine: Any, theirs: Any) -> Any:
        if mine == theirs:
            return mine
        if base is not _MISSING and mine == base:
            return theirs  # only they changed it
        if base is not _MISSING and theirs == base:
            return mine  # only I changed it
        self.conflicts.append(FieldConflict(name, _label(name), _text(mine), _text(theirs)))
        return theirs if self.picks.get(name) == "theirs" else mine

    def messages(self, base: Any, mine: Any, theirs: Any) -> Any:
        lists = [v for v in (base, mine, theirs) if v is not _MISSING]
        if not all(isinstance(v, list) for v in lists) or base is _MISSING:
            return self.pick("messages", base, mine, theirs)
        if mine in (theirs, base):
            return theirs
        if theirs == base:
            return mine
        merged = []
        for i in range(max(len(base), len(mine), len(theirs))):
            value = self.pick(
                f"messages.{i}",
                base[i] if i < len(base) else _MISSING,
                mine[i] if i < len(mine) else _MISSING,
                theirs[i] if i < len(theirs) else _MISSING,
            )
            if value is not _MISSING:
                merged.append(value)
        return merged


def merge_states(
    base: dict[str, Any] | None,
    mine: dict[str, Any],
    theirs: dict[str, Any],
    picks: Mapping[str, Side] | None = None,
) -> MergeDraft:
    """Three-way merge of two states against ``base``; ``picks`` settles conflicts by name.

    Without a base (what I had read is unknown) every difference is a conflict.
    """
    merger = _Merger(picks)
    known = base is not None
    base_data = (base or {}).get("data") or {}
    mine_data, theirs_data = mine.get("data") or {}, theirs.get("data") or {}
    data: dict[str, Any] = {}
    for key in dict.fromkeys([*theirs_data, *mine_data]):
        args = (
            base_data.get(key, _MISSING) if known else _MISSING,
            mine_data.get(key, _MISSING),
            theirs_data.get(key, _MISSING),
        )
        value = merger.messages(*args) if key == "messages" else merger.pick(key, *args)
        if value is not _MISSING:
            data[key] = value
    state: dict[str, Any] = {"data": data}
    for name, default in _DEFAULTS.items():
        state[name] = merger.pick(
            name,
            (base or {}).get(name, default) if known else _MISSING,
            mine.get(name, default),
            theirs.get(name, default),
        )
    return MergeDraft(state, tuple(c.name for c in merger.conflicts), tuple(merger.conflicts))


def three_way(conflict: Conflict, picks: Mapping[str, Side] | None = None) -> MergeDraft:
    """The merge of a refused save (mine wins a conflict unless ``picks`` says theirs)."""
    return merge_states(conflict.base, conflict.mine, conflict.theirs, picks)


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
    """My changes over theirs, field by field: what only they changed stays theirs."""
    return change_for(conflict, three_way(conflict).state)
