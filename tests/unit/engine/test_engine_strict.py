"""The engine refuses what OpenAI refuses: 400s in OpenAI's words, 413 for any oversized body.

Requests go through the real server over loopback, with the real ``openai`` SDK (which sends
whatever it is given, as it does to OpenAI) or with httpx where the SDK cannot shape the body.
The expected answers are OpenAI's own, as quoted in :mod:`lib.engine.validation`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx2
import openai
import pytest
from openai import OpenAI

from lib.engine.local import EngineHandle
from tests.unit.engine.engine_helpers import MAX_BODY_MB, jsonl

HI = [{"role": "user", "content": "hi"}]
LIMIT = int(float(MAX_BODY_MB) * 1024 * 1024)


def _error(call: Callable[[], Any], status: int = 400) -> dict[str, Any]:
    """The error object of a refused call, after checking OpenAI's shape."""
    with pytest.raises(openai.APIStatusError) as info:
        call()
    assert info.value.status_code == status
    body = info.value.response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["type"] == "invalid_request_error"
    return body["error"]


def _upload(client: OpenAI, purpose: str, content: bytes = b"{}\n") -> str:
    return client.files.create(file=("f.jsonl", content), purpose=purpose).id  # type: ignore[arg-type]


def test_the_issues_three_chat_bodies_are_refused_like_openai(client: OpenAI) -> None:
    error = _error(
        lambda: client.chat.completions.create(
            model="tunelab-base",
            messages=[{"role": "user", "content": 5}],  # type: ignore[list-item, typeddict-item]
        )
    )
    assert error == {
        "message": "Invalid type for 'messages[0].content': expected one of a string or array "
        "of objects, but got an integer instead.",
        "type": "invalid_request_error",
        "param": "messages[0].content",
        "code": "invalid_type",
    }
    error = _error(
        lambda: client.chat.completions.create(
            model="tunelab-base",
            messages=[{"content": "hi"}],  # type: ignore[list-item, typeddict-item]
        )
    )
    assert error["message"] == "Missing required parameter: 'messages[0].role'."
    assert (error["param"], error["code"]) == ("messages[0].role", "missing_required_parameter")
    error = _error(
        lambda: client.chat.completions.create(
            model="tunelab-base",
            messages=HI,  # type: ignore[arg-type]
            logprobs="yes",  # type: ignore[arg-type]
        )
    )
    assert error["message"] == (
        "Invalid type for 'logprobs': expected a boolean, but got a string instead."
    )
    assert (error["param"], error["code"]) == ("logprobs", "invalid_type")


CHAT_CASES = [
    ({"messages": [{"role": "user", "content": {"text": "hi"}}]}, "messages[0].content", "invalid_type"),
    ({"messages": [{"role": "robot", "content": "hi"}]}, "messages[0].role", "invalid_value"),
    ({"messages": [{"role": "user"}]}, "messages[0].content", "missing_required_parameter"),
    ({"messages": [{"role": "user", "content": [{"type": "text"}]}]}, "messages[0].content[0].text", "missing_required_parameter"),
    ({"messages": [{"role": "tool", "content": "42"}]}, "messages[0].tool_call_id", "missing_required_parameter"),
    ({"messages": ["hi"]}, "messages[0]", "invalid_type"),
    ({"messages": "hi"}, "messages", "invalid_type"),
    ({"messages": []}, "messages", "empty_array"),
    ({"messages": [{"role": "user", "content": "hi", "weight": 1}]}, "messages[0].weight", "unknown_parameter"),
    ({"messages": HI, "temperature": "0.5"}, "temperature", "invalid_type"),
    ({"messages": HI, "temperature": 5}, "temperature", "decimal_above_max_value"),
    ({"messages": HI, "max_tokens": True}, "max_tokens", "invalid_type"),
    ({"messages": HI, "max_tokens": 0}, "max_tokens", "integer_below_min_value"),
    ({"messages": HI, "n": 130}, "n", "integer_above_max_value"),
    ({"messages": HI, "seed": 1.5}, "seed", "invalid_type"),
    ({"messages": HI, "stop": 5}, "stop", "invalid_type"),
    ({"messages": HI, "stop": ["a", "b", "c", "d", "e"]}, "stop", "array_above_max_length"),
    ({"messages": HI, "metadata": {"run": 1}}, "metadata.run", "invalid_type"),
    ({"messages": HI, "tools": {"type": "function"}}, "tools", "invalid_type"),
    ({"messages": HI, "top_k": 5}, "top_k", "unknown_parameter"),
]  # fmt: skip


@pytest.mark.parametrize(("extra", "param", "code"), CHAT_CASES)
def test_chat_bodies_are_checked_against_the_typed_model(
    client: OpenAI, extra: dict[str, Any], param: str, code: str
) -> None:
    body = {"model": "tunelab-base", **extra}
    error = _error(lambda: client.post("/chat/completions", body=body, cast_to=httpx2.Response))
    assert (error["param"], error["code"]) == (param, code)
    if code != "invalid_value":  # OpenAI names the key in the message, except for a bad value
        assert f"'{param}'" in error["message"]


def test_every_documented_chat_parameter_of_the_right_type_is_accepted(client: OpenAI) -> None:
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    answer = client.chat.completions.create(
        model="tunelab-base",
        messages=[
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "Stocks rally"}], "name": "ann"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "nothing found"},
        ],
        frequency_penalty=0.5, presence_penalty=0, logit_bias={"50256": -100}, user="u-1",
        store=False, metadata={"run": "strict"}, tools=[tool], tool_choice="none",  # type: ignore[list-item]
        parallel_tool_calls=False, response_format={"type": "text"}, service_tier="auto",
        seed=7, stop="\n", n=2, max_completion_tokens=3, temperature=0, top_p=1,
        logprobs=True, top_logprobs=2,
    )  # fmt: skip
    assert len(answer.choices) == 2
    assert answer.choices[0].logprobs is not None


def test_completions_jobs_and_batches_bodies_are_checked(client: OpenAI) -> None:
    def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
        return _error(lambda: client.post(path, body=body, cast_to=httpx2.Response))

    jobs, batches = (
        len(client.fine_tuning.jobs.list(limit=100).data),
        len(client.batches.list().data),
    )
    cases = [
        ("/completions", {"model": "tunelab-base", "prompt": [1, 2]}, "prompt[0]", "invalid_type"),
        ("/completions", {"model": "tunelab-base", "prompt": "x", "logprobs": True}, "logprobs", "invalid_type"),
        ("/completions", {"model": "tunelab-base"}, "prompt", "missing_required_parameter"),
        ("/completions", {"model": "tunelab-base", "prompt": []}, "prompt", "empty_array"),
        ("/completions", {"prompt": "x"}, "model", "missing_required_parameter"),
        ("/fine_tuning/jobs", {"model": "tunelab-base"}, "training_file", "missing_required_parameter"),
        ("/fine_tuning/jobs", {"model": "tunelab-base", "training_file": 5}, "training_file", "invalid_type"),
        ("/fine_tuning/jobs", {"model": 5, "training_file": "file-x"}, "model", "invalid_type"),
        ("/fine_tuning/jobs", {"model": "tunelab-base", "training_file": "file-x", "seed": "42"}, "seed", "invalid_type"),
        ("/fine_tuning/jobs", {"model": "tunelab-base", "training_file": "file-x", "hyperparameters": {"epochs": 3}}, "hyperparameters.epochs", "unknown_parameter"),
        ("/fine_tuning/jobs", {"model": "tunelab-base", "training_file": "file-x", "method": {"type": "fancy"}}, "method.type", "invalid_value"),
        ("/fine_tuning/jobs", {"model": "tunelab-base", "training_file": "file-x", "method": "dpo"}, "method", "invalid_type"),
        ("/batches", {"input_file_id": "file-x", "endpoint": "/v1/chat/completions"}, "completion_window", "missing_required_parameter"),
        ("/batches", {"input_file_id": "file-x", "endpoint": "/v1/embeddings", "completion_window": "24h"}, "endpoint", "invalid_value"),
        ("/batches", {"input_file_id": ["file-x"], "endpoint": "/v1/completions", "completion_window": "24h"}, "input_file_id", "invalid_type"),
    ]  # fmt: skip
    for path, body, param, code in cases:
        error = post(path, body)
        assert (error["param"], error["code"]) == (param, code), (path, body, error)
    assert len(client.fine_tuning.jobs.list(limit=100).data) == jobs  # nothing was written
    assert len(client.batches.list().data) == batches


def test_file_uploads_are_checked(engine: EngineHandle, client: OpenAI) -> None:
    error = _error(lambda: client.files.create(file=("x.jsonl", b"{}"), purpose="assistants"))
    assert (error["param"], error["code"]) == ("purpose", "invalid_value")
    kept = client.files.create(  # the documented form fields are accepted
        file=("x.jsonl", b"{}"),
        purpose="batch",
        expires_after={"anchor": "created_at", "seconds": 3600},
    )
    assert kept.purpose == "batch"
    with httpx2.Client(base_url=engine.base_url, timeout=10) as http:
        cases = [
            ({"data": {"purpose": "fine-tune"}}, "file", "missing_required_parameter"),
            ({"data": {"purpose": "fine-tune", "file": "not a file part"}}, "file", "invalid_type"),
            ({"files": {"file": ("x.jsonl", b"{}")}}, "purpose", "missing_required_parameter"),
            (
                {
                    "data": {"purpose": "batch", "owner": "me"},
                    "files": {"file": ("x.jsonl", b"{}")},
                },
                "owner",
                "unknown_parameter",
            ),
        ]
        for kwargs, param, code in cases:
            response = http.post("/files", **kwargs)  # type: ignore[arg-type]
            assert response.status_code == 400, response.text
            error = response.json()["error"]
            assert (error["param"], error["code"]) == (param, code)
        broken = http.post(
            "/files",
            content=b"--b\r\nnot a part",
            headers={"content-type": "multipart/form-data; boundary=b"},
        )
        assert broken.status_code == 400 and "error" in broken.json()


def test_batch_lines_are_checked_like_requests(client: OpenAI) -> None:
    def line(custom_id: str, content: Any) -> str:
        body = {"model": "tunelab-base", "messages": [{"role": "user", "content": content}]}
        return json.dumps(
            {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": body}
        )

    upload = _upload(client, "batch", jsonl([line("good", "hello"), line("bad", 7)]))
    batch = client.batches.create(
        input_file_id=upload, endpoint="/v1/chat/completions", completion_window="24h"
    )
    for _ in range(600):
        batch = client.batches.retrieve(batch.id)
        if batch.status in ("completed", "failed"):
            break
        time.sleep(0.05)
    assert batch.status == "completed"
    assert (batch.request_counts.completed, batch.request_counts.failed) == (1, 1)
    assert batch.error_file_id is not None
    failed = json.loads(client.files.content(batch.error_file_id).text)
    assert failed["custom_id"] == "bad"
    assert failed["response"]["status_code"] == 400
    assert failed["response"]["body"]["error"]["param"] == "messages[0].content"


def _chunks(total: int, *, head: bytes = b"", tail: bytes = b"") -> Iterator[bytes]:
    """A body sent with ``Transfer-Encoding: chunked`` (no Content-Length to refuse it by)."""
    yield head
    sent = 0
    while sent < total:
        yield b"y" * 65536
        sent += 65536
    yield tail


@pytest.mark.parametrize("size", [LIMIT + 1, 3 * LIMIT])
def test_chunked_bodies_over_the_limit_are_413_without_a_traceback(
    engine: EngineHandle, size: int
) -> None:
    log_before = engine.log_path.read_bytes()
    boundary = "tunelab-boundary"
    form_head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    requests = [
        (
            "/chat/completions",
            "application/json",
            _chunks(size, head=b'{"model": "tunelab-base", "messages": [{"role": "user", "content": "', tail=b'"}]}'),
        ),
        (
            "/files",
            f"multipart/form-data; boundary={boundary}",
            _chunks(size, head=form_head, tail=f"\r\n--{boundary}--\r\n".encode()),
        ),
        ("/fine_tuning/jobs", "application/json", _chunks(size, head=b'{"model": "')),
        ("/batches", "application/json", _chunks(size, head=b'{"input_file_id": "')),
    ]  # fmt: skip
    with httpx2.Client(base_url=engine.base_url, timeout=30) as http:
        for path, kind, body in requests:
            response = http.post(path, content=body, headers={"content-type": kind})
            assert response.request.headers["transfer-encoding"] == "chunked"
            assert response.status_code == 413, (path, response.text)
            error = response.json()["error"]
            assert error["code"] == "request_too_large"
            assert "too large" in error["message"]
        # the engine still answers on a fresh connection afterwards
        assert http.get("/models").status_code == 200
    new_log = engine.log_path.read_bytes()[len(log_before) :].decode(errors="replace")
    assert "Traceback" not in new_log and "engine error" not in new_log


def test_a_body_at_the_limit_is_still_accepted(client: OpenAI) -> None:
    content = b"{}\n" * ((LIMIT - 4096) // 3)  # the multipart envelope takes the rest
    uploaded = client.files.create(file=("edge.jsonl", content), purpose="batch")
    assert uploaded.bytes == len(content)
