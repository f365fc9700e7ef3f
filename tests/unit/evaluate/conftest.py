"""Fixtures of the evaluation tests: one classifier trained once per session."""

from __future__ import annotations

import pytest

from tests.unit.evaluate.helpers import train_classifier


@pytest.fixture(scope="session")
def trained_model(engine_url: str) -> str:
    return train_classifier(engine_url)
