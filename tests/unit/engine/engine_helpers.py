"""Helpers for the built-in engine's tests (data builders, waiting for jobs)."""

from __future__ import annotations

import csv
import json
import random
import time
from pathlib import Path

from openai import OpenAI

from lib.core.paths import SHARED_DIR
from lib.engine.local import EngineHandle

AG_NEWS = SHARED_DIR / "datasets" / "openai_cookbook" / "AG_news_samples.csv"
SYSTEM = "Classify the news article as World, Sports, Business or Sci/Tech."
MAX_BODY_MB = "4"


def client_for(handle: EngineHandle, **options: object) -> OpenAI:
    return OpenAI(base_url=handle.base_url, api_key="tunelab-local", **options)  # type: ignore[arg-type]


def ag_news_rows() -> list[dict[str, str]]:
    with AG_NEWS.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    random.Random(7).shuffle(rows)
    return rows


def chat_line(row: dict[str, str]) -> str:
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"{row['title']}\n{row['description']}"},
        {"role": "assistant", "content": row["label"]},
    ]
    return json.dumps({"messages": messages})


def jsonl(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def wait_for(
    client: OpenAI,
    job_id: str,
    *,
    statuses: tuple[str, ...] = ("succeeded", "failed", "cancelled"),
    timeout: float = 60.0,
):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        job = client.fine_tuning.jobs.retrieve(job_id)
        if job.status in statuses:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job.status} after {timeout} s")
        time.sleep(0.1)


def data_path(name: str) -> Path:
    return SHARED_DIR / "datasets" / name
