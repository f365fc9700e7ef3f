"""Datasets the export tests build in a private store."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from lib.core.examples import Example
from lib.datasets.repo import import_examples


def classification_rows(n: int = 100) -> list[dict[str, Any]]:
    """n prompt/completion rows over labels a (50 %), b (30 %), c (20 %)."""
    rows = []
    for i in range(n):
        share = i % 10
        label = "a" if share < 5 else "b" if share < 8 else "c"
        rows.append({"prompt": f"ticket {i} ->", "completion": f" {label}\n"})
    return rows


def make_dataset(
    engine: Engine, rows: list[dict[str, Any]], *, name: str = "tickets", schema: str = "completion"
) -> int:
    examples = [Example(data=row, source_row=i) for i, row in enumerate(rows, 1)]
    return import_examples(engine, name=name, schema=schema, rows=examples).dataset_id
