"""Import benchmark: a generated 1,000,000-row prompt/completion JSONL into a fresh SQLite store.

Runs Tunelab's import (the same path as ``python -m lib import``) and, as a reference in the
same run, a naive pandas import (``read_json(lines=True)`` + ``DataFrame.to_sql``) of the same
file. Each runs in its own process so that peak RSS is measured per importer.

    python bench/import_bench.py [--rows 1000000] [--skip-reference]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

_VOCABULARY = (
    "the a product works well broke after two days great value would buy again shipping was "
    "slow quality excellent poor battery screen sound price support refund love hate okay fine"
)
WORDS = _VOCABULARY.split()
LABELS = [" 1", " 2", " 3", " 4", " 5"]


def generate(path: Path, rows: int, *, seed: int = 7) -> int:
    """Write ``rows`` prompt/completion lines of about 300 bytes; returns the file size."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as out:
        for i in range(rows):
            title = " ".join(rng.choices(WORDS, k=4))
            body = " ".join(rng.choices(WORDS, k=38))
            prompt = f"Review {i}: {title}\n\n{body}\n\n###\n\n"
            out.write(json.dumps({"prompt": prompt, "completion": rng.choice(LABELS)}) + "\n")
    return path.stat().st_size


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_tunelab(path: Path, db: Path) -> dict[str, float]:
    from lib.core.db import create_engine_for
    from lib.core.migrations import migrate
    from lib.datasets.io import import_reading, read_examples

    engine = create_engine_for(f"sqlite:///{db}")
    migrate(engine)
    start, cpu = time.perf_counter(), time.process_time()
    reading = read_examples(path, file_name=path.name)
    summary = import_reading(engine, reading, name="bench")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "rows": summary.n_examples,
        "seconds": seconds,
        "cpu": cpu,
        "peak_rss_mb": peak_rss_mb(),
    }


def run_pandas(path: Path, db: Path) -> dict[str, float]:
    import pandas as pd
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{db}")
    start, cpu = time.perf_counter(), time.process_time()
    frame = pd.read_json(path, lines=True, dtype=False)
    frame.to_sql("examples", engine, index=False, chunksize=50_000)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"rows": len(frame), "seconds": seconds, "cpu": cpu, "peak_rss_mb": peak_rss_mb()}


def _child(kind: str, path: Path, db: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--file", str(path), "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--child", choices=["tunelab", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        runner = run_tunelab if args.child == "tunelab" else run_pandas
        print(json.dumps(runner(args.file, args.db)))
        return
    with tempfile.TemporaryDirectory(prefix="tunelab-bench-") as tmp:
        folder = Path(tmp)
        path = folder / "bench.jsonl"
        size = generate(path, args.rows)
        print(f"file: {args.rows:,} rows, {size / 1e6:.0f} MB ({size / args.rows:.0f} bytes a row)")
        results = {"tunelab import": _child("tunelab", path, folder / "tunelab.db")}
        if not args.skip_reference:
            results["pandas read_json + to_sql"] = _child("pandas", path, folder / "pandas.db")
        print(os_load())
        print(
            f"{'importer':<28}{'rows':>11}{'wall s':>8}{'rows/s':>10}{'CPU s':>8}"
            f"{'rows/CPU s':>12}{'peak RSS MB':>13}"
        )
        for name, r in results.items():
            print(
                f"{name:<28}{int(r['rows']):>11,}{r['seconds']:>8.1f}"
                f"{r['rows'] / r['seconds']:>10,.0f}{r['cpu']:>8.1f}"
                f"{r['rows'] / r['cpu']:>12,.0f}{r['peak_rss_mb']:>13,.0f}"
            )
        ours = results["tunelab import"]
        fast = ours["rows"] / ours["seconds"] >= 100_000
        small = ours["peak_rss_mb"] < 1024
        print(
            f"target ≥ 100,000 rows/s (wall): {'met' if fast else 'not met'}; "
            f"peak RSS < 1,024 MB: {'met' if small else 'not met'}"
        )


def os_load() -> str:
    """The machine's load, printed beside the figures: other work on the CPUs slows wall time."""
    try:
        one, five, _ = (float(x) for x in Path("/proc/loadavg").read_text().split()[:3])
    except (OSError, ValueError):
        return "load average: unknown"
    import os

    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} CPUs"


if __name__ == "__main__":
    main()
