"""Every check, in one place, in the order findings are reported."""

from __future__ import annotations

from collections.abc import Iterable

from lib.checks import chat, legacy, quality, residue, size
from lib.checks.base import SEVERITIES, Check, Finding
from lib.checks.view import View

CHECKS: list[Check] = [*size.CHECKS, *legacy.CHECKS, *chat.CHECKS, *quality.CHECKS, *residue.CHECKS]


def checks_for(schema: str) -> list[Check]:
    return [check for check in CHECKS if schema in check.schemas]


def run_checks(view: View, *, skip: Iterable[str] = ()) -> list[Finding]:
    """All findings for ``view``: errors first, then warnings, then info (stable otherwise)."""
    skipped = set(skip)
    findings: list[Finding] = []
    for check in checks_for(view.schema):
        if check.name in skipped:
            continue
        findings.extend(check.find(view))
    order = {severity: rank for rank, severity in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: order[f.severity])


def worst_severity(findings: Iterable[Finding]) -> str | None:
    ranks = [SEVERITIES.index(f.severity) for f in findings]
    return SEVERITIES[min(ranks)] if ranks else None
