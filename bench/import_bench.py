"""Import benchmark: a generated 1,000,000-row prompt/completion JSONL into a fresh SQLite store.

Runs Tunelab's import (the same path as ``python -m lib import``) and, as a reference in the
same run, a naive pandas import (``read_json(lines=True)`` + ``DataFrame.to_sql``) of the same
file. Each runs in its own process so that peak RSS is measured per importer; with ``--repeat``
the sides alternate and the median run of each is compared.

Rows/s are wall-clock; CPU seconds are the importing process's user+sys over the same span (all
threads), the figure to trust on a shared machine. Tunelab reads and writes in two threads, the
reference in one: while another process keeps a core busy, Tunelab's wall time is its CPU time.
The aim: at least the reference's rows/s at no more than a quarter of its peak memory. Tunelab's import returns when its transaction has
committed; the text search index of a large import is built after it, in the background
(``lib.core.search``; searches scan until it is complete), and is timed on its own line.

    python bench/import_bench.py [--rows 1000000] [--repeat 3] [--skip-reference]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import threading
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
    start, cpu0 = time.perf_counter(), time.process_time()
    reading = read_examples(path, file_name=path.name)
    summary = import_reading(engine, reading, name="bench")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu0
    peak = peak_rss_mb()
    # The search index a large import leaves to a background thread: wait for it.
    for thread in threading.enumerate():
        if thread.name.startswith("tunelab-search-index-"):
            thread.join()
    return {
        "rows": summary.n_examples,
        "seconds": seconds,
        "cpu": cpu,
        "peak_rss_mb": peak,
        "indexed_seconds": time.perf_counter() - start,
        "indexed_cpu": time.process_time() - cpu0,
        "indexed_peak_rss_mb": peak_rss_mb(),
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


def _median_run(runs: list[dict[str, float]]) -> dict[str, float]:
    """The run with the median wall time (its own CPU and memory, not a mix of runs); of an
    even number, the slower of the middle two."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    return ordered[len(ordered) // 2]


def _line(name: str, r: dict[str, float]) -> str:
    return (
        f"{name:<28}{int(r['rows']):>11,}{r['seconds']:>8.1f}"
        f"{r['rows'] / r['seconds']:>10,.0f}{r['cpu']:>8.1f}"
        f"{r['rows'] / r['cpu']:>12,.0f}{r['peak_rss_mb']:>13,.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side (alternating)")
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument("--child", choices=["tunelab", "pandas"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        runner = run_tunelab if args.child == "tunelab" else run_pandas
        print(json.dumps(runner(args.file, args.db)))
        return
    ours_name, ref_name = "tunelab import", "pandas read_json + to_sql"
    runs: dict[str, list[dict[str, float]]] = {ours_name: [], ref_name: []}
    with tempfile.TemporaryDirectory(prefix="tunelab-bench-") as tmp:
        folder = Path(tmp)
        path = folder / "bench.jsonl"
        size = generate(path, args.rows)
        print(f"file: {args.rows:,} rows, {size / 1e6:.0f} MB ({size / args.rows:.0f} bytes a row)")
        header = (
            f"{'importer':<28}{'rows':>11}{'wall s':>8}{'rows/s':>10}{'CPU s':>8}"
            f"{'rows/CPU s':>12}{'peak RSS MB':>13}"
        )
        print(header)
        for attempt in range(args.repeat):
            sides = [("tunelab", ours_name)]
            if not args.skip_reference:
                sides.append(("pandas", ref_name))
            for kind, name in sides:
                db = folder / f"{kind}-{attempt}.db"
                result = _child(kind, path, db)
                for leftover in folder.glob(f"{kind}-{attempt}.db*"):
                    leftover.unlink()  # a 1M-row store is ~1 GB: one at a time on disk
                runs[name].append(result)
                print(_line(f"{name} #{attempt + 1}", result), flush=True)
        print(os_load())
        ours = _median_run(runs[ours_name])
        label = "median of " + str(args.repeat) if args.repeat > 1 else "run"
        print(f"-- {label} --")
        print(header)
        print(_line(ours_name, ours))
        print(
            f"{'  until search is indexed':<28}{'':>11}{ours['indexed_seconds']:>8.1f}"
            f"{ours['rows'] / ours['indexed_seconds']:>10,.0f}{ours['indexed_cpu']:>8.1f}"
            f"{ours['rows'] / ours['indexed_cpu']:>12,.0f}{ours['indexed_peak_rss_mb']:>13,.0f}"
        )
        if args.skip_reference:
            return
        ref = _median_run(runs[ref_name])
        print(_line(ref_name, ref))
        speed = (ours["rows"] / ours["seconds"]) / (ref["rows"] / ref["seconds"])
        cpu_speed = (ours["rows"] / ours["cpu"]) / (ref["rows"] / ref["cpu"])
        memory = ours["peak_rss_mb"] / ref["peak_rss_mb"]
        print(
            f"ratio (tunelab / reference): rows/s {speed:.2f}×, rows/CPU-s {cpu_speed:.2f}×, "
            f"peak memory {memory:.2f}×"
        )
        fast, small = speed >= 1.0, memory <= 0.25
        print(
            f"aim ≥ the reference's rows/s: {'met' if fast else 'not met'}; "
            f"peak memory ≤ ¼ of the reference's: {'met' if small else 'not met'}"
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
