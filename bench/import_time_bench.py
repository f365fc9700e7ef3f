"""Import cost of each screen on a user's first visit: the shell every page runs (guard, sidebar)
plus the screen's own UI module, imported in a fresh Python process.

The app server pays this once per process and screen, on the first click, so it is what a user
waits for before the first render. Each screen is measured in its own child process (best of N,
CPU time = user+sys of the child from ``resource.getrusage(RUSAGE_CHILDREN)``, and wall time) and
the heavy third-party modules it pulled in are listed, so a regression shows which import brought
them back. The reference is "the shell alone" (what every screen must pay anyway); the figures of
another commit come from running this same script on that checkout.

    python bench/import_time_bench.py [--runs 5]
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

HEAVY = ["openai", "httpx", "scipy", "sklearn", "plotly", "pandas", "numpy", "pyarrow", "tiktoken"]

CHILD = """
import importlib, json, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""


def _one(modules: list[str]) -> tuple[float, float, list[str]]:
    """CPU seconds, wall seconds and top-level modules loaded by one fresh import."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, "streamlit", *SHELL, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'screen':16} {'cpu s':>7} {'wall s':>7} {'+ over shell':>12}  heavy modules loaded")
    shell_cpu = 0.0
    for screen, modules in SCREENS.items():
        runs = [_one(modules) for _ in range(args.runs)]
        cpu = min(r[0] for r in runs)
        wall = min(r[1] for r in runs)
        loaded = set(runs[0][2])
        heavy = [m for m in HEAVY if m in loaded]
        if screen == "shell only":
            shell_cpu = cpu
        extra = cpu - shell_cpu
        print(f"{screen:16} {cpu:7.3f} {wall:7.3f} {extra:12.3f}  {', '.join(heavy) or '-'}")
    print(
        "(best of",
        args.runs,
        "runs; each row imports streamlit + shell + the screen's UI module"
        " in a fresh process; compare rows against another checkout by running this script there)",
    )


if __name__ == "__main__":
    main()
