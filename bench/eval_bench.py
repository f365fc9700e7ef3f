"""Evaluation throughput: 10,000 classification requests against the built-in engine on loopback.

Trains a classifier on the sample reviews, then runs the same requests through the request
runner at concurrency 1 (the reference run) and 32, each into a fresh store (no cache hits),
and prints predictions per second and their ratio (aim: ≥ 10×).

    python bench/eval_bench.py [--n 10000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib import runner  # noqa: E402
from lib.core.db import create_engine_for  # noqa: E402
from lib.core.migrations import migrate  # noqa: E402
from lib.engine.local import start_engine  # noqa: E402
from tests.unit.evaluate.helpers import review_rows, train_classifier  # noqa: E402


def build(model: str, n: int) -> list[runner.Request]:
    rows = review_rows()
    out = []
    for i in range(n):
        prompt = rows[i % len(rows)]["prompt"].removesuffix("\n\n###\n\n")
        body = {
            "messages": [{"role": "user", "content": f"{prompt} #{i}"}],
            "temperature": 0,
            "max_tokens": 4,
            "logprobs": True,
            "top_logprobs": 5,
        }
        out.append(runner.Request(item=str(i), model=model, endpoint="chat", body=body))
    return out


def measure(base_url: str, model: str, n: int, concurrency: int, folder: Path) -> float:
    import openai

    db = create_engine_for(f"sqlite:///{folder / f'bench-{concurrency}.db'}")
    migrate(db)
    run_id = runner.create_run(
        db, kind="bench", name="bench", settings={}, requests=build(model, n), created_by="bench"
    )
    client = openai.OpenAI(base_url=base_url, api_key="tunelab-local")
    started = time.perf_counter()
    progress = runner.execute(
        db, run_id, client_for=lambda _m: client, options=runner.RunOptions(concurrency=concurrency)
    )
    elapsed = time.perf_counter() - started
    assert progress.done == n, progress
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="engine latency per request (a remote API's)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {"TUNELAB_ENGINE_LATENCY_MS": str(args.latency_ms)} if args.latency_ms else {}
        with start_engine(data_dir=folder / "engine", env=env) as engine:
            model = train_classifier(engine.base_url)
            reference = measure(engine.base_url, model, args.n, 1, folder)
            print(f"concurrency  1 (reference): {reference:8.1f} predictions/s")
            fast = measure(engine.base_url, model, args.n, 32, folder)
            print(f"concurrency 32:             {fast:8.1f} predictions/s")
            print(f"ratio: {fast / reference:.1f}x (aim >= 10x)")


if __name__ == "__main__":
    main()
