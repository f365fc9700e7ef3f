"""Fixtures and helpers for the engine's provider dialects: one engine subprocess, plain httpx2.

The engine trains a little slowly here (a few milliseconds a step) so that a test can cancel
a job while it runs; a job of 300 examples and 2 epochs still finishes in about a second.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import pytest

from lib.engine.local import EngineHandle, start_engine
from tests.unit.engine.engine_helpers import ag_news_rows, chat_line, jsonl

STEP_DELAY_MS = "3"
KEY = {"Authorization": "Bearer tunelab-local"}


@pytest.fixture(scope="session")
def dialect_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineHandle]:
    handle = start_engine(
        data_dir=tmp_path_factory.mktemp("dialects"),
        env={"TUNELAB_ENGINE_TRAIN_STEP_DELAY_MS": STEP_DELAY_MS},
    )
    yield handle
    handle.stop()


def http_for(handle: EngineHandle, prefix: str) -> httpx2.Client:
    """A client for one dialect: its base URL is the engine's root plus the dialect's prefix."""
    root = handle.base_url.removesuffix("/v1")
    return httpx2.Client(base_url=root + prefix, headers=KEY, timeout=30)


def news_rows(start: int = 0, count: int = 300) -> list[dict[str, str]]:
    return ag_news_rows()[start : start + count]


def news_chat_jsonl(start: int = 0, count: int = 300) -> bytes:
    return jsonl([chat_line(r) for r in news_rows(start, count)])


def news_text(row: dict[str, str]) -> str:
    return f"{row['title']}\n{row['description']}"


def classifier_jsonl(rows: list[dict[str, str]], target: str = "topic") -> bytes:
    """Mistral's classifier format: ``{"text", "labels": {target: label}}``."""
    return jsonl([json.dumps({"text": news_text(r), "labels": {target: r["label"]}}) for r in rows])


def poll(
    fetch: Callable[[], dict[str, Any]],
    done: Callable[[dict[str, Any]], bool],
    *,
    timeout: float = 60,
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still not done after {timeout} s: {value}")
        time.sleep(0.1)
