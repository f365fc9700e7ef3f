"""Built-in engine benchmark: training time on 200,000 generated classification examples, and
chat completions with logprobs under 32 concurrent clients — each beside a reference run
(20,000 examples; one client) in the same script, all through the ``openai`` SDK.

Run: ``python bench/engine_bench.py [--examples 200000] [--clients 32] [--requests 25]``.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openai import OpenAI  # noqa: E402

from lib.engine.local import start_engine  # noqa: E402

LABELS = [" 1", " 2", " 3", " 4", " 5"]


def generate(count: int, *, seed: int) -> list[tuple[str, str]]:
    """Star-rating reviews: each label has its own cue words, mixed into shared filler words;
    a third of the cues come from a neighbouring rating, so the task is not trivially easy."""
    rng = random.Random(seed)
    filler = [f"w{i}" for i in range(2000)]
    cues = [[f"s{k}x{i}" for i in range(40)] for k in range(len(LABELS))]
    rows = []
    for _ in range(count):
        k = rng.randrange(len(LABELS))
        label = LABELS[k]
        picked = []
        for _ in range(rng.randint(1, 3)):
            source = (
                k if rng.random() > 0.35 else min(len(LABELS) - 1, max(0, k + rng.choice((-1, 1))))
            )
            picked.append(rng.choice(cues[source]))
        words = rng.choices(filler, k=rng.randint(12, 30)) + picked
        rng.shuffle(words)
        rows.append((" ".join(words) + " ->", label))
    return rows


def train(client: OpenAI, rows: list[tuple[str, str]]) -> tuple[float, str, int, int]:
    payload = "".join(json.dumps({"prompt": p, "completion": c}) + "\n" for p, c in rows).encode()
    file_id = client.files.create(file=("reviews.jsonl", payload), purpose="fine-tune").id
    started = time.perf_counter()
    job = client.fine_tuning.jobs.create(model="babbage-002", training_file=file_id, seed=3)
    while (job := client.fine_tuning.jobs.retrieve(job.id)).status not in ("succeeded", "failed"):
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    assert job.status == "succeeded", job.error
    steps = int(
        client.files.content(job.result_files[0]).text.strip().splitlines()[-1].split(",")[0]
    )
    return seconds, str(job.fine_tuned_model), steps, int(job.hyperparameters.n_epochs)


def accuracy(client: OpenAI, model: str, rows: list[tuple[str, str]]) -> float:
    hits = 0
    for prompt, label in rows:
        answer = client.completions.create(model=model, prompt=prompt, max_tokens=1, temperature=0)
        hits += answer.choices[0].text == label
    return hits / len(rows)


def load(base_url: str, model: str, *, clients: int, requests: int) -> tuple[float, float, float]:
    """Requests/s and p50/p95 latency (ms) for ``clients`` threads sending ``requests`` each."""
    latencies: list[float] = []
    lock = threading.Lock()
    prompts = [p for p, _ in generate(clients * requests, seed=99)]

    def worker(index: int) -> None:
        client = OpenAI(base_url=base_url, api_key="tunelab-local", max_retries=0)
        mine = []
        for k in range(requests):
            started = time.perf_counter()
            client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": prompts[index * requests + k]}],
                logprobs=True, top_logprobs=5, max_tokens=1, temperature=0,
            )  # fmt: skip
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=20)
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, cuts[18] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=25, help="requests per client")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, start_engine(data_dir=folder) as engine:
        client = OpenAI(base_url=engine.base_url, api_key="tunelab-local", timeout=600)
        held_out = generate(300, seed=7)
        print("training (auto hyperparameters: epochs by OpenAI's rule, batch ≈ 1 % up to 256)")
        print(
            f"{'examples':>10}{'epochs':>8}{'steps':>8}{'seconds':>10}{'examples/s':>12}{'held-out acc':>14}"
        )
        model = ""
        for count in (args.examples // 10, args.examples):
            seconds, model, steps, epochs = train(client, generate(count, seed=count))
            rate = count * epochs / seconds
            acc = accuracy(client, model, held_out)
            note = "  (reference)" if count != args.examples else ""
            print(
                f"{count:>10,}{epochs:>8}{steps:>8}{seconds:>10.1f}{rate:>12,.0f}{acc:>14.1%}{note}"
            )
        print()
        print(f"chat completions with logprobs (top_logprobs=5) on {model}")
        print(f"{'clients':>8}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}")
        reference = max(20, args.requests * 2)
        for clients, per in ((1, reference), (args.clients, args.requests)):
            rate, p50, p95 = load(engine.base_url, model, clients=clients, requests=per)
            note = "  (reference)" if clients == 1 else ""
            print(f"{clients:>8}{clients * per:>10}{rate:>10.1f}{p50:>10.1f}{p95:>10.1f}{note}")


if __name__ == "__main__":
    main()
