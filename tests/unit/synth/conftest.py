"""Fixtures of the synthetic-data tests: a store, the built-in engine as the provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from lib.synth.plan import SynthSpec

GENERATION = "Write one sentence selling payment terminals to {size} {sector} in {city}."
TRAINING = "{sector}, {city}, {size}"


def small_spec(**changes: object) -> SynthSpec:
    """2 sectors × 2 cities × 1 size × 2 samples = 8 requests against the built-in engine."""
    values = {"sector": ["bakeries", "pharmacies"], "city": ["Paris", "Berlin"], "size": ["small"]}
    base: dict[str, object] = {
        "generation_template": GENERATION,
        "training_template": TRAINING,
        "values": values,
        "samples": 2,
        "model": "tunelab-base",
        "temperature": 1.0,
        "max_tokens": 30,
        "dataset_name": "Synthetic test",
    }
    base.update(changes)
    return SynthSpec(**base)  # type: ignore[arg-type]


@pytest.fixture
def synth_db(
    any_db: sa.Engine, engine_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[sa.Engine]:
    """A migrated store (SQLite; PostgreSQL too in CI) whose built-in engine is the session's."""
    monkeypatch.setenv("TUNELAB_ENGINE_URL", engine_url)
    yield any_db
