"""Batches over a JSONL of chat-completion requests, answered by custom_id."""

from __future__ import annotations

import json
import time

import openai
import pytest
from openai import OpenAI

from tests.unit.engine.engine_helpers import jsonl


def _wait(client: OpenAI, batch_id: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 60
    while (batch := client.batches.retrieve(batch_id)).status not in (
        "completed",
        "failed",
        "cancelled",
    ):
        assert time.monotonic() < deadline, batch.status
        time.sleep(0.1)
    return batch


def _request(custom_id: str, model: str, text: str) -> str:
    body = {
        "model": model,
        "messages": [{"role": "user", "content": text}],
        "logprobs": True,
        "top_logprobs": 2,
        "max_tokens": 3,
        "temperature": 0,
    }
    return json.dumps(
        {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}
    )


def test_batch_answers_each_request_by_custom_id(
    client: OpenAI, news_model: dict[str, str]
) -> None:
    lines = [
        _request(f"row-{i}", news_model["model"], f"Stocks fell as markets {i}") for i in range(5)
    ]
    lines.append(_request("bad-model", "no-such-model", "hello"))
    upload = client.files.create(file=("batch.jsonl", jsonl(lines)), purpose="batch")
    batch = client.batches.create(
        input_file_id=upload.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"run": "t"},
    )
    assert batch.status == "validating"
    done = _wait(client, batch.id)
    assert done.status == "completed"
    assert (
        done.request_counts.total,
        done.request_counts.completed,
        done.request_counts.failed,
    ) == (6, 5, 1)
    assert client.files.retrieve(done.output_file_id).purpose == "batch_output"
    outputs = [json.loads(x) for x in client.files.content(done.output_file_id).text.splitlines()]
    by_id = {o["custom_id"]: o for o in outputs}
    assert sorted(by_id) == [f"row-{i}" for i in range(5)]
    body = by_id["row-0"]["response"]["body"]
    assert by_id["row-0"]["response"]["status_code"] == 200
    assert body["choices"][0]["logprobs"]["content"][0]["top_logprobs"]
    errors = [json.loads(x) for x in client.files.content(done.error_file_id).text.splitlines()]
    assert errors[0]["custom_id"] == "bad-model" and errors[0]["response"]["status_code"] == 404
    assert batch.id in [b.id for b in client.batches.list()]
    with pytest.raises(openai.BadRequestError):
        client.batches.cancel(batch.id)


def test_batch_with_bad_lines_fails_naming_them(client: OpenAI) -> None:
    lines = [
        _request("a", "tunelab-base", "x"),
        "{oops",
        json.dumps({"method": "POST", "url": "/v1/chat/completions", "body": {}}),
    ]
    upload = client.files.create(file=("bad.jsonl", jsonl(lines)), purpose="batch")
    done = _wait(
        client,
        client.batches.create(
            input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
        ).id,
    )
    assert done.status == "failed"
    assert [e.line for e in done.errors.data] == [2, 3]


def test_batch_requests_are_checked(client: OpenAI) -> None:
    upload = client.files.create(file=("f.jsonl", b"{}\n"), purpose="fine-tune")
    with pytest.raises(openai.BadRequestError):
        client.batches.create(
            input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
    with pytest.raises(openai.NotFoundError):
        client.batches.create(
            input_file_id="file-nope", endpoint="/v1/chat/completions", completion_window="24h"
        )


def test_batch_can_be_cancelled(client: OpenAI) -> None:
    lines = [_request(f"r{i}", "tunelab-base", f"question {i}") for i in range(400)]
    upload = client.files.create(file=("many.jsonl", jsonl(lines)), purpose="batch")
    batch = client.batches.create(
        input_file_id=upload.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert client.batches.cancel(batch.id).status in ("cancelling", "cancelled")
    done = _wait(client, batch.id)
    assert done.status == "cancelled"
    assert done.cancelled_at is not None
    assert (done.request_counts.completed or 0) < 400
