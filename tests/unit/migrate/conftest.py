"""Fixtures for the exit kit: one engine standing in for OpenAI (its OpenAI surface) and for
Together (its Together dialect), and an "OpenAI" fine-tune made on it the way a user made theirs
at OpenAI long ago: upload two files, create a job, wait."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openai
import pytest
import sqlalchemy as sa

from lib.core.paths import SAMPLE_DATA_DIR
from lib.engine.local import EngineHandle, start_engine

KEY = "exit-kit-key-0123"
BASE = "gpt-4o-mini-2024-07-18"  # the engine's stand-in under OpenAI's name


@dataclass(frozen=True)
class Tuned:
    model: str
    job: str
    training_file: str
    validation_file: str
    training_bytes: bytes
    validation_bytes: bytes


def chat_lines(rows: int, *, start: int = 0) -> bytes:
    """Sample reviews as OpenAI chat JSONL (the format a fine-tune at OpenAI was trained on)."""
    lines = (SAMPLE_DATA_DIR / "product_reviews.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines[start : start + rows]:
        row = json.loads(line)
        prompt = row["prompt"].removesuffix("\n\n###\n\n")
        out.append(json.dumps({"messages": [
            {"role": "user", "content": prompt},
            {"role": "assistant", "content": row["completion"].strip()},
        ]}))  # fmt: skip
    return ("\n".join(out) + "\n").encode("utf-8")


@pytest.fixture(scope="module")
def engine_handle() -> Iterator[EngineHandle]:
    folder = Path(tempfile.mkdtemp(prefix="tunelab-exitkit-"))
    env = {"TUNELAB_ENGINE_DIALECT_KEY": KEY, "TUNELAB_ENGINE_TRAIN_STEP_DELAY_MS": "2"}
    handle = start_engine(data_dir=folder, env=env)
    try:
        yield handle
    finally:
        handle.stop()


def make_openai_fine_tune(base_url: str, *, rows: int = 240) -> Tuned:
    """Train a model on the engine's OpenAI surface, outside Tunelab."""
    client = openai.OpenAI(api_key="sk-test", base_url=base_url, max_retries=0)
    train = chat_lines(rows)
    valid = chat_lines(60, start=rows)
    tf = client.files.create(file=("reviews-train.jsonl", train), purpose="fine-tune")
    vf = client.files.create(file=("reviews-valid.jsonl", valid), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model=BASE, training_file=tf.id, validation_file=vf.id, suffix="reviews",
        method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while job.status not in ("succeeded", "failed", "cancelled"):
        assert time.monotonic() < deadline, f"job {job.id} still {job.status}"
        time.sleep(0.2)
        job = client.fine_tuning.jobs.retrieve(job.id)
    assert job.status == "succeeded", job.error
    assert job.fine_tuned_model
    return Tuned(job.fine_tuned_model, job.id, tf.id, vf.id, train, valid)


@pytest.fixture(scope="module")
def tuned(engine_handle: EngineHandle) -> Tuned:
    return make_openai_fine_tune(engine_handle.base_url)


@pytest.fixture
def providers_env(
    db: sa.Engine, engine_handle: EngineHandle, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """ "OpenAI" (kind openai, at the engine) and "Together AI" (the engine's dialect)."""
    from lib.providers import preset, save_provider
    from lib.providers.config import ProviderConfig

    root = engine_handle.base_url.removesuffix("/v1")
    save_provider(db, ProviderConfig(name="OpenAI", kind="openai", base_url=engine_handle.base_url))
    save_provider(db, preset("Together AI", base_url=root + "/together/v1"))
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("TOGETHER_API_KEY", KEY)
    monkeypatch.setenv("TUNELAB_ENGINE_URL", engine_handle.base_url)
    return {"openai": "OpenAI", "together": "Together AI"}
