"""Prompting or fine-tuning, measured: zero-, 4-, 8- and 32-shot base vs fine-tuned.

Runs on the built-in engine (a subprocess on a free loopback port, data in a temp folder)
through Tunelab's own evaluation (candidates, recipes, the runner, the store), on the sample
product reviews and on AG news from the cookbook. Prints each candidate's accuracy (exact and
label-restricted), mean tokens as the engine counted them and as OpenAI's o200k tokenizer
counts the same prompts, and the cost per 1,000 predictions at OpenAI's gpt-4o-mini prices
from the price table (base rates for the base candidates, fine-tuned rates plus the training
cost for the fine-tuned one).

    python bench/fewshot_bench.py [--test N]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(REPO.parent / "shared" / "tiktoken"))

BASE = "gpt-4o-mini-2024-07-18"
SHOTS = (0, 4, 8, 32)


def _reviews() -> tuple[list[dict], list[dict]]:
    rows = [json.loads(x) for x in (REPO / "sample_data" / "product_reviews.jsonl").open()]
    random.Random(0).shuffle(rows)
    return rows[:700], rows[700:]


def _news() -> tuple[list[dict], list[dict]]:
    path = REPO.parent / "shared" / "datasets" / "openai_cookbook" / "AG_news_samples.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    random.Random(0).shuffle(rows)
    chat = [
        {
            "messages": [
                {"role": "user", "content": f"{r['title']}\n{r['description']}"},
                {"role": "assistant", "content": r["label"]},
            ]
        }
        for r in rows
    ]
    return chat[:1400], chat[1400:]


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _fine_tune(client, train: Path) -> tuple[str, int]:  # noqa: ANN001
    upload = client.files.create(file=train.open("rb"), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(model=BASE, training_file=upload.id, seed=1)
    while job.status not in ("succeeded", "failed", "cancelled"):
        time.sleep(0.3)
        job = client.fine_tuning.jobs.retrieve(job.id)
    assert job.status == "succeeded", job.error
    return str(job.fine_tuned_model), int(job.trained_tokens or 0)


def _o200k(store, data, name: str) -> float:  # noqa: ANN001
    """Mean o200k tokens of a candidate's prompts (+3 per message, +3 priming, as OpenAI counts)."""
    import tiktoken

    encoding = tiktoken.get_encoding("o200k_base")
    from lib import runner

    index = data.models.index(name)
    counts = []
    for item in runner.iter_results(store, data.run.id):
        if item.meta.get("model_index") != index:
            continue
        body = item.body
        if "messages" in body:
            counts.append(
                3
                + sum(
                    3 + len(encoding.encode(str(m.get("content") or ""))) for m in body["messages"]
                )
            )
        else:
            counts.append(len(encoding.encode(str(body.get("prompt") or ""))))
    return sum(counts) / max(len(counts), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--test", type=int, default=300, help="test examples per dataset")
    args = parser.parse_args()

    import openai

    from lib.core.db import get_engine
    from lib.core.pricing import default_table
    from lib.engine.local import start_engine
    from lib.evaluate import testset as tests
    from lib.evaluate.compare import break_even, candidate_costs, summary
    from lib.evaluate.recipes import DEFAULT_INSTRUCTIONS, Recipe
    from lib.evaluate.requests import ModelSpec
    from lib.evaluate.results import load
    from lib.evaluate.runs import create_evaluation, run_evaluation
    from lib.runner import RunOptions

    table = default_table()
    with tempfile.TemporaryDirectory() as tmp, start_engine(data_dir=Path(tmp) / "e") as eng:
        os.environ["TUNELAB_DATA_DIR"] = str(Path(tmp) / "data")
        store = get_engine(f"sqlite:///{tmp}/store.sqlite3")
        client = openai.OpenAI(base_url=eng.base_url, api_key="tunelab-local")
        for title, loader in (("sample reviews", _reviews), ("AG news", _news)):
            train_rows, test_rows = loader()
            train = _write(Path(tmp) / f"{title}-train.jsonl", train_rows)
            test = _write(Path(tmp) / f"{title}-test.jsonl", test_rows[: args.test])
            tuned, trained_tokens = _fine_tune(client, train)
            pool = tests.from_file(train, file_name=train.name)
            testset = tests.from_file(test, file_name=test.name)
            specs = [
                ModelSpec(BASE, base_url=eng.base_url, recipe=Recipe(k, DEFAULT_INSTRUCTIONS))
                for k in SHOTS
            ] + [
                ModelSpec(BASE, base_url=eng.base_url,
                          recipe=Recipe(8, DEFAULT_INSTRUCTIONS, selection="nearest")),
                ModelSpec(tuned, base_url=eng.base_url),
            ]  # fmt: skip
            run_id = create_evaluation(
                store, testset, specs, created_by="bench", task="classification",
                shots_from=pool,
            )  # fmt: skip
            started = time.perf_counter()
            run_evaluation(store, run_id, options=RunOptions(concurrency=4))
            seconds = time.perf_counter() - started
            data = load(store, run_id)
            costs = candidate_costs(
                data,
                table=table,
                trained_tokens=lambda m, t=tuned, n=trained_tokens: n if m == t else None,
            )
            print(f"\n{title}: {len(data.examples)} test examples, {len(pool.examples)} train "
                  f"({seconds:.0f} s for {len(data.examples) * len(specs)} requests)")  # fmt: skip
            print(f"{'candidate':<34}{'acc':>7}{'restr.':>8}{'prompt tok':>11}{'o200k':>8}"
                  f"{'$/1k (engine tok)':>19}{'$/1k (o200k)':>14}")  # fmt: skip
            for name, cost in costs.items():
                o200k = _o200k(store, data, name)
                rates = table.find(cost.model)
                assert rates is not None
                ft = cost.model.startswith("ft:")
                rin = rates.input if ft else rates.base_input
                rout = rates.output if ft else rates.base_output
                assert rin is not None and rout is not None
                real = 1000 * (o200k * rin + cost.completion_tokens_mean * rout) / 1e6
                short = name.replace(tuned, "fine-tuned").replace(BASE, "base")
                print(f"{short:<34}{cost.accuracy:>7.3f}{cost.label_restricted_accuracy:>8.3f}"
                      f"{cost.prompt_tokens_mean:>11.1f}{o200k:>8.1f}"
                      f"{cost.cost_per_1k or 0:>19.4f}{real:>14.4f}")  # fmt: skip
            tuned_cost = costs[tuned]
            print(f"training: {trained_tokens:,} trained tokens (engine count) → "
                  f"${tuned_cost.training_cost or 0:.4f} at {table.find(BASE).key} training price")  # type: ignore[union-attr]  # fmt: skip
            for k in (8, 32):
                prompted = costs[f"{BASE}+{k}-shot"]
                point = break_even(prompted, tuned_cost)
                print(summary(prompted, tuned_cost).replace(tuned, "fine-tuned").replace(BASE, "base"),
                      "" if point is None else f"({point:,.0f})")  # fmt: skip


if __name__ == "__main__":
    main()
