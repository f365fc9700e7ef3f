"""The engine's Fireworks dialect over loopback: datasets, supervised fine-tuning jobs with a
client-chosen id (a second create is 409 ALREADY_EXISTS), models, OpenAI-compatible
inference and Fireworks' gRPC-style errors — plain httpx2, no SDK."""

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
ACCOUNT = "/v1/accounts/acme"
DONE = ("JOB_STATE_COMPLETED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED")


@pytest.fixture(scope="module")
def fireworks(dialect_engine: EngineHandle) -> httpx2.Client:
    return http_for(dialect_engine, "/fireworks")


def _dataset(client: httpx2.Client, dataset_id: str, content: bytes) -> dict[str, Any]:
    created = client.post(
        f"{ACCOUNT}/datasets", json={"datasetId": dataset_id, "dataset": {"userUploaded": {}}}
    )
    assert created.status_code == 200, created.text
    assert created.json()["state"] == "UPLOADING"
    uploaded = client.post(
        f"{ACCOUNT}/datasets/{dataset_id}:upload", files={"file": (f"{dataset_id}.jsonl", content)}
    )
    assert uploaded.status_code == 200, uploaded.text
    return dict(client.get(f"{ACCOUNT}/datasets/{dataset_id}").json())


def _job(client: httpx2.Client, job_id: str) -> dict[str, Any]:
    return poll(
        lambda: client.get(f"{ACCOUNT}/supervisedFineTuningJobs/{job_id}").json(),
        lambda j: j["state"] in DONE,
    )


@pytest.fixture(scope="module")
def tuned(fireworks: httpx2.Client) -> dict[str, Any]:
    dataset = _dataset(fireworks, "news-train", news_chat_jsonl(0, 800))
    body = {"dataset": dataset["name"], "baseModel": "accounts/fireworks/models/qwen3-8b",
            "epochs": 3, "outputModel": "news-model", "displayName": "news"}  # fmt: skip
    url = f"{ACCOUNT}/supervisedFineTuningJobs?supervisedFineTuningJobId=news-job"
    first = fireworks.post(url, json=body)
    second = fireworks.post(url, json=body)
    return {
        "dataset": dataset,
        "first": first,
        "second": second,
        "done": _job(fireworks, "news-job"),
    }


def test_dataset_becomes_ready_with_its_example_count(tuned: dict[str, Any]) -> None:
    dataset = tuned["dataset"]
    assert dataset["name"] == "accounts/acme/datasets/news-train"
    assert dataset["state"] == "READY" and dataset["exampleCount"] == "800"


def test_a_client_chosen_id_makes_one_job(fireworks: httpx2.Client, tuned: dict[str, Any]) -> None:
    first, second = tuned["first"], tuned["second"]
    assert first.status_code == 200, first.text
    assert first.json()["name"] == "accounts/acme/supervisedFineTuningJobs/news-job"
    assert second.status_code == 409
    assert second.json()["code"] == 6 and "already exists" in second.json()["message"]
    jobs = fireworks.get(f"{ACCOUNT}/supervisedFineTuningJobs").json()
    names = [j["name"] for j in jobs["supervisedFineTuningJobs"]]
    assert names.count("accounts/acme/supervisedFineTuningJobs/news-job") == 1


def test_the_job_completes_and_its_model_is_listed(
    fireworks: httpx2.Client, tuned: dict[str, Any]
) -> None:
    done = tuned["done"]
    assert done["state"] == "JOB_STATE_COMPLETED", done
    assert done["status"]["code"] == "OK"
    assert done["jobProgress"]["percent"] == 100
    assert done["outputModel"] == "accounts/acme/models/news-model"
    models = fireworks.get(f"{ACCOUNT}/models").json()
    assert [m["name"] for m in models["models"]] == ["accounts/acme/models/news-model"]
    model = fireworks.get(f"{ACCOUNT}/models/news-model").json()
    assert model["kind"] == "HF_PEFT_ADDON" and model["state"] == "READY"
    assert model["peftDetails"]["baseModel"] == "accounts/fireworks/models/qwen3-8b"
    assert model["fineTuningJob"] == done["name"]


def test_inference_is_openai_shaped_with_logprobs(
    fireworks: httpx2.Client, tuned: dict[str, Any]
) -> None:
    rows = news_rows(1500, 80)
    right = 0
    for row in rows:
        answer = fireworks.post(
            "/inference/v1/chat/completions",
            json={"model": "accounts/acme/models/news-model", "max_tokens": 5,
                  "logprobs": True, "top_logprobs": 4,
                  "messages": [{"role": "system", "content": SYSTEM},
                               {"role": "user", "content": news_text(row)}]},
        ).json()  # fmt: skip
        choice = answer["choices"][0]
        assert answer["model"] == "accounts/acme/models/news-model"
        assert len(choice["logprobs"]["content"][0]["top_logprobs"]) == 4
        right += choice["message"]["content"] == row["label"]
    assert right / len(rows) > 0.35  # four classes: chance is 0.25


def test_deleting_a_running_job_stops_it(fireworks: httpx2.Client, tuned: dict[str, Any]) -> None:
    url = f"{ACCOUNT}/supervisedFineTuningJobs?supervisedFineTuningJobId=long-job"
    body = {
        "dataset": "news-train",
        "baseModel": "accounts/fireworks/models/qwen3-8b",
        "epochs": 40,
    }
    assert fireworks.post(url, json=body).status_code == 200
    assert fireworks.delete(f"{ACCOUNT}/supervisedFineTuningJobs/long-job").json() == {}
    gone = fireworks.get(f"{ACCOUNT}/supervisedFineTuningJobs/long-job")
    assert gone.status_code == 404 and gone.json()["code"] == 5
    assert "long-job" not in [
        m["name"] for m in fireworks.get(f"{ACCOUNT}/models").json()["models"]
    ]


def test_deleting_a_model(fireworks: httpx2.Client, tuned: dict[str, Any]) -> None:
    assert fireworks.delete(f"{ACCOUNT}/models/news-model").json() == {}
    assert fireworks.get(f"{ACCOUNT}/models/news-model").status_code == 404


def test_a_bad_dataset_fails_the_job_with_a_status_message(fireworks: httpx2.Client) -> None:
    _dataset(fireworks, "broken", b'{"messages": "no"}\n' * 12)
    url = f"{ACCOUNT}/supervisedFineTuningJobs?supervisedFineTuningJobId=broken-job"
    fireworks.post(
        url, json={"dataset": "broken", "baseModel": "accounts/fireworks/models/qwen3-8b"}
    )
    done = _job(fireworks, "broken-job")
    assert done["state"] == "JOB_STATE_FAILED"
    assert done["status"]["code"] == "INVALID_ARGUMENT" and "Line 1" in done["status"]["message"]


def test_errors_have_fireworks_shape(
    dialect_engine: EngineHandle, fireworks: httpx2.Client
) -> None:
    root = dialect_engine.base_url.removesuffix("/v1")
    anonymous = httpx2.get(f"{root}/fireworks{ACCOUNT}/supervisedFineTuningJobs")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == 16

    jobs = f"{ACCOUNT}/supervisedFineTuningJobs"
    no_dataset = fireworks.post(jobs, json={"baseModel": "accounts/fireworks/models/qwen3-8b"})
    assert no_dataset.status_code == 400
    assert no_dataset.json() == {"code": 3, "message": "dataset is required.", "details": []}
    fireworks.post(f"{ACCOUNT}/datasets", json={"datasetId": "empty", "dataset": {}})
    not_ready = fireworks.post(
        jobs, json={"dataset": "empty", "baseModel": "accounts/fireworks/models/qwen3-8b"}
    )
    assert not_ready.status_code == 412 and not_ready.json()["code"] == 9
    both = fireworks.post(
        jobs, json={"dataset": "news-train", "baseModel": "accounts/fireworks/models/qwen3-8b",
                    "warmStartFrom": "accounts/acme/models/x"},
    )  # fmt: skip
    assert both.status_code == 400 and "Exactly one" in both.json()["message"]
    bad_id = fireworks.post(f"{jobs}?supervisedFineTuningJobId=Bad_Id", json={"dataset": "x"})
    assert bad_id.status_code == 400 and "resource id" in bad_id.json()["message"]
    missing = fireworks.get(f"{ACCOUNT}/datasets/nope")
    assert missing.status_code == 404 and missing.json()["code"] == 5
    again = fireworks.post(f"{ACCOUNT}/datasets", json={"datasetId": "empty", "dataset": {}})
    assert again.status_code == 409 and again.json()["code"] == 6
