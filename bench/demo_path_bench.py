"""The demo path in Chromium, step by step: wall time and where the CPU went.

Starts ``streamlit run app.py`` as the end-to-end tests do (fresh data folder, sample datasets
loaded by the first page view, built-in engine started by the app) and drives Debian Chromium
through the demo a newcomer gives, by clicks:

1. open the app: the sample reviews are loaded (and frozen into a first snapshot);
2. Snapshots & export: "Create snapshot" (80 / 10 / 10, so the test split has 100 examples);
3. Fine-tune: review checks and cost, launch, then Jobs & models until the job has succeeded;
4. Run evaluation: base vs fine-tuned on the 100 test examples, until "Finished";
5. Results: the metric charts drawn (a legend entry per candidate, bars with intervals).

For each step it prints the wall time and the CPU time (user + system) of the app server, the
engine and Chromium during that step, so that a stall shows as wall time well above the CPU
time of every process. Beside it, the same work without the browser (services called in this
process against a second engine) as the reference, so the UI's own share is visible.

    python bench/demo_path_bench.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TIKTOKEN_CACHE_DIR", "/work/shared/tiktoken")

import psutil  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, AppServer  # noqa: E402
from tests.e2e.helpers import SAMPLE_REVIEWS, wait_for_idle  # noqa: E402

OVERRIDE = "I have read the warnings and want to launch anyway"
STEPS = ["load samples", "snapshot", "fine-tune", "evaluate 2x100", "results"]


def _cpu_of(procs: list[psutil.Process]) -> float:
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


@dataclass
class Meter:
    """CPU seconds so far of the app server (without the engine), the engine and Chromium."""

    server_pid: int
    engine_dir: Path
    seen_engine: dict[int, float] = field(default_factory=dict)

    def _engine(self) -> list[psutil.Process]:
        record = self.engine_dir / "engine.json"
        try:
            pid = int(json.loads(record.read_text())["pid"])
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except (OSError, ValueError, KeyError, psutil.NoSuchProcess):
            return []

    def _chromium(self) -> list[psutil.Process]:
        return [
            p
            for p in psutil.Process().children(recursive=True)
            if "chrom" in (p.name() or "").lower()
        ]

    def sample(self) -> dict[str, float]:
        server = psutil.Process(self.server_pid)
        engine = self._engine()
        engine_pids = {p.pid for p in engine}
        others = [p for p in server.children(recursive=True) if p.pid not in engine_pids]
        own = server.cpu_times()
        return {
            "server": own.user + own.system + _cpu_of(others),
            "engine": _cpu_of(engine),
            "chromium": _cpu_of(self._chromium()),
        }


@dataclass
class Step:
    name: str
    wall: float
    cpu: dict[str, float]
    detail: dict[str, float]


@contextmanager
def measured(meter: Meter, name: str, steps: list[Step]) -> Iterator[dict[str, float]]:
    detail: dict[str, float] = {}
    before = meter.sample()
    started = time.perf_counter()
    detail["_start"] = started
    yield detail
    wall = time.perf_counter() - started
    after = meter.sample()
    detail.pop("_start")
    steps.append(Step(name, wall, {k: after[k] - before[k] for k in after}, detail))


def mark(detail: dict[str, float], what: str) -> None:
    """A point inside a step, in seconds since the step began."""
    detail[what] = time.perf_counter() - detail["_start"]


class Watch:
    """Polls ``done()`` every 50 ms in a thread; ``at`` is when it first held (perf_counter).

    Tells the backend's finishing time from the moment the screen shows it: the difference is
    the UI's refresh lag, not work."""

    def __init__(self, done: Callable[[], bool]) -> None:
        import threading

        self.at: float | None = None
        self._done = done
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self._done():
                    self.at = time.perf_counter()
                    return
            except Exception:  # noqa: BLE001, S112 - not created yet: look again
                pass
            time.sleep(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def _engine_job_succeeded(engine_dir: Path) -> Callable[[], bool]:
    import openai

    record = json.loads((engine_dir / "engine.json").read_text())
    client = openai.OpenAI(base_url=record["base_url"], api_key="tunelab-local")

    def done() -> bool:
        jobs = client.fine_tuning.jobs.list(limit=1).data
        return bool(jobs) and jobs[0].status == "succeeded"

    return done


def _evaluation_finished(data_dir: Path) -> Callable[[], bool]:
    from lib.core.db import create_engine_for
    from lib.core.identity import local_actor
    from lib.evaluate.service import evaluation_runs, run_status

    store = create_engine_for(f"sqlite:///{data_dir / 'tunelab.db'}")
    ana = local_actor("Ana")

    def done() -> bool:
        runs = evaluation_runs(store, actor=ana)
        if not runs:
            return False
        progress = run_status(store, runs[0].id, actor=ana).progress
        return progress.total > 0 and progress.done + progress.failed == progress.total

    return done


def _click_until_enabled(page, box_text: str, button) -> None:  # noqa: ANN001
    from playwright.sync_api import expect

    for _ in range(5):
        if button.is_enabled() or not page.get_by_text(box_text).count():
            break
        page.get_by_text(box_text).click()
        wait_for_idle(page)
    expect(button).to_be_enabled(timeout=30_000)


def nav(page, title: str) -> None:  # noqa: ANN001
    """Open a screen as a user does: its link in the sidebar (no page reload)."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()


def demo_path(page, server: AppServer) -> list[Step]:  # noqa: ANN001 - playwright Page
    """The five steps by clicks; returns what each cost."""
    url = server.url
    meter = Meter(server.process.pid, server.data_dir / "engine")
    steps: list[Step] = []

    with measured(meter, "load samples", steps) as d:
        page.goto(f"{url}/?reviewer=Ana")
        page.get_by_text(SAMPLE_REVIEWS).first.wait_for(state="attached", timeout=180_000)
        mark(d, "listed")
        wait_for_idle(page)

    with measured(meter, "snapshot", steps) as d:
        nav(page, "Snapshots & export")
        create = page.get_by_role("button", name="Create snapshot")
        create.wait_for(timeout=120_000)
        wait_for_idle(page)
        mark(d, "page shown")
        create.click()
        page.get_by_text(re.compile(r"Snapshot \d+ created")).wait_for(timeout=120_000)
        wait_for_idle(page)

    with measured(meter, "fine-tune", steps) as d:
        nav(page, "Fine-tune")
        review = page.get_by_role("button", name="Review checks and cost")
        review.wait_for(timeout=120_000)
        wait_for_idle(page)
        mark(d, "page shown")
        review.click()
        page.get_by_text("Estimated cost:").first.wait_for(timeout=120_000)
        wait_for_idle(page)
        mark(d, "checks shown")
        launch = page.get_by_role("button", name="Launch fine-tuning job")
        _click_until_enabled(page, OVERRIDE, launch)
        trained = Watch(_engine_job_succeeded(server.data_dir / "engine"))
        launch.click()
        page.get_by_text("Launched job ftjob-").wait_for(timeout=120_000)
        mark(d, "launched")
        page.get_by_role("link", name="Open Jobs & models").click()
        page.get_by_text("Smoothing of the curves").wait_for(timeout=120_000)
        mark(d, "jobs page shown")
        page.locator('[data-testid="stMetricValue"]', has_text="succeeded").wait_for(
            timeout=300_000
        )
        mark(d, "succeeded shown")
        trained.stop()
        if trained.at is not None:
            d["engine done"] = trained.at - d["_start"]
        page.locator(".js-plotly-plot g.scatterlayer g.trace").first.wait_for(timeout=60_000)
        wait_for_idle(page)

    with measured(meter, "evaluate 2x100", steps) as d:
        nav(page, "Run evaluation")
        start = page.get_by_role("button", name="Run evaluation")
        start.wait_for(timeout=120_000)
        wait_for_idle(page)
        text = page.locator('[data-testid="stMain"]').inner_text()
        assert "100 examples × 2 candidates" in text, text[:2000]
        mark(d, "page shown")
        answered = Watch(_evaluation_finished(server.data_dir))
        start.click()
        page.get_by_text("Finished:").wait_for(timeout=300_000)
        mark(d, "finished shown")
        answered.stop()
        if answered.at is not None:
            d["all answered"] = answered.at - d["_start"]
        wait_for_idle(page)

    with measured(meter, "results", steps) as d:
        page.get_by_role("link", name="Open results").click()
        page.get_by_text("accuracy").first.wait_for(timeout=120_000)
        mark(d, "metrics text")
        page.locator('[data-testid="stPlotlyChart"] .legendtext').first.wait_for(timeout=120_000)
        page.locator(".js-plotly-plot g.barlayer g.trace").nth(3).wait_for(timeout=60_000)
        mark(d, "charts drawn")
        wait_for_idle(page)
    return steps


# --- the reference: the same work through the services, in this process, no browser ----------


def reference_path(folder: Path) -> list[Step]:
    """Samples, snapshot, fine-tune (the app's launch service), evaluate 2×100, metrics."""
    import resource

    from lib.core.db import create_engine_for
    from lib.core.identity import local_actor
    from lib.core.migrations import migrate
    from lib.datasets.service import load_samples_once
    from lib.engine.local import start_engine
    from lib.evaluate import results as res
    from lib.evaluate.service import (
        ModelSpec,
        predictions,
        run_status,
        start_evaluation,
        testset_from_snapshot,
    )
    from lib.shell.guard import _first_start
    from lib.snapshots.service import SnapshotOptions, create_snapshot
    from tests.unit.evaluate.helpers import BASE

    actor = local_actor("Ana")
    steps: list[Step] = []

    def cpu() -> dict[str, float]:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        engine_cpu = _cpu_of([p for p in psutil.Process().children(recursive=True)])
        return {
            "this process": me.ru_utime + me.ru_stime,
            "engine": engine_cpu + kids.ru_utime + kids.ru_stime,
        }

    def step(name: str, work: Callable[[], object]) -> object:
        before, started = cpu(), time.perf_counter()
        out = work()
        wall, after = time.perf_counter() - started, cpu()
        steps.append(Step(name, wall, {k: after[k] - before[k] for k in after}, {}))
        return out

    with start_engine(data_dir=folder / "engine") as eng:
        store = create_engine_for(f"sqlite:///{folder / 'ref.db'}")
        migrate(store)

        def samples() -> int:
            loaded = load_samples_once(store)
            _first_start(store, loaded)
            return next(s.dataset_id for s in loaded if s.name == SAMPLE_REVIEWS)

        dataset_id = int(step("load samples", samples))  # type: ignore[arg-type]
        snap = step(
            "snapshot",
            lambda: create_snapshot(
                store,
                dataset_id,
                SnapshotOptions(train=0.8, valid=0.1, test=0.1),
                name="bench",
                actor=actor,
            ),  # fmt: skip
        )
        model = str(step("fine-tune", lambda: _train_via_sdk(eng.base_url, store, snap.id)))  # type: ignore[attr-defined]

        def evaluate() -> int:
            tests = testset_from_snapshot(store, snap.id, split="test", actor=actor)  # type: ignore[attr-defined]
            specs = [
                ModelSpec(model=BASE, base_url=eng.base_url),
                ModelSpec(model=model, base_url=eng.base_url),
            ]
            run_id = start_evaluation(
                store, tests, specs, task="auto", top_k=5, batch=False, concurrency=8,
                secrets=None, actor=actor,
            )  # fmt: skip
            while (status := run_status(store, run_id, actor=actor)).live:
                time.sleep(0.02)
            assert status.progress.done == 2 * len(tests.examples), status.progress
            return run_id

        run_id = int(step("evaluate 2x100", evaluate))  # type: ignore[arg-type]

        def metrics() -> None:
            data = predictions(store, run_id, actor=actor)
            res.reports(data)

        step("results", metrics)
        store.dispose()
    return steps


def _train_via_sdk(base_url: str, store, snapshot_id: int) -> str:  # noqa: ANN001
    """The snapshot's train split exported as the app does, trained on the engine by the SDK."""
    from lib.core.identity import local_actor
    from lib.evaluate.service import testset_from_snapshot
    from tests.unit.evaluate.helpers import train_classifier

    train = testset_from_snapshot(store, snapshot_id, split="train", actor=local_actor("Ana"))
    rows = [dict(e.data) for e in train.examples]
    return train_classifier(base_url, rows=rows)


# --- printing ------------------------------------------------------------------------------


def _cpu_text(cpu: dict[str, float]) -> str:
    return "  ".join(f"{k} {v:6.2f}" for k, v in cpu.items())


def print_run(label: str, steps: list[Step]) -> None:
    print(f"\n{label}")
    for s in steps:
        busiest = max(s.cpu.values()) if s.cpu else 0.0
        stall = "  <- wall >> CPU" if s.wall > 2 * sum(s.cpu.values()) and s.wall > 1 else ""
        print(f"  {s.name:15s} wall {s.wall:7.2f} s   CPU: {_cpu_text(s.cpu)}{stall}")
        if s.detail:
            marks = ", ".join(
                f"{k} at {v:.2f} s" for k, v in sorted(s.detail.items(), key=lambda kv: kv[1])
            )
            print(f"  {'':15s} ({marks})")
        del busiest
    total = sum(s.wall for s in steps)
    cpu_total: dict[str, float] = {}
    for s in steps:
        for k, v in s.cpu.items():
            cpu_total[k] = cpu_total.get(k, 0.0) + v
    print(f"  {'total':15s} wall {total:7.2f} s   CPU: {_cpu_text(cpu_total)}")


def print_summary(browser: list[list[Step]], reference: list[list[Step]]) -> None:
    print("\nmedians (browser path vs services in-process)")
    print(f"  {'step':15s} {'browser':>9s} {'reference':>10s} {'ratio':>7s}")
    for i, name in enumerate(STEPS):
        b = statistics.median(run[i].wall for run in browser)
        r = statistics.median(run[i].wall for run in reference) if reference else float("nan")
        print(f"  {name:15s} {b:8.2f}s {r:9.2f}s {b / r:6.1f}x")
    b_total = statistics.median(sum(s.wall for s in run) for run in browser)
    r_total = (
        statistics.median(sum(s.wall for s in run) for run in reference)
        if reference
        else float("nan")
    )
    print(f"  {'total':15s} {b_total:8.2f}s {r_total:9.2f}s {b_total / r_total:6.1f}x")


def _spy(pid: int, folder: Path, run: int) -> subprocess.Popen[bytes]:
    """py-spy sampling the app server's threads (collapsed stacks, idle ones included)."""
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        ["py-spy", "record", "--pid", str(pid), "--format", "raw", "--rate", "100",
         "--idle", "-o", str(folder / f"run-{run + 1}.txt")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side")
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument(
        "--spy",
        type=Path,
        help="also sample the app server with py-spy (pip install py-spy) into DIR/run-N.txt; "
        "summarise with --spy-report",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    browser_runs: list[list[Step]] = []
    reference_runs: list[list[Step]] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for i in range(args.repeat):
                with tempfile.TemporaryDirectory() as tmp:
                    started = time.perf_counter()
                    server = AppServer(Path(tmp))
                    boot = time.perf_counter() - started
                    spy = _spy(server.process.pid, args.spy, i) if args.spy else None
                    context = browser.new_context(viewport={"width": 1400, "height": 1000})
                    page = context.new_page()
                    page.set_default_timeout(60_000)
                    try:
                        steps = demo_path(page, server)
                    finally:
                        context.close()
                        if spy is not None:
                            spy.send_signal(signal.SIGINT)
                            spy.wait(timeout=60)
                        server.stop()
                    print_run(f"browser run {i + 1} (server started in {boot:.2f} s)", steps)
                    browser_runs.append(steps)
                if not args.no_reference:
                    with tempfile.TemporaryDirectory() as tmp:
                        ref = reference_path(Path(tmp))
                    print_run(f"reference run {i + 1} (services in this process)", ref)
                    reference_runs.append(ref)
        finally:
            browser.close()
    print_summary(browser_runs, reference_runs)


if __name__ == "__main__":
    main()
