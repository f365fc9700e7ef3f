"""Fixtures for the built-in engine's tests: real engine subprocesses, the real ``openai`` SDK."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openai import OpenAI

from lib.engine.local import EngineHandle, start_engine
from tests.unit.engine.engine_helpers import (
    MAX_BODY_MB,
    ag_news_rows,
    chat_line,
    client_for,
    jsonl,
    wait_for,
)


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineHandle]:
    handle = start_engine(
        data_dir=tmp_path_factory.mktemp("engine"), env={"TUNELAB_ENGINE_MAX_BODY_MB": MAX_BODY_MB}
    )
    yield handle
    handle.stop()


@pytest.fixture(scope="session")
def client(engine: EngineHandle) -> OpenAI:
    return client_for(engine, max_retries=0)


@pytest.fixture(scope="session")
def news_split() -> dict[str, list[dict[str, str]]]:
    rows = ag_news_rows()
    return {"train": rows[:1000], "valid": rows[1000:1200], "test": rows[1600:]}


@pytest.fixture(scope="session")
def news_model(client: OpenAI, news_split: dict[str, list[dict[str, str]]]) -> dict[str, str]:
    """One AG-news fine-tune shared by the tests that need a trained classifier."""
    train = client.files.create(
        file=("news_train.jsonl", jsonl([chat_line(r) for r in news_split["train"]])),
        purpose="fine-tune",
    )
    valid = client.files.create(
        file=("news_valid.jsonl", jsonl([chat_line(r) for r in news_split["valid"]])),
        purpose="fine-tune",
    )
    job = client.fine_tuning.jobs.create(
        model="gpt-4o-mini-2024-07-18",
        training_file=train.id,
        validation_file=valid.id,
        suffix="news",
        seed=42,
        metadata={"project": "news"},
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3}}},
    )
    done = wait_for(client, job.id)
    assert done.status == "succeeded", done.error
    return {"job": job.id, "model": str(done.fine_tuned_model), "train_file": train.id}
