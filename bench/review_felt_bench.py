"""Felt time in the review workspace, in Chromium against a real ``streamlit run``.

Three figures:
- per verdict: from pressing Approve in the focus view to the next example's id on screen
  (median of the first 20 of a pass, and of the whole pass);
- per page change: Review → Datasets (heading shown) and Datasets → Review (focus view back
  on the same example), median of 5 round trips;
- whether a pass of 50 examples under the "unreviewed" filter (some approved beforehand)
  shows each of the first 50 unreviewed examples exactly once, in order.

Run from a checkout: ``python bench/review_felt_bench.py``; run it from two checkouts (say the
main branch and this one) to compare; it prints one block per run, with the ratio when given a
``--before`` figures file written by the other run (``--write FILE``).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.core.db import create_engine_for  # noqa: E402
from lib.core.example_store import Change, list_examples, update_example  # noqa: E402
from lib.core.examples import Example  # noqa: E402
from lib.core.migrations import migrate  # noqa: E402
from lib.datasets.repo import import_examples  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, AppServer  # noqa: E402
from tests.e2e.helpers import wait_for_idle  # noqa: E402

NAME = "Felt time bench"
N_EXAMPLES = 90
PASS = 50
SHOWN_JS = """(old) => {
  const text = Array.from(document.querySelectorAll('[data-testid="stCaptionContainer"]'))
    .map((e) => e.innerText).join(' ');
  const m = text.match(/\\bid (\\d+) · version/);
  return m !== null && m[1] !== old;
}"""


def _shown(page) -> int:  # noqa: ANN001
    text = " ".join(page.locator('[data-testid="stCaptionContainer"]').all_inner_texts())
    match = re.search(r"\bid (\d+) · version", text)
    if match is None:
        raise RuntimeError("no example id on screen")
    return int(match.group(1))


def _seed(data_dir: Path) -> list[int]:
    """The dataset; every 4th example approved beforehand. Returns the unreviewed ids."""
    store = create_engine_for(f"sqlite:///{data_dir / 'tunelab.db'}")
    try:
        migrate(store)
        rows = [
            Example(data={"prompt": f"Bench prompt {i}", "completion": " a"}, source_row=i + 1)
            for i in range(N_EXAMPLES)
        ]
        ds = import_examples(store, name=NAME, schema="completion", rows=rows).dataset_id
        with store.connect() as conn:
            examples = list_examples(conn, ds, limit=500)
        for example in examples[3::4]:
            update_example(store, Change(example.id, 1, status="approved"), author="bench")
        return [e.id for i, e in enumerate(examples) if i % 4 != 3]
    finally:
        store.dispose()


def _open(page, url: str) -> None:  # noqa: ANN001
    page.goto(f"{url}/review?reviewer=Bench")
    wait_for_idle(page)
    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text="Dataset").first
    for _ in range(5):
        values = [picker.inner_text()] + [i.input_value() for i in picker.locator("input").all()]
        if any(NAME in v for v in values):
            break
        picker.click()
        page.get_by_role("option", name=NAME).first.click()
        wait_for_idle(page)
    page.locator('[data-testid="stButtonGroup"] button', has_text="Focus").first.click()
    wait_for_idle(page)
    status = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Status").first
    status.locator("input").click()
    page.get_by_role("option", name=re.compile(r"^unreviewed")).first.click()
    page.keyboard.press("Escape")
    wait_for_idle(page)


def run() -> dict:
    from playwright.sync_api import sync_playwright

    figures: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        server = AppServer(data_dir)
        try:
            unreviewed = _seed(data_dir)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
                )
                page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                page.set_default_timeout(60_000)
                _open(page, server.url)
                approve = page.get_by_role("button", name=re.compile(r"^Approve(\s|$)")).first
                shown, times = [], []
                for _ in range(PASS):
                    current = _shown(page)
                    shown.append(current)
                    start = time.perf_counter()
                    approve.click()
                    try:
                        page.wait_for_function(SHOWN_JS, arg=str(current), timeout=15_000)
                    except Exception:  # noqa: BLE001 - a stuck view is a finding, not a crash
                        figures["stuck_after"] = len(shown)
                        break
                    times.append(time.perf_counter() - start)
                    wait_for_idle(page)
                figures["verdict_ms_median_20"] = round(statistics.median(times[:20]) * 1000)
                figures["verdict_ms_median_all"] = round(statistics.median(times) * 1000)
                figures["pass_exactly_once"] = shown == unreviewed[:PASS]
                figures["pass_distinct"] = len(set(shown))
                figures["pass_expected_seen"] = len(set(shown) & set(unreviewed[:PASS]))
                nav = page.locator('[data-testid="stSidebarNav"]')
                changes, kept = [], []
                for _ in range(5):
                    try:
                        back_to: int | None = _shown(page)
                    except RuntimeError:
                        back_to = None
                    start = time.perf_counter()
                    nav.get_by_role("link", name="Datasets").click()
                    page.get_by_role("heading", name="Datasets").first.wait_for()
                    changes.append(time.perf_counter() - start)
                    wait_for_idle(page)
                    start = time.perf_counter()
                    nav.get_by_role("link", name="Review").click()
                    page.get_by_role("heading", name="Review").first.wait_for()
                    page.locator('[data-testid="stButtonGroup"]').first.wait_for()
                    changes.append(time.perf_counter() - start)
                    wait_for_idle(page)
                    try:
                        kept.append((back_to, _shown(page)))
                    except RuntimeError:
                        kept.append((back_to, None))
                figures["page_change_keeps_place"] = all(a is not None and a == b for a, b in kept)
                figures["page_change_places"] = kept
                figures["page_change_ms_median"] = round(statistics.median(changes) * 1000)
                browser.close()
        finally:
            server.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", type=Path, help="write the figures as JSON here")
    parser.add_argument("--before", type=Path, help="figures of the other checkout (JSON)")
    args = parser.parse_args()
    figures = run()
    if args.write:
        args.write.write_text(json.dumps(figures, indent=2))
    before = json.loads(args.before.read_text()) if args.before else {}
    for key, value in figures.items():
        line = f"{key:28} {value}"
        if key in before:
            line += f"   (before: {before[key]}"
            if isinstance(value, int) and not isinstance(value, bool) and before[key]:
                line += f", ratio after/before {value / before[key]:.2f}"
            line += ")"
        print(line)


if __name__ == "__main__":
    main()
