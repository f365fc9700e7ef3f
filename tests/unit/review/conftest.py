"""Review fixtures: small datasets in a migrated store (the shared ``db`` fixture)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lib.core.examples import Example
from lib.datasets.repo import import_examples

LABELS = (" positive", " negative", " neutral")


def make_completion_dataset(engine: sa.Engine, *, n: int = 30, name: str = "reviews") -> int:
    rows = (
        Example(
            data={
                "prompt": f"Review {i}: {'great' if i % 3 == 0 else 'meh'} product\n\n###\n\n",
                "completion": LABELS[i % 3],
            },
            source_row=i + 1,
        )
        for i in range(n)
    )
    return import_examples(engine, name=name, schema="completion", rows=rows).dataset_id


def make_chat_dataset(engine: sa.Engine, *, n: int = 5) -> int:
    rows = (
        Example(
            data={
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": f"Question {i}?"},
                    {"role": "assistant", "content": f"Answer {i}."},
                ]
            },
            source_row=i + 1,
        )
        for i in range(n)
    )
    return import_examples(engine, name="chat", schema="chat", rows=rows).dataset_id


@pytest.fixture
def completion_ds(db: sa.Engine) -> int:
    return make_completion_dataset(db)


@pytest.fixture
def chat_ds(db: sa.Engine) -> int:
    return make_chat_dataset(db)
