"""Upload → job → events → checkpoints → model → completions, through the real SDK."""

from __future__ import annotations

import json
import math
import random

import openai
import pytest
from openai import OpenAI

from lib.core.paths import SHARED_DIR
from tests.unit.engine.engine_helpers import SYSTEM, chat_line, jsonl, wait_for

LABELS = {"World", "Sports", "Business", "Sci/Tech"}


def _ask(client: OpenAI, model: str, row: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.chat.completions.create(
        model=model,
        messages=[
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"{row['title']}\n{row['description']}"},
        ],
        logprobs=True,
        top_logprobs=5,
        temperature=0,
        max_tokens=5,
    )


def test_job_reports_statuses_metrics_checkpoints_and_result_file(
    client: OpenAI, news_model: dict[str, str]
) -> None:
    job = client.fine_tuning.jobs.retrieve(news_model["job"])
    assert job.status == "succeeded"
    assert job.fine_tuned_model == news_model["model"]
    assert job.fine_tuned_model.startswith("ft:gpt-4o-mini-2024-07-18:tunelab:news:")
    assert job.hyperparameters.n_epochs == 3 and isinstance(job.hyperparameters.batch_size, int)
    assert job.trained_tokens and job.trained_tokens > 0
    assert job.metadata == {"project": "news"}

    events = list(client.fine_tuning.jobs.list_events(job.id, limit=100))
    messages = [e.message for e in events]
    assert messages[0] == "The job has successfully completed"
    assert any(m.startswith("Created fine-tuning job") for m in messages)
    metrics = [e for e in events if e.type == "metrics"]
    assert len(metrics) >= 10
    data = metrics[0].data
    assert set(data) >= {
        "step",
        "train_loss",
        "train_mean_token_accuracy",
        "valid_loss",
        "valid_mean_token_accuracy",
        "total_steps",
    }
    assert data["step"] == data["total_steps"]
    first = metrics[-1].data
    assert data["valid_loss"] < first["valid_loss"]  # it learned

    checkpoints = client.fine_tuning.jobs.checkpoints.list(job.id).data
    assert len(checkpoints) == 3
    assert checkpoints[0].fine_tuned_model_checkpoint.endswith(
        f":ckpt-step-{checkpoints[0].step_number}"
    )
    assert checkpoints[0].metrics.full_valid_mean_token_accuracy > 0.6

    csv_text = client.files.content(job.result_files[0]).text
    lines = csv_text.splitlines()
    assert lines[0] == "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"
    assert len(lines) - 1 == data["total_steps"]
    assert client.files.retrieve(job.result_files[0]).purpose == "fine-tune-results"


def test_fine_tuned_model_is_listed_and_answers_with_class_probabilities(
    client: OpenAI, news_model: dict[str, str], news_split
) -> None:  # type: ignore[no-untyped-def]
    listed = {m.id: m for m in client.models.list()}
    model = listed[news_model["model"]]
    assert "logistic regression" in model.model_extra["description"]
    assert not any(":ckpt-step-" in name for name in listed)

    answer = _ask(client, news_model["model"], news_split["test"][0])
    choice = answer.choices[0]
    assert choice.message.content in LABELS
    assert choice.finish_reason == "stop"
    first = choice.logprobs.content[0]
    assert first.token == choice.message.content
    assert first.bytes == list(first.token.encode())
    assert {t.token for t in first.top_logprobs} == LABELS
    assert math.isclose(sum(math.exp(t.logprob) for t in first.top_logprobs), 1.0, rel_tol=1e-6)
    assert answer.usage.prompt_tokens > 10 and answer.usage.completion_tokens == 1


def test_fine_tuned_beats_base_model_on_held_out_news(
    client: OpenAI, news_model: dict[str, str], news_split
) -> None:  # type: ignore[no-untyped-def]
    test_rows = news_split["test"][:80]
    tuned = sum(
        _ask(client, news_model["model"], r).choices[0].message.content == r["label"]
        for r in test_rows
    )
    base = sum(
        _ask(client, "gpt-4o-mini-2024-07-18", r).choices[0].message.content.strip() == r["label"]
        for r in test_rows
    )
    assert tuned / len(test_rows) > 0.7
    assert tuned / len(test_rows) > base / len(test_rows) + 0.4


def test_checkpoint_models_answer_too(
    client: OpenAI, news_model: dict[str, str], news_split
) -> None:  # type: ignore[no-untyped-def]
    checkpoint = client.fine_tuning.jobs.checkpoints.list(news_model["job"]).data[-1]
    answer = _ask(client, checkpoint.fine_tuned_model_checkpoint, news_split["test"][1])
    assert answer.choices[0].message.content in LABELS


def test_continued_training_warm_starts_from_the_fine_tuned_model(
    client: OpenAI, news_split
) -> None:  # type: ignore[no-untyped-def]
    """Train 1 epoch, then 3 more on top of it, as users do."""
    lines = [chat_line(r) for r in news_split["train"][:400]]
    upload = client.files.create(file=("part.jsonl", jsonl(lines)), purpose="fine-tune")
    hyper = {"batch_size": 20}
    first = wait_for(client, client.fine_tuning.jobs.create(
        model="gpt-4o-mini-2024-07-18", training_file=upload.id, suffix="one", seed=1,
        hyperparameters={**hyper, "n_epochs": 1},
    ).id)  # fmt: skip
    assert first.status == "succeeded", first.error
    more = wait_for(client, client.fine_tuning.jobs.create(
        model=first.fine_tuned_model, training_file=upload.id, suffix="four", seed=2,
        hyperparameters={**hyper, "n_epochs": 3},
    ).id)  # fmt: skip
    assert more.status == "succeeded", more.error
    assert more.model == first.fine_tuned_model
    assert more.fine_tuned_model.startswith("ft:gpt-4o-mini-2024-07-18:tunelab:four:")

    def first_loss(job_id: str) -> float:
        rows = client.files.content(client.fine_tuning.jobs.retrieve(job_id).result_files[0]).text
        return float(rows.splitlines()[1].split(",")[1])

    # A cold start begins near ln(4) ≈ 1.39; the warm start where the first job ended.
    assert first_loss(first.id) > 1.2
    assert first_loss(more.id) < first_loss(first.id) - 0.3
    test_rows = news_split["test"][:60]
    hits = sum(
        _ask(client, more.fine_tuned_model, r).choices[0].message.content == r["label"]
        for r in test_rows
    )
    assert hits / len(test_rows) > 0.6, hits

    deleted = client.models.delete(more.fine_tuned_model)
    assert deleted.deleted is True
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(
            model=more.fine_tuned_model, messages=[{"role": "user", "content": "x"}]
        )
    assert more.fine_tuned_model not in [m.id for m in client.models.list()]


def test_dpo_on_top_of_a_fine_tuned_classifier(
    client: OpenAI, news_model: dict[str, str], news_split
) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(5)
    lines = []
    for row in news_split["train"][:300]:
        wrong = rng.choice(sorted(LABELS - {row["label"]}))
        lines.append(json.dumps({
            "input": {"messages": [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": f"{row['title']}\n{row['description']}"},
            ]},
            "preferred_output": [{"role": "assistant", "content": row["label"]}],
            "non_preferred_output": [{"role": "assistant", "content": wrong}],
        }))  # fmt: skip
    upload = client.files.create(file=("prefs.jsonl", jsonl(lines)), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model=news_model["model"], training_file=upload.id, suffix="dpo", seed=3,
        method={"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2, "n_epochs": 2}}},
    )  # fmt: skip
    done = wait_for(client, job.id)
    assert done.status == "succeeded", done.error
    assert done.method.type == "dpo"
    assert done.method.dpo.hyperparameters.beta == 0.2
    rows = client.files.content(done.result_files[0]).text.splitlines()[1:]
    losses = [float(r.split(",")[1]) for r in rows]
    # DPO's loss starts at ln 2 (the model equals its reference before the first step) and falls.
    assert abs(losses[0] - math.log(2)) < 1e-3
    assert sum(losses[-10:]) / 10 < math.log(2) - 0.05
    test_rows = news_split["test"][:60]
    hits = sum(
        _ask(client, done.fine_tuned_model, r).choices[0].message.content == r["label"]
        for r in test_rows
    )
    assert hits / len(test_rows) > 0.7, hits


def test_legacy_prompt_completion_data_keeps_the_label_spelling(client: OpenAI) -> None:
    words = {
        " 1": "awful terrible waste",
        " 3": "okay average fine",
        " 5": "wonderful superb loved",
    }
    lines = []
    for index in range(90):
        label = list(words)[index % 3]
        text = f"Review {index}: {words[label].split()[index % 3]} product, {words[label]}"
        lines.append(json.dumps({"prompt": text + " ->", "completion": label}))
    upload = client.files.create(file=("stars.jsonl", jsonl(lines)), purpose="fine-tune")
    job = wait_for(
        client, client.fine_tuning.jobs.create(model="babbage-002", training_file=upload.id).id
    )
    assert job.status == "succeeded", job.error
    answer = client.completions.create(
        model=job.fine_tuned_model,
        prompt="Review: superb, loved it ->",
        logprobs=3,
        max_tokens=1,
        temperature=0,
    )
    choice = answer.choices[0]
    assert choice.text == " 5"
    assert choice.logprobs.tokens == [" 5"]
    assert set(choice.logprobs.top_logprobs[0]) == {" 1", " 3", " 5"}
    assert choice.logprobs.text_offset == [len("Review: superb, loved it ->")]


def test_generation_data_gives_an_honest_retrieval_model(client: OpenAI) -> None:
    lines = [
        json.dumps(
            {
                "messages": [
                    {
                        "role": "user",
                        "content": f"What is the capital of country number {i} called Land{i}?",
                    },
                    {"role": "assistant", "content": f"The capital of Land{i} is City{i}."},
                ]
            }
        )  # fmt: skip
        for i in range(30)
    ]
    upload = client.files.create(file=("qa.jsonl", jsonl(lines)), purpose="fine-tune")
    job = wait_for(
        client, client.fine_tuning.jobs.create(model="tunelab-base", training_file=upload.id).id
    )
    assert job.status == "succeeded", job.error
    model = client.models.retrieve(job.fine_tuned_model)
    assert "retrieval" in model.model_extra["description"]
    answer = client.chat.completions.create(
        model=job.fine_tuned_model,
        messages=[{"role": "user", "content": "What is the capital of Land17?"}],
        logprobs=True, top_logprobs=2, temperature=0,
    )  # fmt: skip
    assert answer.choices[0].message.content == "The capital of Land17 is City17."
    tokens = answer.choices[0].logprobs.content
    assert "".join(t.token for t in tokens) == answer.choices[0].message.content


def test_base_model_is_deterministic_and_knows_no_labels(client: OpenAI) -> None:
    ask = dict(
        model="tunelab-base",
        messages=[{"role": "user", "content": "Stars for: great phone"}],
        max_tokens=6,
        temperature=0,
        logprobs=True,
        top_logprobs=3,
    )
    first = client.chat.completions.create(**ask)  # type: ignore[call-overload]
    second = client.chat.completions.create(**ask)  # type: ignore[call-overload]
    assert first.choices[0].message.content == second.choices[0].message.content
    assert len(first.choices[0].logprobs.content) <= 6
    sampled = client.chat.completions.create(**{**ask, "temperature": 1.0, "seed": 3, "n": 3})  # type: ignore[call-overload]
    assert len(sampled.choices) == 3
    again = client.chat.completions.create(**{**ask, "temperature": 1.0, "seed": 3, "n": 3})  # type: ignore[call-overload]
    assert [c.message.content for c in sampled.choices] == [
        c.message.content for c in again.choices
    ]


def test_stop_sequences_cut_the_text(client: OpenAI) -> None:
    answer = client.completions.create(
        model="davinci-002", prompt="one two three", max_tokens=30, temperature=0, stop=[" "]
    )
    assert " " not in answer.choices[0].text
    assert answer.choices[0].finish_reason == "stop"


def test_tool_call_data_answers_with_tool_calls(client: OpenAI) -> None:
    drone = SHARED_DIR / "datasets" / "openai_cookbook" / "drone_training.jsonl"
    upload = client.files.create(file=("drone.jsonl", drone.read_bytes()), purpose="fine-tune")
    job = wait_for(
        client,
        client.fine_tuning.jobs.create(model="tunelab-base", training_file=upload.id, seed=4).id,
    )
    assert job.status == "succeeded", job.error
    first = json.loads(drone.read_text(encoding="utf-8").splitlines()[0])
    answer = client.chat.completions.create(
        model=job.fine_tuned_model, messages=first["messages"][:2], temperature=0
    )
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls[0].function.name == "takeoff_drone"
    assert json.loads(choice.message.tool_calls[0].function.arguments) == {"altitude": 100}
