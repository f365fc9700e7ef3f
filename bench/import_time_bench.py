"""Import cost of each screen on a user's first visit: the shell every page runs (guard, sidebar)
plus the screen's own UI module, imported in a fresh Python process.

The app server pays this once per process and screen, on the first click, so it is what a user
waits for before the first render. Each screen is measured in its own child process (best of N,
CPU time = user+sys of the child from ``resource.getrusage(RUSAGE_CHILDREN)``, and wall time) and
the heavy third-party modules it pulled in are listed, so a regression shows which import brought
them back. The reference is "the shell alone" (what every screen must pay anyway); the figures of
another checkout come from ``--ref`` (the same measurement run there, side by side).

    python bench/import_time_bench.py [--runs 5] [--ref /path/to/main/checkout]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SHELL = ["lib.shell.guard", "lib.shell.sidebar"]

SCREENS = {
    "shell only": [],
    "Datasets": ["lib.datasets.ui.list"],
    "Review": ["lib.review.ui.page"],
    "Checks": ["lib.checks.ui.screen"],
    "Snapshots": ["lib.snapshots.ui.screen"],
    "Synthetic": ["lib.synth.ui.run"],
    "Fine-tune": ["lib.train.ui.launch"],
    "Jobs": ["lib.train.ui.jobs"],
    "Move model": ["lib.migrate.ui.screen"],
    "Providers": ["lib.providers.ui.settings"],
    "Run evaluation": ["lib.evaluate.ui.run"],
    "Results": ["lib.evaluate.ui.results_screen"],
    "My queue": ["lib.access.ui.queue"],
    "Team": ["lib.access.ui.team"],
    "Activity": ["lib.access.ui.activity"],
}

HEAVY = [
    "openai",
    "httpx2",
    "scipy",
    "sklearn",
    "plotly.graph_objects",
    "pandas",
    "numpy",
    "pyarrow",
    "tiktoken",
]

CHILD = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted(sys.modules)))
"""


def _one(root: Path, modules: list[str]) -> tuple[float, float, set[str]]:
    """CPU seconds, wall seconds and the modules loaded by one fresh import in ``root``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, "streamlit", *SHELL, *modules],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, set(json.loads(out.stdout.strip().splitlines()[-1]))


def _measure(root: Path, modules: list[str], runs: int) -> tuple[float, float, list[str]]:
    """Best CPU and best wall of ``runs`` fresh imports, and the heavy modules they loaded."""
    results = [_one(root, modules) for _ in range(runs)]
    loaded = results[0][2]
    heavy = [m.split(".")[0] if m.startswith("plotly") else m for m in HEAVY if m in loaded]
    return min(r[0] for r in results), min(r[1] for r in results), heavy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--ref",
        type=Path,
        default=None,
        help="another checkout to measure the same way (e.g. the main branch's worktree)",
    )
    args = parser.parse_args()
    ref: Path | None = args.ref.resolve() if args.ref else None
    if ref is None:
        print(f"{'screen':16} {'cpu s':>7} {'wall s':>7}  heavy modules loaded")
    else:
        print(f"reference: {ref}")
        print(
            f"{'screen':16} {'ref cpu':>8} {'cpu':>7} {'ratio':>6} {'ref wall':>9} {'wall':>7}"
            "  heavy: reference -> this checkout"
        )
    for screen, modules in SCREENS.items():
        cpu, wall, heavy = _measure(ROOT, modules, args.runs)
        if ref is None:
            print(f"{screen:16} {cpu:7.3f} {wall:7.3f}  {', '.join(heavy) or '-'}")
            continue
        rcpu, rwall, rheavy = _measure(ref, modules, args.runs)
        print(
            f"{screen:16} {rcpu:8.3f} {cpu:7.3f} {rcpu / cpu:5.2f}x {rwall:9.3f} {wall:7.3f}"
            f"  {', '.join(rheavy) or '-'} -> {', '.join(heavy) or '-'}"
        )
    print(
        f"(best of {args.runs} runs, CPU = user+sys of the child; each row imports streamlit,"
        " the shell (guard, sidebar) and the screen's UI module in a fresh process; plotly ="
        " plotly.graph_objects, which streamlit itself imports)"
    )


if __name__ == "__main__":
    main()
