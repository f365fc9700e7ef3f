"""Every check, in one place, in the order findings are reported."""

from __future__ import annotations

from collections.abc import Iterable

from lib.checks import chat, legacy, quality, residue, size
from lib.checks.base import SEVERITIES, Check, Finding
from lib.checks.view import View

CHECKS: list[Check] = [*size.CHECKS, *legacy.CHECKS, *chat.CHECKS, *quality.CHECKS, *residue.CHECKS]


_TITLES = {check.name: check.title for check in CHECKS if check.title}
_TITLES["leakage"] = "prompts shared between training and held-out splits"


def title_of(name: str) -> str:
    """A check's name in words for screens ("Separator at the end of prompts", not
    ``prompt_separator``); the format errors' names (``missing_messages_list``) read as words."""
    text = _TITLES.get(name) or name.replace("_", " ")
    return text[:1].upper() + text[1:]


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
