"""Fixtures for training tests: a store with a snapshot of the sample reviews, and the
built-in engine reached as the "Built-in engine" provider (through ``TUNELAB_ENGINE_URL``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from lib.core.paths import SAMPLE_DATA_DIR
from lib.engine.local import EngineHandle, start_engine
from lib.snapshots.repo import SnapshotInfo

REVIEWS = SAMPLE_DATA_DIR / "product_reviews.jsonl"


def make_snapshot(db: sa.Engine, tmp_path: Path, *, rows: int = 300) -> SnapshotInfo:
    """Import the first ``rows`` sample reviews and freeze them into train/valid/test."""
    from lib.datasets.io import import_file
    from lib.snapshots.repo import create_snapshot

    lines = REVIEWS.read_text(encoding="utf-8").splitlines()[:rows]
    path = tmp_path / "reviews.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = import_file(db, path, file_name=path.name, name=f"reviews {rows}")
    return create_snapshot(db, summary.dataset_id, author="tester")


@pytest.fixture
def engine_env(engine_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The session's engine is the "Built-in engine" provider for this test."""
    monkeypatch.setenv("TUNELAB_ENGINE_URL", engine_url)
    return engine_url


@pytest.fixture
def snapshot(db: sa.Engine, tmp_path: Path) -> SnapshotInfo:
    return make_snapshot(db, tmp_path)


@pytest.fixture(scope="module")
def slow_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineHandle]:
    """An engine whose training steps take a while, so a job can be caught while it runs."""
    handle = start_engine(
        data_dir=tmp_path_factory.mktemp("slow-engine"),
        env={"TUNELAB_ENGINE_TRAIN_STEP_DELAY_MS": "200"},
    )
    try:
        yield handle
    finally:
        handle.stop()
