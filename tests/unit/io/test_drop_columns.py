"""Leaving columns out of an import: only with a mapping, never a column a template uses."""

from __future__ import annotations

import pytest

from lib.core.errors import UserError
from lib.datasets.io import read_examples

FOOD = b",Score,Summary\n0,5,Good\n1,1,Bad\n"
MAPPING = {"prompt": "{Summary}", "completion": "{Score}"}


def test_dropped_columns_are_left_out_and_the_rest_kept() -> None:
    reading = read_examples(FOOD, file_name="food.csv", mapping=MAPPING, drop=["unnamed_1"])
    assert [e.data for e in reading.examples()] == [
        {"prompt": "Good", "completion": "5"},
        {"prompt": "Bad", "completion": "1"},
    ]
    assert reading.dropped == ("unnamed_1",)
    kept = read_examples(FOOD, file_name="food.csv", mapping=MAPPING)
    assert next(iter(kept.examples())).data["unnamed_1"] == "0"


def test_a_used_or_unknown_column_cannot_be_dropped() -> None:
    with pytest.raises(UserError, match="used in a template"):
        read_examples(FOOD, file_name="food.csv", mapping=MAPPING, drop=["Score"])
    with pytest.raises(UserError, match="no such column"):
        read_examples(FOOD, file_name="food.csv", mapping=MAPPING, drop=["Stars"])


def test_dropping_needs_a_mapping() -> None:
    data = b"prompt,completion,note\na,b,c\n"
    with pytest.raises(UserError, match="needs a mapping"):
        read_examples(data, file_name="pairs.csv", drop=["note"])
