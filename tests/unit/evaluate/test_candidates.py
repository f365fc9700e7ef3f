"""Candidates = model + prompt recipe: demonstrations, rendering, label-restricted predictions and
measured cost, checked against values computed here independently (built-in engine, real store)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openai
import pytest
import sqlalchemy as sa

from lib import runner
from lib.core.errors import UserError
from lib.core.examples import Example
from lib.core.paths import REPO_ROOT
from lib.core.pricing import default_table
from lib.evaluate import ModelSpec, create_evaluation, run_evaluation
from lib.evaluate import results as res
from lib.evaluate import testset as tests
from lib.evaluate.candidates import calibration_or_none, measured_costs
from lib.evaluate.compare import break_even, candidate_costs
from lib.evaluate.recipes import DEFAULT_INSTRUCTIONS, Prompter, Recipe, answer_text, stratified
from lib.evaluate.report import html_report, predictions_csv
from lib.evaluate.runs import plan
from tests.unit.evaluate.helpers import BASE, review_rows, write_test_file

SEP = "\n\n###\n\n"


def _set(rows: list[dict], name: str) -> tests.TestSet:
    examples = [Example(data=r, source_row=i + 1) for i, r in enumerate(rows)]
    return tests.from_examples("completion", examples, file_name=name)


@pytest.fixture(scope="module")
def pool() -> tests.TestSet:
    return _set(review_rows()[:500], "train.jsonl")


@pytest.fixture(scope="module")
def testset() -> tests.TestSet:
    return _set(review_rows()[800:860], "test.jsonl")


def test_fixed_demonstrations_are_stratified_and_seeded(pool: tests.TestSet) -> None:
    picked = stratified(pool, 10, seed=3)
    assert Counter(e.gold for e in picked) == {f" {k}": 2 for k in range(1, 6)}
    assert [e.key for e in stratified(pool, 10, seed=3)] == [e.key for e in picked]
    assert [e.key for e in stratified(pool, 10, seed=4)] != [e.key for e in picked]
    assert {e.key for e in stratified(pool, 7, seed=0)} <= {e.key for e in pool.examples}


def test_chat_recipe_renders_instructions_demonstrations_then_the_question(
    pool: tests.TestSet, testset: tests.TestSet
) -> None:
    prompter = Prompter(Recipe(shots=5, instructions=DEFAULT_INSTRUCTIONS), testset, pool=pool)
    example = testset.examples[0]
    messages = prompter.messages(example)
    assert messages[0] == {
        "role": "system",
        "content": "Classify the input. Answer with one of these labels: 1, 2, 3, 4, 5. "
        "Reply with the label only.",
    }
    pairs = messages[1:-1]
    assert [m["role"] for m in pairs] == ["user", "assistant"] * 5
    assert sorted(m["content"] for m in pairs[1::2]) == ["1", "2", "3", "4", "5"]
    assert not any(m["content"].endswith(SEP) for m in pairs)
    assert messages[-1] == {"role": "user", "content": example.data["prompt"].removesuffix(SEP)}


def test_legacy_recipe_renders_prompt_completion_blocks(
    pool: tests.TestSet, testset: tests.TestSet
) -> None:
    prompter = Prompter(Recipe(shots=2, instructions="Labels: {labels}"), testset, pool=pool)
    example = testset.examples[0]
    demos = prompter.demos(example)
    expected = "Labels: 1, 2, 3, 4, 5\n\n" + "".join(
        d.data["prompt"] + d.gold + "\n\n" for d in demos
    )
    assert prompter.prompt(example) == expected + example.data["prompt"]


def test_nearest_demonstrations_are_the_most_alike(pool: tests.TestSet) -> None:
    query = pool.examples[7]
    prompter = Prompter(Recipe(shots=3, selection="nearest"), pool, pool=pool)
    assert prompter.demos(query)[-1].key == query.key  # itself is the nearest of all


def test_plans_refuse_what_would_mislead(pool: tests.TestSet, testset: tests.TestSet) -> None:
    with pytest.raises(UserError, match="other examples than the test set"):
        plan(testset, [ModelSpec(BASE, recipe=Recipe(shots=2))], shots_from=testset)
    with pytest.raises(UserError, match="training split"):
        plan(testset, [ModelSpec(BASE, recipe=Recipe(shots=2))])
    with pytest.raises(UserError, match="twice"):
        plan(testset, [ModelSpec(BASE, recipe=Recipe(4)), ModelSpec(BASE, recipe=Recipe(4))])
    settings, _ = plan(
        testset, [ModelSpec(BASE), ModelSpec(BASE, recipe=Recipe(4, DEFAULT_INSTRUCTIONS))],
        shots_from=pool,
    )  # fmt: skip
    stored = settings["recipes"][f"{BASE}+4-shot"]
    assert stored["shots"] == 4 and len(stored["demonstrations"]) == 4
    assert stored["example_prompt"].startswith("system: Classify the input.")


def _independent_restricted(item: runner.ItemResult, labels: list[str]) -> str | None:
    """The most probable label among the first position's alternatives (written afresh)."""
    probs: dict[str, float] = {}
    for token, logprob in (item.logprobs or [{}])[0].get("top") or []:
        name = token.strip().lower()
        if name in labels:
            probs[name] = probs.get(name, 0.0) + math.exp(logprob)
    if not probs:
        return None
    best = max(probs.values())
    answer = (item.output or "").strip().lower()
    return answer if probs.get(answer) == best else max(probs, key=lambda k: probs[k])


def test_label_restricted_accuracy_and_cost_match_independent_values(
    db: sa.Engine,
    engine_url: str,
    trained_model: str,
    pool: tests.TestSet,
    testset: tests.TestSet,
) -> None:
    specs = [
        ModelSpec(BASE, base_url=engine_url),
        ModelSpec(BASE, base_url=engine_url, recipe=Recipe(0, DEFAULT_INSTRUCTIONS)),
        ModelSpec(BASE, base_url=engine_url, recipe=Recipe(20, DEFAULT_INSTRUCTIONS)),
        ModelSpec(trained_model, base_url=engine_url),
    ]
    run_id = create_evaluation(
        db, testset, specs, created_by="Ana", task="classification", top_k=5, shots_from=pool
    )
    run_evaluation(db, run_id)
    data = res.load(db, run_id)
    names = [s.name for s in specs]
    assert data.models == names

    items: dict[int, list[runner.ItemResult]] = {i: [] for i in range(len(specs))}
    for item in runner.iter_results(db, run_id):
        items[int(item.meta["model_index"])].append(item)
    labels = ["1", "2", "3", "4", "5"]
    costs = measured_costs(db, data)
    # OpenAI's published gpt-4o-mini prices, $ per 1M tokens: base 0.15 / 0.60, fine-tuned 0.30 / 1.20
    prices = {0: (0.15, 0.60), 1: (0.15, 0.60), 2: (0.15, 0.60), 3: (0.30, 1.20)}
    for index, name in enumerate(names):
        mine = [_independent_restricted(i, labels) for i in items[index]]
        golds = [str(i.meta["gold"]).strip() for i in items[index]]
        expected = sum(m == g for m, g in zip(mine, golds, strict=True)) / len(golds)
        assert costs[name].label_restricted_accuracy == pytest.approx(expected), name
        prompt = sum(i.prompt_tokens for i in items[index]) / len(items[index])
        completion = sum(i.completion_tokens for i in items[index]) / len(items[index])
        assert costs[name].prompt_tokens_mean == pytest.approx(prompt)
        per_1k = 1000 * (prompt * prices[index][0] + completion * prices[index][1]) / 1e6
        assert costs[name].cost_per_1k == pytest.approx(per_1k), name

    bare, zero, twenty, tuned = (costs[n] for n in names)
    assert bare.label_answers == 0 and calibration_or_none(data, names[0]) is None
    assert zero.label_answers == len(testset.examples)  # a guess among the listed labels
    assert zero.accuracy < 0.45 and twenty.accuracy > zero.accuracy
    assert tuned.accuracy > twenty.accuracy
    assert twenty.prompt_tokens_mean > 5 * tuned.prompt_tokens_mean
    assert twenty.shots == 20 and tuned.shots is None
    # the training cost: the engine's job for the model (its trained tokens) × $3 per 1M tokens
    client = openai.OpenAI(base_url=engine_url, api_key="tunelab-local")
    job = next(j for j in client.fine_tuning.jobs.list() if j.fine_tuned_model == trained_model)
    assert tuned.training_cost == pytest.approx(job.trained_tokens * 3.0 / 1e6)

    report = html_report(data)
    assert "<h2>Prompt recipes</h2>" in report and f"{BASE}+20-shot: 20 demonstrations" in report
    header = predictions_csv(data).decode().splitlines()[0]
    assert "label,label_restricted,correct" in header

    # with a known training cost, the break-even point is training / saving per prediction
    priced = candidate_costs(data, table=default_table(), trained_tokens=lambda m: 1_000_000)
    once = priced[names[3]].training_cost
    assert once == pytest.approx(3.0)  # 1M tokens × $3 per 1M (gpt-4o-mini training)
    saving = (priced[names[2]].cost_per_1k - priced[names[3]].cost_per_1k) / 1000
    assert break_even(priced[names[2]], priced[names[3]]) == pytest.approx(once / saving)


def test_cli_few_shot_candidates(tmp_path: Path, engine_url: str, trained_model: str) -> None:
    train = write_test_file(tmp_path / "train.jsonl", review_rows()[:300])
    test = write_test_file(tmp_path / "test.jsonl", review_rows()[800:860])
    env = {
        **os.environ,
        "TUNELAB_DATA_DIR": str(tmp_path / "data"),
        "OPENAI_API_KEY": "tunelab-local",
        "PYTHONPATH": str(REPO_ROOT),
    }
    env.pop("DATABASE_URL", None)
    command = [
        sys.executable, "-m", "lib", "evaluate", str(test), "--model", BASE,
        "--few-shot", f"{BASE}=0", "--few-shot", f"{BASE}=8", "--model", trained_model,
        "--shots-from", str(train), "--base-url", engine_url, "--json",
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    models = json.loads(done.stdout)["models"]
    assert list(models) == [BASE, f"{BASE}+0-shot", f"{BASE}+8-shot", trained_model]
    eight = models[f"{BASE}+8-shot"]
    assert eight["shots"] == 8 and models[BASE]["shots"] is None
    assert eight["prompt_tokens_mean"] > models[BASE]["prompt_tokens_mean"] * 5
    assert eight["cost_per_1k"] > 0 and eight["priced_as"] == f"openai/{BASE}"
    assert models[BASE]["ece"] is None and models[BASE]["label_answers"] == 0
    assert models[trained_model]["ece"] is not None
    assert 0 <= eight["label_restricted_accuracy"] <= 1

    text = subprocess.run(
        command[:-1], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert "ECE=no label answers" in text.stdout and "ECE=0.0000" not in text.stdout.split("\n")[0]


def test_cli_refuses_a_malformed_few_shot(tmp_path: Path) -> None:
    test = write_test_file(tmp_path / "test.jsonl", review_rows()[:20])
    env = {**os.environ, "TUNELAB_DATA_DIR": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "lib", "evaluate", str(test), "--few-shot", "gpt-4o-mini"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2 and "MODEL=K" in done.stderr and "Traceback" not in done.stderr


def test_generation_base_with_instructions_repeats_the_nearest_demonstration(
    db: sa.Engine, engine_url: str
) -> None:
    """Free text: the recipe lists no labels, and the engine's base answers with the answer of
    the most alike demonstration (it never composes text), shown beside the bare base."""
    path = REPO_ROOT / "sample_data" / "marketing_copy.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    pool, test = _set(rows[:120], "copy-train.jsonl"), _set(rows[140:150], "copy-test.jsonl")
    assert not test.classification()
    recipe = Recipe(3, "Write one line of marketing copy.", selection="nearest")
    prompter = Prompter(recipe, test, pool=pool)
    assert (
        prompter.labels == []
        and "{labels}" not in prompter.messages(test.examples[0])[0]["content"]
    )
    specs = [
        ModelSpec(BASE, base_url=engine_url),
        ModelSpec(BASE, base_url=engine_url, recipe=recipe),
    ]
    run_id = create_evaluation(db, test, specs, created_by="Ana", shots_from=pool, max_tokens=60)
    run_evaluation(db, run_id)
    data = res.load(db, run_id)
    assert data.task == "generation"
    shown = {answer_text(e, pool).strip() for e in pool.examples}  # as demonstrated
    prompted = [p.output.strip() for p in data.by_model[f"{BASE}+3-nearest"]]
    assert all(answer in shown for answer in prompted)
    scores = res.generation_scores(data)
    assert scores[f"{BASE}+3-nearest"].chrf > scores[BASE].chrf
