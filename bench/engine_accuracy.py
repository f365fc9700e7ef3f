"""Base vs. fine-tuned accuracy of the built-in engine on held-out AG news (real data).

Trains on 1,400 articles (200 more for validation), then asks both models about 400 held-out
articles through the ``openai`` SDK. Two figures per model: exact-match accuracy of the answer,
and label-restricted accuracy (the most probable of the four labels among the first token's
top-20 logprobs — what an evaluation of class probabilities sees). The reference line is
chance (25 %) and the majority class. Run: ``python bench/engine_accuracy.py``.
"""

from __future__ import annotations

import csv
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openai import OpenAI  # noqa: E402

from lib.core.paths import SHARED_DIR  # noqa: E402
from lib.engine.local import start_engine  # noqa: E402

DATA = SHARED_DIR / "datasets" / "openai_cookbook" / "AG_news_samples.csv"
SYSTEM = "Classify the news article as World, Sports, Business or Sci/Tech."


def _messages(row: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"{row['title']}\n{row['description']}"},
    ]


def _upload(client: OpenAI, rows: list[dict[str, str]], name: str) -> str:
    lines = [
        json.dumps({"messages": [*_messages(r), {"role": "assistant", "content": r["label"]}]})
        for r in rows
    ]
    return client.files.create(file=(name, "\n".join(lines).encode()), purpose="fine-tune").id


def _score(
    client: OpenAI, model: str, rows: list[dict[str, str]], labels: list[str]
) -> tuple[float, float]:
    exact = restricted = 0
    for row in rows:
        answer = client.chat.completions.create(
            model=model, messages=_messages(row), temperature=0, max_tokens=4,
            logprobs=True, top_logprobs=20,
        )  # fmt: skip
        choice = answer.choices[0]
        exact += (choice.message.content or "").strip() == row["label"]
        first = {t.token.strip(): t.logprob for t in choice.logprobs.content[0].top_logprobs}
        ranked = max(labels, key=lambda lab: (first.get(lab, float("-inf")), random.random()))
        restricted += ranked == row["label"]
    return exact / len(rows), restricted / len(rows)


def main() -> None:
    with DATA.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    random.Random(2024).shuffle(rows)
    train, valid, test = rows[:1400], rows[1400:1600], rows[1600:]
    labels = sorted({r["label"] for r in rows})
    majority = Counter(r["label"] for r in test).most_common(1)[0][1] / len(test)
    with tempfile.TemporaryDirectory() as folder, start_engine(data_dir=folder) as engine:
        client = OpenAI(base_url=engine.base_url, api_key="tunelab-local")
        started = time.perf_counter()
        job = client.fine_tuning.jobs.create(
            model="gpt-4o-mini-2024-07-18", seed=1,
            training_file=_upload(client, train, "train.jsonl"),
            validation_file=_upload(client, valid, "valid.jsonl"),
        )  # fmt: skip
        while (job := client.fine_tuning.jobs.retrieve(job.id)).status not in (
            "succeeded",
            "failed",
        ):
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        assert job.status == "succeeded", job.error
        base = _score(client, "gpt-4o-mini-2024-07-18", test, labels)
        tuned = _score(client, str(job.fine_tuned_model), test, labels)
    print(
        f"AG news: {len(train)} train / {len(valid)} valid / {len(test)} held-out test, 4 classes"
    )
    print(f"fine-tuning job: {seconds:.1f} s ({job.hyperparameters.n_epochs} epochs)")
    print(f"{'model':<28}{'exact match':>12}{'label-restricted':>18}")
    print(f"{'reference: chance':<28}{'':>12}{0.25:>18.1%}")
    print(f"{'reference: majority class':<28}{'':>12}{majority:>18.1%}")
    print(f"{'base (untrained prior)':<28}{base[0]:>12.1%}{base[1]:>18.1%}")
    print(f"{'fine-tuned':<28}{tuned[0]:>12.1%}{tuned[1]:>18.1%}")


if __name__ == "__main__":
    main()
