"""Helpers for evaluation tests: training a classifier on the built-in engine, counting requests."""

from __future__ import annotations

import json
import time
from pathlib import Path

import openai

from lib.core.convert import completion_to_chat
from lib.core.paths import SAMPLE_DATA_DIR

REVIEWS = SAMPLE_DATA_DIR / "product_reviews.jsonl"
BASE = "gpt-4o-mini-2024-07-18"


def review_rows() -> list[dict]:
    return [
        json.loads(line)
        for line in REVIEWS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def train_classifier(
    base_url: str, *, rows: list[dict] | None = None, timeout_s: float = 120
) -> str:
    """Fine-tune the engine's base on review rows (chat form, as Tunelab's export writes it)."""
    client = openai.OpenAI(base_url=base_url, api_key="tunelab-local")
    rows = rows if rows is not None else review_rows()[:800]
    data = "\n".join(
        json.dumps(completion_to_chat(r, separator="\n\n###\n\n")) for r in rows
    ).encode()
    upload = client.files.create(file=("train.jsonl", data), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(model=BASE, training_file=upload.id)
    deadline = time.monotonic() + timeout_s
    while job.status not in ("succeeded", "failed", "cancelled"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"training did not finish: {job.status}")
        time.sleep(0.2)
        job = client.fine_tuning.jobs.retrieve(job.id)
    assert job.status == "succeeded", job.error
    return str(job.fine_tuned_model)


def write_test_file(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


class CountingClient:
    """An ``openai.OpenAI`` whose HTTP requests are counted by request body (JSON text)."""

    def __init__(self, base_url: str, *, timeout: float = 60.0) -> None:
        self.bodies: list[dict] = []

        def hook(request) -> None:  # noqa: ANN001 - httpx request
            if request.url.path.endswith("completions"):
                self.bodies.append(json.loads(request.content))

        http = openai.DefaultHttpxClient(event_hooks={"request": [hook]})
        self.client = openai.OpenAI(
            base_url=base_url, api_key="tunelab-local", http_client=http, timeout=timeout
        )

    def __call__(self, _model: str) -> openai.OpenAI:
        return self.client
