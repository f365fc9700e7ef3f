"""The engine's Together dialect over loopback: files, fine-tunes, events, checkpoints,
metrics, models, cancel, delete and Together's error shape — plain httpx2, no SDK."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from lib.engine.local import EngineHandle
from tests.unit.engine.dialect_helpers import (
    dialect_engine,
    http_for,
    news_chat_jsonl,
    news_rows,
    news_text,
    poll,
)
from tests.unit.engine.engine_helpers import SYSTEM

__all__ = ["dialect_engine"]
FINAL = ("completed", "error", "cancelled")


@pytest.fixture(scope="module")
def together(dialect_engine: EngineHandle) -> httpx2.Client:
    return http_for(dialect_engine, "/together/v1")


def _upload(client: httpx2.Client, content: bytes, name: str = "news.jsonl") -> str:
    response = client.post(
        "/files/upload",
        data={"purpose": "fine-tune", "file_name": name, "file_type": "jsonl"},
        files={"file": (name, content)},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["object"] == "file" and body["Processed"] is True and body["FileType"] == "jsonl"
    return str(body["id"])


def _finished(client: httpx2.Client, job_id: str) -> dict[str, Any]:
    return poll(lambda: client.get(f"/fine-tunes/{job_id}").json(), lambda j: j["status"] in FINAL)


@pytest.fixture(scope="module")
def tuned(together: httpx2.Client) -> dict[str, Any]:
    file_id = _upload(together, news_chat_jsonl())
    created = together.post(
        "/fine-tunes",
        json={"model": "Qwen/Qwen3-8B", "training_file": file_id, "n_epochs": 2,
              "suffix": "tl-key-1", "random_seed": 7},
    )  # fmt: skip
    assert created.status_code == 200, created.text
    return {
        "file": file_id,
        "created": created.json(),
        "done": _finished(together, created.json()["id"]),
    }


def test_a_job_runs_to_completion_with_together_shapes(
    together: httpx2.Client, tuned: dict[str, Any]
) -> None:
    created, done = tuned["created"], tuned["done"]
    assert created["id"].startswith("ft-")
    assert created["status"] in ("pending", "queued", "running")
    assert created["suffix"] == "tl-key-1"
    assert created["model_output_name"].startswith("tunelab/Qwen3-8B-tl-key-1-")
    assert created["training_type"]["type"] == "Lora"  # Together's default
    assert created["training_method"]["method"] == "sft"
    assert done["status"] == "completed", done
    assert done["model_output_name"] == created["model_output_name"]
    assert done["token_count"] > 0
    assert done["epochs_completed"] == 2
    kinds = [event["type"] for event in done["events"]]
    assert kinds[0] == "job_pending" and kinds[-1] == "job_complete"
    assert "training_start" in kinds and "checkpoint_save" in kinds
    assert all(event["object"] == "fine-tune-event" for event in done["events"])


def test_listing_finds_the_job_by_its_suffix(
    together: httpx2.Client, tuned: dict[str, Any]
) -> None:
    listed = together.get("/fine-tunes").json()["data"]
    mine = [job for job in listed if job.get("suffix") == "tl-key-1"]
    assert [job["id"] for job in mine] == [tuned["created"]["id"]]
    assert "events" in mine[0] and mine[0]["events"] == []  # the truncated form


def test_events_checkpoints_and_metrics(together: httpx2.Client, tuned: dict[str, Any]) -> None:
    job_id = tuned["created"]["id"]
    events = together.get(f"/fine-tunes/{job_id}/events").json()["data"]
    assert [e["type"] for e in events] == [e["type"] for e in tuned["done"]["events"]]
    checkpoints = together.get(f"/fine-tunes/{job_id}/checkpoints").json()["data"]
    assert [c["checkpoint_type"] for c in checkpoints] == ["Intermediate", "Intermediate", "Final"]
    assert checkpoints[-1]["path"] == tuned["done"]["model_output_name"]
    metrics = together.get(f"/fine-tunes/{job_id}/metrics").json()["metrics"]
    train = [m for m in metrics if "train/loss" in m]
    assert len(train) >= 10 and all(m["timestamp"] > 1e18 for m in train)
    assert train[-1]["train/global_step"] == checkpoints[-1]["step"]
    assert train[-1]["train/epoch"] == 2
    assert train[-1]["train/loss"] < train[0]["train/loss"]


def test_models_list_the_output_and_from_checkpoint_warm_starts(
    together: httpx2.Client, tuned: dict[str, Any]
) -> None:
    output = tuned["done"]["model_output_name"]
    models = together.get("/models").json()
    assert isinstance(models, list)
    assert output in [m["id"] for m in models]
    first_step = together.get(f"/fine-tunes/{tuned['created']['id']}/checkpoints").json()["data"][0]
    again = together.post(
        "/fine-tunes",
        json={"from_checkpoint": f"{tuned['created']['id']}:{first_step['step']}",
              "training_file": tuned["file"], "n_epochs": 1},
    )  # fmt: skip
    assert again.status_code == 200, again.text
    assert again.json()["model"] == "Qwen/Qwen3-8B"
    assert _finished(together, again.json()["id"])["status"] == "completed"


def test_chat_answers_with_together_logprobs(
    together: httpx2.Client, tuned: dict[str, Any]
) -> None:
    answer = together.post(
        "/chat/completions",
        json={"model": tuned["done"]["model_output_name"], "max_tokens": 5, "logprobs": 3,
              "messages": [{"role": "system", "content": SYSTEM},
                           {"role": "user", "content": news_text(news_rows(1500, 1)[0])}]},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    choice = answer.json()["choices"][0]
    logprobs = choice["logprobs"]
    assert logprobs["tokens"] == [choice["message"]["content"]]
    assert len(logprobs["token_logprobs"]) == 1 and logprobs["token_logprobs"][0] < 0
    assert len(logprobs["top_logprobs"][0]) == 3
    bad = together.post(
        "/chat/completions",
        json={
            "model": "Qwen/Qwen3-8B",
            "logprobs": 50,
            "messages": [{"role": "user", "content": "x"}],
        },
    )
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "logprobs"


def test_cancel_and_delete(together: httpx2.Client, tuned: dict[str, Any]) -> None:
    job = together.post(
        "/fine-tunes",
        json={"model": "Qwen/Qwen3-8B", "training_file": tuned["file"], "n_epochs": 20,
              "batch_size": 1},
    ).json()  # fmt: skip
    cancelled = together.post(f"/fine-tunes/{job['id']}/cancel")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert _finished(together, job["id"])["status"] == "cancelled"
    assert together.post(f"/fine-tunes/{job['id']}/cancel").json()["status"] == "cancelled"
    finished = together.post(f"/fine-tunes/{tuned['created']['id']}/cancel")
    assert finished.status_code == 400
    assert "completed and cannot be cancelled" in finished.json()["error"]["message"]

    deleted = together.delete(f"/fine-tunes/{tuned['created']['id']}")
    assert deleted.status_code == 200 and "deleted" in deleted.json()["message"]
    assert tuned["done"]["model_output_name"] not in [
        m["id"] for m in together.get("/models").json()
    ]
    assert together.get(f"/fine-tunes/{tuned['created']['id']}").status_code == 404


def test_a_bad_training_file_ends_in_error_with_the_line(together: httpx2.Client) -> None:
    file_id = _upload(together, b'{"messages": [{"role": "user"}]}\n' * 12, "bad.jsonl")
    job = together.post("/fine-tunes", json={"model": "Qwen/Qwen3-8B", "training_file": file_id})
    done = _finished(together, job.json()["id"])
    assert done["status"] == "error"
    last = done["events"][-1]
    assert last["type"] == "job_error" and last["level"] == "error"
    assert "Line 1" in last["message"]


def test_errors_have_together_shape(dialect_engine: EngineHandle, together: httpx2.Client) -> None:
    anonymous = httpx2.post(
        dialect_engine.base_url.removesuffix("/v1") + "/together/v1/fine-tunes", json={}
    )
    assert anonymous.status_code == 401
    assert "API key" in anonymous.json()["error"]["message"]

    unknown_model = together.post("/fine-tunes", json={"model": "gpt-9", "training_file": "x"})
    assert unknown_model.status_code == 400
    error = unknown_model.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["param"] == "model" and "not available" in error["message"]

    both = together.post(
        "/fine-tunes",
        json={"model": "Qwen/Qwen3-8B", "from_checkpoint": "ft-x", "training_file": "x"},
    )
    assert both.status_code == 400 and "not both" in both.json()["error"]["message"]
    assert together.post("/fine-tunes", json={"model": "Qwen/Qwen3-8B"}).status_code == 400
    missing = together.get("/fine-tunes/ft-does-not-exist")
    assert missing.status_code == 404 and "not found" in missing.json()["error"]["message"]
    long_suffix = together.post(
        "/fine-tunes", json={"model": "Qwen/Qwen3-8B", "training_file": "x", "suffix": "s" * 41}
    )
    assert long_suffix.status_code == 400
    parquet = together.post(
        "/files/upload",
        data={"purpose": "fine-tune", "file_name": "a.parquet", "file_type": "parquet"},
        files={"file": ("a.parquet", b"PAR1")},
    )
    assert parquet.status_code == 400 and "JSONL" in parquet.json()["error"]["message"]
