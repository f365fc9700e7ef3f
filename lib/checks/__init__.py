"""Checks and fixes: find what would make a fine-tuning job fail or learn the wrong thing.

Public API:
- ``view_from_file(path, *, model=...)`` / ``view_from_store(engine, dataset_id, *, model=...)``
  → ``View`` (columns of the dataset, built once)
- ``run_checks(view)`` → list of ``Finding`` (check, severity, message, rows, example_ids, fix)
- ``lib.checks.fixes``: plan, preview and apply fixes (one undoable batch in the store)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lib.checks.base import SEVERITIES, Check, Finding, Severity
    from lib.checks.registry import CHECKS, checks_for, run_checks, worst_severity
    from lib.checks.view import (
        View,
        view_from_datas,
        view_from_examples,
        view_from_file,
        view_from_store,
    )

# Loaded on first use: ``python -m lib prepare`` imports ``lib.checks.prepare`` for a
# prompt/completion file and should not pay for the registry of every check (and the tokenizer
# module behind it) that only chat files and ``check`` use.
_HOMES = {
    **dict.fromkeys(("SEVERITIES", "Check", "Finding", "Severity"), "lib.checks.base"),
    **dict.fromkeys(
        ("CHECKS", "checks_for", "run_checks", "worst_severity"), "lib.checks.registry"
    ),
    **dict.fromkeys(
        ("View", "view_from_datas", "view_from_examples", "view_from_file", "view_from_store"),
        "lib.checks.view",
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


__all__ = [
    "CHECKS",
    "SEVERITIES",
    "Check",
    "Finding",
    "Severity",
    "View",
    "checks_for",
    "run_checks",
    "view_from_datas",
    "view_from_examples",
    "view_from_file",
    "view_from_store",
    "worst_severity",
]
