"""Checks & fixes: the use cases of the Checks screen, and what other features use of checks.

Running the checks, previewing a fix and looking for leakage are reads (the findings a run
stores are a cache for the review filter "has findings"); applying a fix and undoing a batch
change examples, so they need the reviewer role and record the reviewer's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lib.checks import SEVERITIES, Finding, run_checks, view_from_datas, view_from_store
from lib.checks.base import SEVERITY_HELP
from lib.checks.fixes import FIXES, Fix, Preview, preview_fix
from lib.checks.registry import title_of
from lib.core.errors import UserError
from lib.core.identity import Actor, Role, require, require_read

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

__all__ = [
    "FIXES",
    "SEVERITIES",
    "SEVERITY_HELP",
    "AppliedFix",
    "CheckReport",
    "Finding",
    "Fix",
    "FixBatch",
    "Preview",
    "apply_fix",
    "check_dataset",
    "example_ids_with_findings",
    "findings_checked_version",
    "findings_subquery",
    "fix_preview",
    "recent_fixes",
    "run_checks",
    "snapshot_leakage",
    "undo_fix",
    "view_from_datas",
]


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What the Checks screen shows: findings as plain dicts, token figures, example count."""

    findings: list[dict[str, Any]]
    tokens: dict[str, Any]
    examples: int


@dataclass(frozen=True, slots=True)
class AppliedFix:
    """A fix applied as one undoable batch (``batch_id`` None: nothing changed)."""

    batch_id: int | None
    title: str
    n_examples: int


@dataclass(frozen=True, slots=True)
class FixBatch:
    """One batch of changes in the dataset's history (a fix, a bulk edit, an undo)."""

    id: int
    created_at: Any
    author: str
    reason: str
    n_changes: int
    undone_at: Any
    undone_by: str | None


def _limits(engine: Engine) -> dict[str, int]:
    from lib.core.tokens import load_context_limits

    with engine.connect() as conn:
        return load_context_limits(conn)


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        **finding.to_json(),
        "title": title_of(finding.check),
        "example_ids": finding.example_ids,
    }


# --- reads ---------------------------------------------------------------------------------


def check_dataset(
    engine: Engine, dataset_id: int, *, data_version: int, model: str, actor: Actor | None
) -> CheckReport:
    """Run every check on the dataset as of ``data_version`` and store the findings for the
    review filter; token figures for ``model`` (its encoding and context limit)."""
    from lib.checks.stored import save_findings

    require_read(actor, action="check a dataset")
    view = view_from_store(engine, dataset_id, model=model, context_limits=_limits(engine))
    findings = run_checks(view)
    save_findings(engine, dataset_id, view.data_version or data_version, findings)
    return CheckReport(
        findings=[_finding_dict(f) for f in findings],
        tokens=view.tokens.summary(),
        examples=len(view),
    )


def fix_preview(
    engine: Engine,
    dataset_id: int,
    name: str,
    *,
    model: str,
    params: dict[str, Any],
    actor: Actor | None,
) -> Preview:
    """What a fix would change (before/after samples, counts); writes nothing."""
    require_read(actor, action="preview a fix")
    view = view_from_store(engine, dataset_id, model=model, context_limits=_limits(engine))
    return preview_fix(view, name, **params)


def recent_fixes(
    engine: Engine, dataset_id: int, *, limit: int = 10, actor: Actor | None
) -> list[FixBatch]:
    """The dataset's latest change batches that can be undone (undo batches left out)."""
    from lib.core.example_store import list_batches

    require_read(actor, action="see a dataset's history")
    with engine.connect() as conn:
        rows = [b for b in list_batches(conn, dataset_id) if b.undo_of is None][:limit]
    return [
        FixBatch(
            id=b.id,
            created_at=b.created_at,
            author=b.author,
            reason=b.reason,
            n_changes=b.n_changes,
            undone_at=b.undone_at,
            undone_by=b.undone_by,
        )
        for b in rows
    ]


def snapshot_leakage(
    engine: Engine, snapshot_id: int, *, actor: Actor | None
) -> list[dict[str, Any]]:
    """Prompts of a snapshot's valid/test splits that appear in its train split."""
    from lib.checks.leakage import snapshot_leakage as find_leakage

    require_read(actor, action="check a snapshot")
    return [_finding_dict(f) for f in find_leakage(engine, snapshot_id)]


# --- changes (reviewer) --------------------------------------------------------------------


def apply_fix(
    engine: Engine,
    dataset_id: int,
    name: str,
    *,
    data_version: int,
    model: str,
    params: dict[str, Any],
    actor: Actor | None,
) -> AppliedFix:
    """Apply a fix, as previewed on the dataset's ``data_version``, as ONE undoable batch.

    A dataset changed since that version refuses the fix (the preview would not be what is
    applied); an example edited while the fix runs refuses it all (``StaleVersionError``).
    """
    from lib.checks import fixes

    who = require(actor, Role.REVIEWER, action="apply a fix")
    view = view_from_store(engine, dataset_id, model=model, context_limits=_limits(engine))
    if view.data_version != data_version:
        raise UserError(
            "the dataset changed since the preview (someone edited it); look at the preview "
            "again and apply; nothing was saved"
        )
    fix = fixes.get_fix(name)
    n = preview_fix(view, name, **params).n_total
    batch = fixes.apply_fix(engine, view, name, author=who.label, **params)
    return AppliedFix(batch_id=batch, title=fix.title, n_examples=n)


def undo_fix(engine: Engine, batch_id: int, *, actor: Actor | None) -> int | None:
    """Undo a batch of changes (as a new batch); returns the new batch's id."""
    from lib.core.example_store import undo_batch

    who = require(actor, Role.REVIEWER, action="undo a change")
    return undo_batch(engine, batch_id, author=who.label)


# --- for other features (review's "has findings" filter) ----------------------------------


def example_ids_with_findings(
    engine: Engine, dataset_id: int, *, severities: tuple[str, ...] = ("error", "warning")
) -> set[int]:
    from lib.checks import stored

    with engine.connect() as conn:
        return stored.example_ids_with_findings(conn, dataset_id, severities=severities)


def findings_checked_version(engine: Engine, dataset_id: int) -> int | None:
    from lib.checks import stored

    with engine.connect() as conn:
        return stored.findings_checked_version(conn, dataset_id)


def findings_subquery(
    dataset_id: int, *, severities: tuple[str, ...] = ("error", "warning")
) -> Any:
    """Ids of the dataset's examples with stored findings, as a subquery another feature's
    query can use (``example_id IN (...)``) without knowing the checks' table."""
    import sqlalchemy as sa

    from lib.checks.tables import check_findings

    return sa.select(check_findings.c.example_id).where(
        check_findings.c.dataset_id == dataset_id,
        check_findings.c.severity.in_(list(severities)),
    )
