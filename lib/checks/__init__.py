"""Checks and fixes: find what would make a fine-tuning job fail or learn the wrong thing.

Public API:
- ``view_from_file(path, *, model=...)`` / ``view_from_store(engine, dataset_id, *, model=...)``
  → ``View`` (columns of the dataset, built once)
- ``run_checks(view)`` → list of ``Finding`` (check, severity, message, rows, example_ids, fix)
- ``lib.checks.fixes``: plan, preview and apply fixes (one undoable batch in the store)
"""

from lib.checks.base import SEVERITIES, Check, Finding, Severity
from lib.checks.registry import CHECKS, checks_for, run_checks, worst_severity
from lib.checks.view import (
    View,
    view_from_datas,
    view_from_examples,
    view_from_file,
    view_from_store,
)

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
