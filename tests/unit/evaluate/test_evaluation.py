"""Evaluation end to end on the built-in engine: snapshot → run → metrics → review; CLI JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from lib.core.errors import UserError
from lib.core.example_store import get_example, list_batches
from lib.core.examples import Example
from lib.core.paths import REPO_ROOT
from lib.datasets.repo import import_examples
from lib.evaluate import ModelSpec, create_evaluation, run_evaluation, runs_for_model
from lib.evaluate import results as res
from lib.evaluate import testset as tests
from lib.evaluate.report import html_report, predictions_csv
from lib.evaluate.requests import build_requests, endpoint_for
from lib.evaluate.review import send_to_review
from lib.evaluate.votes import blind_order, record_vote, win_rates
from lib.snapshots.repo import create_snapshot
from tests.unit.evaluate.helpers import BASE, review_rows, write_test_file


@pytest.fixture
def engine_env(engine_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TUNELAB_ENGINE_URL", engine_url)  # the built-in provider uses this engine
    return engine_url


def reviews_snapshot(db: sa.Engine) -> int:
    rows = [Example(data=r, source_row=i + 1) for i, r in enumerate(review_rows()[:400])]
    summary = import_examples(db, name="reviews", schema="completion", rows=rows)
    snapshot = create_snapshot(db, summary.dataset_id, author="Ana", train=0.5, valid=0.1, test=0.4)
    return snapshot.id if hasattr(snapshot, "id") else int(snapshot)


def test_prompts_are_formatted_as_in_training() -> None:
    rows = [Example(data=r, source_row=i + 1) for i, r in enumerate(review_rows()[:30])]
    testset = tests.from_examples("completion", rows, file_name="t.jsonl")
    assert testset.separator == "\n\n###\n\n"
    chat, legacy = build_requests(
        testset, [ModelSpec(BASE), ModelSpec("ft:babbage-002:org::x")], classification=True
    )[:2]
    assert chat.endpoint == "chat" and legacy.endpoint == "completions"
    assert chat.body["messages"] == [
        {"role": "user", "content": rows[0].data["prompt"].removesuffix("\n\n###\n\n")}
    ]
    assert (
        chat.body["temperature"] == 0
        and chat.body["top_logprobs"] == 5
        and chat.body["max_tokens"] <= 8
    )
    assert legacy.body["prompt"] == rows[0].data["prompt"] and legacy.body["logprobs"] == 5
    assert (
        endpoint_for("davinci-002") == "completions"
        and endpoint_for("gpt-4.1-2025-04-14") == "chat"
    )
    conversation = {
        "messages": [
            {"role": "system", "content": "Rate it."},
            {"role": "user", "content": "Great"},
            {"role": "assistant", "content": "5"},
        ]
    }
    chat_set = tests.from_examples(
        "chat", [Example(data=conversation, source_row=1)], file_name="c.jsonl"
    )
    (request,) = build_requests(chat_set, [ModelSpec(BASE)], classification=True)
    assert request.body["messages"] == conversation["messages"][:2]
    assert chat_set.golds == ["5"]


def test_a_test_file_without_gold_names_the_row(tmp_path: Path) -> None:
    path = write_test_file(
        tmp_path / "bad.jsonl",
        [{"prompt": "a ->", "completion": " x"}, {"prompt": "b ->", "completion": ""}],
    )
    with pytest.raises(UserError, match=r"bad.jsonl:2: .*gold answer is missing"):
        tests.from_file(path, file_name="bad.jsonl")


def test_snapshot_evaluation_improves_and_sends_suspicious_to_review(
    db: sa.Engine, engine_env: str, trained_model: str
) -> None:
    snapshot_id = reviews_snapshot(db)
    testset = tests.from_snapshot(db, snapshot_id)
    run_id = create_evaluation(
        db, testset, [ModelSpec(BASE), ModelSpec(trained_model)], created_by="Ana", top_k=5
    )
    progress = run_evaluation(db, run_id)
    assert progress.done == progress.total == 2 * len(testset.examples)
    data = res.load(db, run_id)
    assert data.labels == ["1", "2", "3", "4", "5"]
    reports = res.reports(data)
    assert reports[trained_model].accuracy > reports[BASE].accuracy + 0.3
    assert reports[BASE].n == reports[trained_model].n == len(testset.examples)
    assert res.mcnemar_against_first(data)[trained_model].p_value < 0.01
    tuned = data.by_model[trained_model]
    assert all(p.top and abs(sum(p.label_probs.values()) - 1) < 0.05 for p in tuned)
    assert runs_for_model_ids(db, trained_model) == [run_id]

    found = res.suspicious(data, trained_model, min_confidence=0.5)
    assert found, "a model at ~60% accuracy is confidently wrong somewhere"
    sent = send_to_review(db, [p for _, p in found[:3]], author="Ana")
    assert sent.flagged == len({p.example_id for _, p in found[:3]})
    (dataset_id,) = sent.batches
    example = get_example(db.connect(), found[0][1].example_id)
    assert example.status == "flagged" and example.comment.startswith("check label:")
    with db.connect() as conn:
        assert list_batches(conn, dataset_id)[0].n_changes == sent.flagged

    html = html_report(data, notes="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    csv_text = predictions_csv(data).decode()
    assert csv_text.splitlines()[0].startswith("example,source_row,model,gold,output")


def runs_for_model_ids(db: sa.Engine, model: str) -> list[int]:
    with db.connect() as conn:
        return [run.id for run in runs_for_model(conn, model)]


def test_generation_votes_and_scores(db: sa.Engine, engine_env: str) -> None:
    rows = [
        Example(
            data={"prompt": f"Question {i}?", "completion": f" answer number {i}"}, source_row=i + 1
        )
        for i in range(6)
    ]
    testset = tests.from_examples("completion", rows, file_name="gen.jsonl")
    assert not testset.classification()
    run_id = create_evaluation(
        db, testset, [ModelSpec(BASE), ModelSpec("tunelab-base")], created_by="Ana", max_tokens=8
    )
    run_evaluation(db, run_id)
    data = res.load(db, run_id)
    assert data.task == "generation" and len(data.examples) == 6
    scores = res.generation_scores(data)
    assert set(scores) == {BASE, "tunelab-base"}
    pair = (BASE, "tunelab-base")
    shown = blind_order(run_id, data.examples[0], "Ana", pair)
    assert shown == blind_order(run_id, data.examples[0], "Ana", pair) and set(shown) == set(pair)
    record_vote(
        db, run_id=run_id, example=data.examples[0], shown=shown, choice="a", reviewer="Ana"
    )
    record_vote(
        db, run_id=run_id, example=data.examples[0], shown=shown, choice="a", reviewer="Ana"
    )  # replaces
    record_vote(
        db, run_id=run_id, example=data.examples[1], shown=shown, choice="tie", reviewer="Ana"
    )
    rates = {r.model: r for r in win_rates(db, run_id=run_id)}
    assert rates[shown[0]].wins == 1 and rates[shown[0]].ties == 1 and rates[shown[1]].losses == 1
    assert rates[shown[0]].votes == 2
    # A tie counts half a win: (1 + 1/2) / 2 and (0 + 1/2) / 2.
    assert rates[shown[0]].rate.estimate == 0.75 and rates[shown[1]].rate.estimate == 0.25


def test_cli_json_shape_on_a_fine_tuned_engine_model(
    tmp_path: Path, engine_url: str, trained_model: str
) -> None:
    test_file = write_test_file(tmp_path / "test.jsonl", review_rows()[800:900])
    env = {
        **os.environ,
        "TUNELAB_DATA_DIR": str(tmp_path / "data"),
        "OPENAI_API_KEY": "tunelab-local",
        "PYTHONPATH": str(REPO_ROOT),
    }
    env.pop("DATABASE_URL", None)
    command = [
        sys.executable,
        "-m",
        "lib",
        "evaluate",
        str(test_file),
        "--model",
        BASE,
        "--model",
        trained_model,
        "--base-url",
        engine_url,
        "--json",
    ]
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    assert set(output) == {"run", "examples", "left_out", "reused", "fresh", "failures", "models"}
    assert set(output["models"]) == {BASE, trained_model}
    tuned = output["models"][trained_model]
    assert {"n", "failed", "accuracy", "invalid", "per_class", "confusion"} <= set(tuned)
    assert {"shots", "label_restricted_accuracy", "prompt_tokens_mean", "cost_per_1k"} <= set(tuned)
    assert tuned["failed"] == 0 and output["failures"] == {} and output["examples"] == 100
    assert tuned["n"] == 100 and tuned["accuracy"] > 0.4
    assert set(tuned["per_class"]) == {"1", "2", "3", "4", "5"}
    assert set(tuned["per_class"]["5"]) == {"precision", "recall", "f1", "support"}
    labels, matrix = tuned["confusion"]["labels"], tuned["confusion"]["matrix"]
    assert labels[:5] == ["1", "2", "3", "4", "5"] and len(matrix) == len(labels)
    assert sum(map(sum, matrix)) == 100
    assert [sum(row) for row in matrix[:5]] == [
        tuned["per_class"][x]["support"] for x in labels[:5]
    ]
    assert output["models"][BASE]["invalid"] > 50  # the untrained base rarely says a bare digit


def test_cli_error_is_a_sentence(tmp_path: Path) -> None:
    env = {**os.environ, "TUNELAB_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "lib", "evaluate", str(tmp_path / "nope.jsonl"), "--model", "m"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        done.returncode == 2
        and done.stderr.startswith("error: ")
        and "Traceback" not in done.stderr
    )


def test_batch_mode_gives_the_same_answers(db: sa.Engine, engine_env: str) -> None:
    from lib import runner
    from lib.evaluate.runs import collect_batch, submit_batch

    rows = [Example(data=r, source_row=i + 1) for i, r in enumerate(review_rows()[:24])]
    testset = tests.from_examples("completion", rows, file_name="batch.jsonl")
    models = [ModelSpec(BASE), ModelSpec("babbage-002")]  # chat and legacy completions
    direct = create_evaluation(db, testset, models, created_by="Ana", task="classification")
    run_evaluation(db, direct)
    # another top-k: different request keys, so nothing comes from the store
    batched = create_evaluation(
        db, testset, models, created_by="Ana", task="classification", top_k=4, batch=True
    )
    ids = submit_batch(db, batched)
    assert len(ids) == 2
    with pytest.raises(UserError, match="already has batches"):
        submit_batch(db, batched)
    progress = collect_batch(db, batched)
    for _ in range(200):
        if progress.status == "done":
            break
        time.sleep(0.1)
        progress = collect_batch(db, batched)
    assert (progress.status, progress.done, progress.cached) == ("done", 48, 0)
    assert runner.batch_status(db, batched)[0]["status"] == "collected"
    one = {(r.item, r.model): r.output for r in runner.iter_results(db, direct)}
    two = {(r.item, r.model): r.output for r in runner.iter_results(db, batched)}
    assert one == two
