"""Fixes: pure functions that plan edits to a view; preview them; apply them as one batch.

A fix never writes while planning. ``plan_fix`` returns edits (new data for an example, or a
drop); ``preview_fix`` shows before/after of a few rows and how many change; ``apply_fix``
writes all edits as ONE revision batch through ``lib.core.example_store.apply_changes`` (all or
nothing, undoable with ``undo_batch``). A stale example (edited by someone after the view was
read) refuses the whole batch, so a failed fix writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lib.checks.base import Edit
from lib.checks.view import View
from lib.core.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclass(frozen=True, slots=True)
class Fix:
    name: str
    title: str
    plan: Callable[..., list[Edit]]
    schemas: tuple[str, ...] = ("completion",)
    new_schema: str | None = None


@dataclass(slots=True)
class Preview:
    fix: str
    title: str
    n_changed: int
    n_dropped: int
    samples: list[dict[str, Any]] = field(default_factory=list)  # row, before, after

    @property
    def n_total(self) -> int:
        return self.n_changed + self.n_dropped


from lib.checks.fix_chat import (  # noqa: E402
    add_system_message,
    convert_to_chat,
    convert_to_completion,
    drop_invalid,
)
from lib.checks.fix_plans import (  # noqa: E402
    add_ending,
    add_leading_space,
    add_separator,
    drop_duplicates,
    drop_empty,
    drop_extra_keys,
    drop_long,
    drop_over_limit,
    lowercase_completion,
    lowercase_prompt,
    merge_conflicts,
    normalise_labels,
    rename_columns,
    strip_completion_prefix,
    strip_prompt_prefix,
    truncate_over_limit,
)
from lib.checks.residue import drop_near_duplicates, strip_html  # noqa: E402

FIXES: dict[str, Fix] = {
    fix.name: fix
    for fix in (
        Fix("rename_columns", "Rename columns to prompt / completion", rename_columns),
        Fix("drop_extra_keys", "Remove other columns/keys", drop_extra_keys),
        Fix(
            "drop_empty",
            "Remove examples with empty text",
            drop_empty,
            ("completion", "chat", "preference"),
        ),
        Fix(
            "drop_duplicates",
            "Remove duplicates (keep the first)",
            drop_duplicates,
            ("completion", "chat", "preference"),
        ),
        Fix(
            "drop_near_duplicates",
            "Remove near-duplicates (keep the first)",
            drop_near_duplicates,
            ("completion", "chat"),
        ),
        Fix(
            "strip_html",
            "Remove HTML markup (line breaks become new lines)",
            strip_html,
            ("completion", "chat"),
        ),
        Fix(
            "merge_conflicts",
            "Merge same-prompt examples to their most common answer",
            merge_conflicts,
            ("completion", "chat"),
        ),
        Fix(
            "drop_long",
            "Remove examples over 10,000 characters",
            drop_long,
            ("completion", "chat", "preference"),
        ),
        Fix(
            "drop_over_limit",
            "Remove examples over the context limit",
            drop_over_limit,
            ("completion", "chat", "preference"),
        ),
        Fix(
            "truncate_over_limit",
            "Truncate examples to the context limit",
            truncate_over_limit,
            ("completion", "chat", "preference"),
        ),
        Fix("lowercase_prompt", "Lowercase prompts", lowercase_prompt),
        Fix("lowercase_completion", "Lowercase completions", lowercase_completion),
        Fix("add_separator", "Add a separator to the end of prompts", add_separator),
        Fix("strip_prompt_prefix", "Remove the common prompt prefix", strip_prompt_prefix),
        Fix(
            "strip_completion_prefix",
            "Remove the common completion prefix",
            strip_completion_prefix,
        ),
        Fix("add_ending", "Add an ending (stop sequence) to completions", add_ending),
        Fix("add_leading_space", "Start completions with a space", add_leading_space),
        Fix(
            "normalise_labels", "Write each label one way", normalise_labels, ("completion", "chat")
        ),
        Fix(
            "drop_invalid",
            "Remove examples a job would refuse",
            drop_invalid,
            ("chat", "preference"),
        ),
        Fix("add_system_message", "Add a system message", add_system_message, ("chat",)),
        Fix("convert_to_chat", "Convert to chat format", convert_to_chat, ("completion",), "chat"),
        Fix(
            "convert_to_completion",
            "Convert to prompt/completion format",
            convert_to_completion,
            ("chat",),
            "completion",
        ),
    )
}


def get_fix(name: str) -> Fix:
    try:
        return FIXES[name]
    except KeyError:
        raise UserError(f"unknown fix {name!r}") from None


def plan_fix(view: View, name: str, **params: Any) -> list[Edit]:
    fix = get_fix(name)
    if view.schema not in fix.schemas:
        raise UserError(f"the fix “{fix.title}” does not apply to {view.schema} data")
    return fix.plan(view, **params)


PREVIEW_TEXT_CHARS = 300


def _shorten(value: Any) -> Any:
    """Long strings cut to their start and end with their length, so that a truncation or a
    change at the end still shows in a preview."""
    if isinstance(value, str) and len(value) > PREVIEW_TEXT_CHARS:
        half = PREVIEW_TEXT_CHARS // 2
        return f"{value[:half]} … {value[-half:]} ({len(value):,} characters)"
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


def _render(data: dict[str, Any] | None) -> str:
    if data is None:
        return "(removed)"
    return json.dumps(_shorten(data), ensure_ascii=False, indent=1)


def preview_fix(view: View, name: str, *, sample: int = 5, **params: Any) -> Preview:
    """How many rows change, and before/after of the first ``sample`` of them."""
    edits = plan_fix(view, name, **params)
    fix = get_fix(name)
    samples = [
        {
            "row": view.source_rows[e.index],
            "before": _render(view.datas[e.index]),
            "after": _render(None if e.drop else e.data),
        }
        for e in edits[:sample]
    ]
    return Preview(
        fix=name,
        title=fix.title,
        n_changed=sum(1 for e in edits if not e.drop),
        n_dropped=sum(1 for e in edits if e.drop),
        samples=samples,
    )


def apply_edits_in_memory(view: View, edits: list[Edit]) -> list[dict[str, Any]]:
    """The view's datas with ``edits`` applied (command line: nothing stored)."""
    by_index = {e.index: e for e in edits}
    out = []
    for index, data in enumerate(view.datas):
        edit = by_index.get(index)
        if edit is None:
            out.append(data)
        elif not edit.drop and edit.data is not None:
            out.append(edit.data)
    return out


def apply_fix(engine: Engine, view: View, name: str, *, author: str, **params: Any) -> int | None:
    """Apply a fix to the stored dataset the view was read from, as ONE undoable batch.

    Returns the batch id (None when nothing changed). All or nothing: an example edited since
    the view was read refuses the whole batch (``StaleVersionError``).
    """
    from lib.core.example_store import Change, apply_changes

    if view.dataset_id is None or view.example_ids is None or view.versions is None:
        raise UserError("this fix needs a dataset from the store")
    fix = get_fix(name)
    edits = plan_fix(view, name, **params)
    if not edits:
        return None
    changes = [
        Change(
            example_id=view.example_ids[e.index],
            expected_version=view.versions[e.index],
            deleted=True if e.drop else None,
            data=None if e.drop else e.data,
        )
        for e in edits
    ]
    return apply_changes(
        engine,
        view.dataset_id,
        changes,
        author=author,
        reason=f"fix: {fix.title}",
        new_schema=fix.new_schema,
    )
