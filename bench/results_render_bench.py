"""The Results screen's first render on a 10,000-example evaluation run, and where it goes.

Builds a store the way a user's would be built: the built-in engine fine-tunes a classifier on
the sample reviews, and the evaluate service runs base vs fine-tuned on 10,000 test examples
(20,000 real requests over loopback). Then:

- Chromium opens Results on a fresh ``streamlit run`` (cold caches) and the time until the
  metrics text, the charts and an idle app is printed; then a second visit in a new session
  (Streamlit's data caches warm), with the CPU time of the server and of Chromium for each;
- the same script run on the server side alone (``AppTest`` in this process) under cProfile,
  cold then warm, printing the functions of ``lib/`` where the time goes and the time of each
  service call the screen makes.

    python bench/results_render_bench.py [--n 10000] [--store DIR] [--top 25]

``--store DIR`` keeps the built store (and its engine's models) in DIR and reuses it next time.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TIKTOKEN_CACHE_DIR", "/work/shared/tiktoken")

import psutil  # noqa: E402

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, AppServer  # noqa: E402
from tests.e2e.helpers import wait_for_idle  # noqa: E402

RECORD = "bench-run.json"


def build_store(folder: Path, n: int, engine_url: str) -> int:
    """A store holding one finished evaluation run of ``n`` examples × 2 models; its id."""
    from lib.core.db import create_engine_for
    from lib.core.identity import local_actor
    from lib.core.migrations import migrate
    from lib.evaluate.service import ModelSpec, run_status, start_evaluation, testset_from_file
    from tests.unit.evaluate.helpers import BASE, review_rows, train_classifier

    record = folder / RECORD
    if record.exists():
        return int(json.loads(record.read_text())["run_id"])
    started = time.perf_counter()
    tuned = train_classifier(engine_url)
    rows = review_rows()
    lines = []
    for i in range(n):
        row = rows[i % len(rows)]
        prompt = row["prompt"].removesuffix("\n\n###\n\n")
        lines.append(
            json.dumps({"prompt": f"{prompt} ({i})\n\n###\n\n", "completion": row["completion"]})
        )
    tests = testset_from_file("\n".join(lines).encode(), file_name="test-10k.jsonl")
    store = create_engine_for(f"sqlite:///{folder / 'tunelab.db'}")
    migrate(store)
    actor = local_actor("Ana")
    run_id = start_evaluation(
        store, tests, [ModelSpec(model=BASE), ModelSpec(model=tuned)], task="auto", top_k=5,
        batch=False, concurrency=32, secrets=None, actor=actor,
    )  # fmt: skip
    while (status := run_status(store, run_id, actor=actor)).live:
        time.sleep(0.5)
    progress = status.progress
    assert progress.done == 2 * n and not progress.failed, progress
    store.dispose()
    record.write_text(json.dumps({"run_id": run_id, "model": tuned, "n": n}))
    print(f"built the store: {n:,} examples × 2 models in {time.perf_counter() - started:.1f} s")
    return run_id


def _cpu(pid: int) -> float:
    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def _chromium_cpu() -> float:
    total = 0.0
    for p in psutil.Process().children(recursive=True):
        try:
            if "chrom" in p.name().lower():
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def open_results(browser, url: str, server_pid: int) -> dict[str, float]:  # noqa: ANN001
    """One visit in a new session: seconds to the metrics text, the charts, an idle app."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(300_000)
    received = [0]  # bytes the server sent over the app's websocket (deltas, figures, tables)

    def on_socket(ws) -> None:  # noqa: ANN001 - playwright WebSocket
        ws.on("framereceived", lambda payload: received.__setitem__(0, received[0] + len(payload)))

    page.on("websocket", on_socket)
    try:
        cpu_server, cpu_chromium = _cpu(server_pid), _chromium_cpu()
        started = time.perf_counter()
        page.goto(f"{url}/results?reviewer=Ana")
        page.get_by_text("accuracy").first.wait_for()
        text = time.perf_counter() - started
        page.locator('[data-testid="stPlotlyChart"] .legendtext').first.wait_for()
        page.locator(".js-plotly-plot g.barlayer g.trace").nth(3).wait_for()
        charts = time.perf_counter() - started
        wait_for_idle(page, timeout_ms=300_000)
        idle = time.perf_counter() - started
        assert page.locator('[data-testid="stException"]').count() == 0
        return {
            "metrics text": text,
            "charts drawn": charts,
            "idle": idle,
            "server CPU": _cpu(server_pid) - cpu_server,
            "chromium CPU": _chromium_cpu() - cpu_chromium,
            "MB sent": received[0] / 1e6,
        }
    finally:
        context.close()


def browser_side(folder: Path, engine_url: str, repeat: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for i in range(repeat):
                server = AppServer(folder, samples=False, env={"TUNELAB_ENGINE_URL": engine_url})
                try:
                    for visit in ("first (cold caches)", "second (new session)"):
                        got = open_results(browser, server.url, server.process.pid)
                        figures = "  ".join(
                            f"{k} {v:5.2f}" + ("" if k == "MB sent" else " s")
                            for k, v in got.items()
                        )
                        print(f"browser run {i + 1}, {visit:21s}: {figures}")
                finally:
                    server.stop()
        finally:
            browser.close()


def server_side(folder: Path, engine_url: str, top: int) -> None:
    """The Results script in this process (AppTest), profiled; cold then warm caches."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from lib.core.db import dispose_all
    from lib.core.paths import REPO_ROOT

    os.environ["TUNELAB_DATA_DIR"] = str(folder)
    os.environ["TUNELAB_NO_SAMPLES"] = "1"
    os.environ["TUNELAB_ENGINE_URL"] = engine_url
    st.cache_data.clear()
    st.cache_resource.clear()
    dispose_all()
    results_page = REPO_ROOT / "pages" / "results.py"
    for label in ("cold", "warm"):
        dump = folder / f"results-{label}.prof"
        # cProfile sees one thread: profile inside the script thread AppTest runs the page in.
        script = (
            "import cProfile, runpy\n"
            "profile = cProfile.Profile()\n"
            "profile.enable()\n"
            "try:\n"
            f"    runpy.run_path({str(results_page)!r}, run_name='__main__')\n"
            "finally:\n"
            "    profile.disable()\n"
            f"    profile.dump_stats({str(dump)!r})\n"
        )
        at = AppTest.from_string(script, default_timeout=300)
        at.session_state["reviewer_name"] = "Ana"
        cpu0 = time.process_time()
        started = time.perf_counter()
        at.run()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
        assert not at.exception, at.exception
        print(f"\nserver side, {label} caches: script run {wall:.2f} s wall, {cpu:.2f} s CPU")
        out = io.StringIO()
        stats = pstats.Stats(str(dump), stream=out)
        stats.sort_stats("cumulative").print_stats(str(REPO_ROOT / "lib"), top)
        lines = [ln for ln in out.getvalue().splitlines() if "lib/" in ln or "cumtime" in ln]
        print("\n".join(ln.replace(str(REPO_ROOT) + "/", "") for ln in lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--store", type=Path, help="keep and reuse the built store here")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    from lib.engine.local import start_engine

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.store or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        with start_engine(data_dir=folder / "engine") as engine:
            os.environ["TUNELAB_ENGINE_URL"] = engine.base_url  # the default provider
            build_store(folder, args.n, engine.base_url)
            os.environ.pop("TUNELAB_ENGINE_URL")
            if not args.no_browser:
                browser_side(folder, engine.base_url, args.repeat)
            server_side(folder, engine.base_url, args.top)


if __name__ == "__main__":
    main()
