"""Every error path answers in OpenAI's shape with the status code the SDK expects."""

from __future__ import annotations

import json

import openai
import pytest
from openai import OpenAI

from tests.unit.engine.engine_helpers import MAX_BODY_MB, chat_line, jsonl, wait_for


def _upload(client: OpenAI, lines: list[str], name: str = "train.jsonl") -> str:
    return client.files.create(file=(name, jsonl(lines)), purpose="fine-tune").id


def test_unknown_ids_are_404(client: OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        client.fine_tuning.jobs.retrieve("ftjob-doesnotexist")
    assert info.value.body["message"] == "No such fine-tuning job: ftjob-doesnotexist"
    for call in (
        lambda: client.fine_tuning.jobs.cancel("ftjob-nope"),
        lambda: client.fine_tuning.jobs.list_events("ftjob-nope"),
        lambda: client.fine_tuning.jobs.checkpoints.list("ftjob-nope"),
        lambda: client.files.retrieve("file-nope"),
        lambda: client.files.content("file-nope"),
        lambda: client.files.delete("file-nope"),
        lambda: client.models.retrieve("ft:gpt-4o-mini-2024-07-18:tunelab::nope"),
        lambda: client.models.delete("ft:gpt-4o-mini-2024-07-18:tunelab::nope"),
        lambda: client.batches.retrieve("batch_nope"),
        lambda: client.chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "hi"}]
        ),
        lambda: client.completions.create(model="no-such-model", prompt="hi"),
    ):
        with pytest.raises(openai.NotFoundError) as info:
            call()
        assert info.value.status_code == 404
        assert info.value.body["type"] == "invalid_request_error"


def test_bad_completion_parameters_are_400(client: OpenAI) -> None:
    messages = [{"role": "user", "content": "hi"}]
    cases = [
        ({"temperature": 5}, "temperature"),
        ({"top_logprobs": 3}, "top_logprobs"),
        ({"logprobs": True, "top_logprobs": 21}, "top_logprobs"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"n": 0}, "n"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
    ]
    for extra, param in cases:
        with pytest.raises(openai.BadRequestError) as info:
            client.chat.completions.create(model="tunelab-base", messages=messages, **extra)  # type: ignore[call-overload]
        assert info.value.body["param"] == param, extra
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="tunelab-base", messages=[])
    with pytest.raises(openai.BadRequestError) as info:
        client.completions.create(model="tunelab-base", prompt="x", logprobs=6)
    assert info.value.body["param"] == "logprobs"


def test_bad_job_requests_are_400(client: OpenAI, news_model: dict[str, str]) -> None:
    train = news_model["train_file"]
    batch_file = client.files.create(file=("b.jsonl", b"{}\n"), purpose="batch").id
    cases = [
        ({"model": "gpt-99", "training_file": train}, "model"),
        ({"model": "tunelab-base", "training_file": "file-nope"}, "training_file"),
        ({"model": "tunelab-base", "training_file": batch_file}, "training_file"),
        ({"model": "tunelab-base", "training_file": train, "suffix": "bad suffix!"}, "suffix"),
        (
            {"model": "tunelab-base", "training_file": train, "hyperparameters": {"n_epochs": 0}},
            "hyperparameters.n_epochs",
        ),
        (
            {
                "model": "tunelab-base",
                "training_file": train,
                "method": {
                    "type": "supervised",
                    "supervised": {"hyperparameters": {"batch_size": "big"}},
                },
            },
            "method.supervised.hyperparameters.batch_size",
        ),
        (
            {"model": "tunelab-base", "training_file": train, "method": {"type": "reinforcement"}},
            "method.type",
        ),
        (
            {
                "model": "tunelab-base",
                "training_file": train,
                "method": {"type": "dpo", "dpo": {"hyperparameters": {"beta": 5}}},
            },
            "method.dpo.hyperparameters.beta",
        ),
    ]
    for kwargs, param in cases:
        with pytest.raises(openai.BadRequestError) as info:
            client.fine_tuning.jobs.create(**kwargs)  # type: ignore[arg-type]
        assert info.value.body["param"] == param, kwargs
    with pytest.raises(openai.BadRequestError) as info:
        client.fine_tuning.jobs.create(
            model="tunelab-base", training_file=train, method={"type": "reinforcement"}
        )
    assert "supervised and DPO fine-tuning" in info.value.message
    with pytest.raises(openai.BadRequestError):
        client.files.create(file=("x.jsonl", b"{}"), purpose="assistants")
    with pytest.raises(openai.BadRequestError):
        client.models.delete("gpt-4o-mini-2024-07-18")
    with pytest.raises(openai.BadRequestError):  # a finished job cannot be cancelled or paused
        client.fine_tuning.jobs.cancel(news_model["job"])
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.pause(news_model["job"])


def test_oversized_body_is_413(client: OpenAI) -> None:
    big = b"x" * int(float(MAX_BODY_MB) * 1024 * 1024 + 10)
    with pytest.raises(openai.APIStatusError) as info:
        client.files.create(file=("big.jsonl", big), purpose="fine-tune")
    assert info.value.status_code == 413
    assert "too large" in info.value.message
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(
            model="tunelab-base", messages=[{"role": "user", "content": "y" * len(big)}]
        )
    assert info.value.status_code == 413


@pytest.mark.parametrize(
    ("lines", "line_no", "words"),
    [
        (["{not json"], 3, "Invalid JSON"),
        (
            ['{"messages": [{"role": "user", "content": "only a question"}]}'],
            3,
            "no assistant message",
        ),
        (['{"messages": [{"role": "robot", "content": "beep"}]}'], 3, "unrecognized role"),
        (['{"prompt": "p", "completion": "c"}'], 3, "Mixed formats"),
    ],
)
def test_bad_training_file_fails_the_job_naming_the_line(
    client: OpenAI, news_split, lines: list[str], line_no: int, words: str
) -> None:  # type: ignore[no-untyped-def]
    good = [chat_line(r) for r in news_split["train"][:20]]
    file_id = _upload(client, good[:2] + lines + good[2:])
    job = wait_for(
        client, client.fine_tuning.jobs.create(model="tunelab-base", training_file=file_id).id
    )
    assert job.status == "failed"
    assert job.error.code == "invalid_training_file"
    assert job.error.param == "training_file"
    assert f"Line {line_no}:" in job.error.message and words in job.error.message
    assert job.fine_tuned_model is None
    assert client.fine_tuning.jobs.list_events(job.id).data[0].level == "error"


def test_dpo_job_with_supervised_data_fails_naming_the_line(
    client: OpenAI, news_model: dict[str, str]
) -> None:
    job = client.fine_tuning.jobs.create(
        model="tunelab-base", training_file=news_model["train_file"], method={"type": "dpo"}
    )
    failed = wait_for(client, job.id)
    assert failed.status == "failed"
    assert (
        "Line 1: A dpo job needs preference data; this line is chat data." in failed.error.message
    )


def test_too_few_examples_fails_the_job(client: OpenAI) -> None:
    lines = [json.dumps({"prompt": f"p{i}", "completion": " a"}) for i in range(4)]
    job = wait_for(
        client,
        client.fine_tuning.jobs.create(
            model="tunelab-base", training_file=_upload(client, lines)
        ).id,
    )
    assert job.status == "failed"
    assert "has 4 example(s), but must have at least 10" in job.error.message


def test_files_round_trip_and_delete(client: OpenAI) -> None:
    created = client.files.create(file=("notes.jsonl", b'{"a": 1}\n'), purpose="batch")
    assert client.files.retrieve(created.id).filename == "notes.jsonl"
    assert client.files.content(created.id).content == b'{"a": 1}\n'
    assert created.id in [f.id for f in client.files.list(purpose="batch")]
    assert client.files.delete(created.id).deleted is True
    assert created.id not in [f.id for f in client.files.list()]


def test_metadata_filter_selects_jobs(client: OpenAI, news_model: dict[str, str]) -> None:
    found = [j.id for j in client.fine_tuning.jobs.list(metadata={"project": "news"})]
    assert found == [news_model["job"]]
    assert list(client.fine_tuning.jobs.list(metadata={"project": "other"})) == []
    assert news_model["job"] in [j.id for j in client.fine_tuning.jobs.list(limit=100)]
