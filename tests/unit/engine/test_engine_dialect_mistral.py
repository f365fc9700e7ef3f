"""The engine's Mistral dialect over loopback: files, completion and classifier jobs
(``auto_start``, ``/start``, ``/cancel``), the suffix filter, models, classifications with
real probabilities and FastAPI-style errors — plain httpx2, no SDK."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest

from lib.engine.local import EngineHandle
from tests.unit.engine.dialect_helpers import (
    classifier_jsonl,
    dialect_engine,
    http_for,
    news_chat_jsonl,
    news_rows,
    news_text,
    poll,
)

__all__ = ["dialect_engine"]
FINAL = ("SUCCESS", "FAILED", "FAILED_VALIDATION", "CANCELLED")
LABELS = ["Business", "Sci/Tech", "Sports", "World"]


@pytest.fixture(scope="module")
def mistral(dialect_engine: EngineHandle) -> httpx2.Client:
    return http_for(dialect_engine, "/mistral")


def _upload(client: httpx2.Client, content: bytes, name: str = "news.jsonl") -> str:
    response = client.post(
        "/v1/files", data={"purpose": "fine-tune"}, files={"file": (name, content)}
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id"])


def _finished(client: httpx2.Client, job_id: str) -> dict[str, Any]:
    return poll(
        lambda: client.get(f"/v1/fine_tuning/jobs/{job_id}").json(), lambda j: j["status"] in FINAL
    )


def test_files_have_mistral_shape(mistral: httpx2.Client) -> None:
    file_id = _upload(mistral, news_chat_jsonl(0, 20), "small.jsonl")
    listed = mistral.get("/v1/files").json()
    assert listed["object"] == "list" and file_id in [f["id"] for f in listed["data"]]
    one = mistral.get(f"/v1/files/{file_id}").json()
    assert one["num_lines"] == 20 and one["purpose"] == "fine-tune" and one["source"] == "upload"
    assert mistral.get(f"/v1/files/{file_id}/content").content == news_chat_jsonl(0, 20)
    assert mistral.delete(f"/v1/files/{file_id}").json()["deleted"] is True
    assert mistral.get(f"/v1/files/{file_id}").status_code == 404


def test_a_job_waits_validated_until_started(mistral: httpx2.Client) -> None:
    file_id = _upload(mistral, news_chat_jsonl())
    created = mistral.post(
        "/v1/fine_tuning/jobs",
        json={"model": "ministral-8b-latest", "training_files": [{"file_id": file_id, "weight": 1}],
              "hyperparameters": {"epochs": 2, "learning_rate": 1e-4}, "auto_start": False,
              "suffix": "tl-key-2"},
    )  # fmt: skip
    assert created.status_code == 200, created.text
    job = created.json()
    assert job["status"] == "VALIDATED" and job["job_type"] == "completion"
    assert job["metadata"]["train_tokens"] == 2 * job["metadata"]["data_tokens"] > 0
    assert job["hyperparameters"]["training_steps"] > 0
    assert mistral.get(f"/v1/fine_tuning/jobs/{job['id']}").json()["status"] == "VALIDATED"

    same_key = mistral.get("/v1/fine_tuning/jobs", params={"suffix": "tl-key-2"}).json()
    assert same_key["total"] == 1 and same_key["data"][0]["id"] == job["id"]

    started = mistral.post(f"/v1/fine_tuning/jobs/{job['id']}/start")
    assert started.status_code == 200 and started.json()["status"] in ("STARTED", "RUNNING")
    done = _finished(mistral, job["id"])
    assert done["status"] == "SUCCESS", done
    assert done["fine_tuned_model"] == f"ft:ministral-8b-latest:tunelab:tl-key-2:{job['id'][:8]}"
    assert done["trained_tokens"] > 0
    assert done["checkpoints"][0]["metrics"]["train_loss"] > 0
    statuses = [e["data"]["status"] for e in done["events"] if e["name"] == "status-updated"]
    assert statuses[:4] == ["QUEUED", "VALIDATING", "VALIDATED", "STARTED"]
    twice = mistral.post(f"/v1/fine_tuning/jobs/{job['id']}/start")
    assert twice.status_code == 400 and "only a VALIDATED job" in twice.json()["detail"]

    card = mistral.get(f"/v1/models/{done['fine_tuned_model']}").json()
    assert card["type"] == "fine-tuned" and card["job"] == job["id"]
    assert card["root"] == "ministral-8b-latest"
    deleted = mistral.delete(f"/v1/models/{done['fine_tuned_model']}").json()
    assert deleted == {"id": done["fine_tuned_model"], "object": "model", "deleted": True}
    assert mistral.get(f"/v1/models/{done['fine_tuned_model']}").status_code == 404


def test_a_classifier_job_answers_with_class_probabilities(mistral: httpx2.Client) -> None:
    file_id = _upload(mistral, classifier_jsonl(news_rows(0, 400)), "topics.jsonl")
    job = mistral.post(
        "/v1/fine_tuning/jobs",
        json={"model": "ministral-3b-latest", "job_type": "classifier",
              "training_files": [{"file_id": file_id}], "hyperparameters": {"epochs": 3},
              "classifier_targets": [{"name": "topic", "labels": LABELS}]},
    ).json()  # fmt: skip
    assert job["job_type"] == "classifier" and job["classifier_targets"][0]["name"] == "topic"
    done = _finished(mistral, job["id"])
    assert done["status"] == "SUCCESS", done
    model = done["fine_tuned_model"]
    card = mistral.get(f"/v1/models/{model}").json()
    assert card["capabilities"]["classification"] is True
    assert card["classifier_targets"][0]["labels"] == LABELS

    rows = news_rows(1500, 60)
    answer = mistral.post(
        "/v1/classifications", json={"model": model, "input": [news_text(r) for r in rows]}
    ).json()
    assert answer["model"] == model and len(answer["results"]) == len(rows)
    right = 0
    for row, result in zip(rows, answer["results"], strict=True):
        scores = result["topic"]["scores"]
        assert set(scores) == set(LABELS)
        assert abs(sum(scores.values()) - 1) < 1e-6
        right += max(scores, key=scores.__getitem__) == row["label"]
    assert right / len(rows) > 0.5  # four classes: chance is 0.25


def test_chat_without_logprobs(mistral: httpx2.Client) -> None:
    message = [{"role": "user", "content": "Hello"}]
    answer = mistral.post(
        "/v1/chat/completions", json={"model": "ministral-8b-latest", "messages": message}
    )
    assert answer.status_code == 200 and answer.json()["model"] == "ministral-8b-latest"
    refused = mistral.post(
        "/v1/chat/completions",
        json={"model": "ministral-8b-latest", "messages": message, "logprobs": True},
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["type"] == "extra_forbidden"


def test_cancel_a_running_job(mistral: httpx2.Client) -> None:
    file_id = _upload(mistral, news_chat_jsonl())
    job = mistral.post(
        "/v1/fine_tuning/jobs",
        json={"model": "ministral-8b-latest", "training_files": [{"file_id": file_id}],
              "hyperparameters": {"epochs": 40}, "auto_start": True},
    ).json()  # fmt: skip
    cancelled = mistral.post(f"/v1/fine_tuning/jobs/{job['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    assert _finished(mistral, job["id"])["fine_tuned_model"] is None
    again = mistral.post(f"/v1/fine_tuning/jobs/{job['id']}/cancel")
    assert again.status_code == 400 and "CANCELLED" in again.json()["detail"]


def test_bad_data_fails_validation_with_the_line(mistral: httpx2.Client) -> None:
    file_id = _upload(mistral, news_chat_jsonl(0, 15) + b'{"messages": 3}\n', "bad.jsonl")
    job = mistral.post(
        "/v1/fine_tuning/jobs",
        json={"model": "ministral-8b-latest", "training_files": [{"file_id": file_id}],
              "hyperparameters": {}},
    ).json()  # fmt: skip
    assert job["status"] == "FAILED_VALIDATION"
    detail = mistral.get(f"/v1/fine_tuning/jobs/{job['id']}").json()
    assert "Line 16" in detail["events"][-1]["data"]["error"]

    labels = classifier_jsonl(news_rows(0, 20))
    wrong = _upload(mistral, labels, "topics.jsonl")
    job = mistral.post(
        "/v1/fine_tuning/jobs",
        json={"model": "ministral-3b-latest", "job_type": "classifier",
              "training_files": [{"file_id": wrong}], "hyperparameters": {},
              "classifier_targets": [{"name": "topic", "labels": ["World"]}]},
    ).json()  # fmt: skip
    assert job["status"] == "FAILED_VALIDATION"
    error = mistral.get(f"/v1/fine_tuning/jobs/{job['id']}").json()["events"][-1]["data"]["error"]
    assert "topics.jsonl line" in error and "is not among" in error


def test_errors_have_mistral_shape(dialect_engine: EngineHandle, mistral: httpx2.Client) -> None:
    root = dialect_engine.base_url.removesuffix("/v1")
    anonymous = httpx2.get(f"{root}/mistral/v1/fine_tuning/jobs")
    assert anonymous.status_code == 401 and "API key" in anonymous.json()["detail"]

    no_files = mistral.post(
        "/v1/fine_tuning/jobs", json={"model": "ministral-8b-latest", "hyperparameters": {}}
    )
    assert no_files.status_code == 422
    detail = no_files.json()["detail"][0]
    assert detail["loc"] == ["body", "job_in"] and "At least one training file" in detail["msg"]
    no_hyper = mistral.post("/v1/fine_tuning/jobs", json={"model": "ministral-8b-latest"})
    assert no_hyper.status_code == 422
    assert no_hyper.json()["detail"][0]["loc"] == ["body", "hyperparameters"]
    two_targets = mistral.post(
        "/v1/fine_tuning/jobs",
        json={"model": "ministral-3b-latest", "job_type": "classifier", "hyperparameters": {},
              "classifier_targets": [{"name": "a", "labels": ["x"]}, {"name": "b", "labels": ["y"]}]},
    )  # fmt: skip
    assert two_targets.status_code == 422 and "one classifier target" in two_targets.text
    unknown = mistral.post(
        "/v1/fine_tuning/jobs",
        json={"model": "gpt-9", "hyperparameters": {}, "training_files": [{"file_id": "x"}]},
    )
    assert (
        unknown.status_code == 422 and "not available for fine-tuning" in unknown.json()["detail"]
    )
    missing = mistral.get("/v1/fine_tuning/jobs/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404 and "not found" in missing.json()["detail"]
    base = mistral.delete("/v1/models/ministral-8b-latest")
    assert base.status_code == 400 and "base model" in base.json()["detail"]
