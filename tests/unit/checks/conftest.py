"""Helpers for the checks tests: crafted views and stored datasets."""

from __future__ import annotations

from typing import Any

import pytest

from lib.checks import run_checks, view_from_datas
from lib.checks.view import View
from lib.core.examples import Example
from lib.datasets.repo import import_examples


def findings_by_check(view: View) -> dict[str, Any]:
    return {f.check: f for f in run_checks(view)}


def chat(*turns: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": r, "content": c} for r, c in turns], **extra}


@pytest.fixture
def store_dataset(db):
    """Import datas into the test store; returns the dataset id."""

    def make(schema: str, datas: list[dict[str, Any]], name: str = "ds") -> int:
        rows = [Example(data=d, source_row=i + 2) for i, d in enumerate(datas)]
        return import_examples(db, name=name, schema=schema, rows=rows).dataset_id

    return make


def pc(prompts: list[str], completions: list[str]) -> View:
    return view_from_datas(
        "completion",
        [{"prompt": p, "completion": c} for p, c in zip(prompts, completions, strict=True)],
    )
