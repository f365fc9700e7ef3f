"""User text is text, everywhere: an injection sweep in Chromium.

Datasets whose file, name, columns, labels, prompts and comments carry a markdown link, an
HTML link, an HTML image with a script handler and markdown emphasis; a reviewer name and
guidelines written the same way. Every page and every tab that shows them (charts included) is
opened; no element may link to evil.example, no image may come from user text, no script may
run, and the text must be visible as typed.
"""

from __future__ import annotations

import csv
import io
import os

import pytest

from tests.e2e.conftest import AppServer
from tests.e2e.helpers import assert_no_exception, wait_for_idle

pytestmark = pytest.mark.timeout(900)

MD_LINK = "[x](https://evil.example/)"
HTML_LINK = '<a href="https://evil.example/">x</a>'
IMG = '<img src=x onerror="window.__pwned=1">'
BOLD = "**bold**"
EVIL = (MD_LINK, HTML_LINK, IMG, BOLD)
REVIEWER = "[Verify your account](https://evil.example/)"
FILE_NAME = '<img src=x onerror="window.__pwned=1">.csv'

SHOTS = os.environ.get("TUNELAB_SWEEP_SHOTS")  # a folder for screenshots of each page

PAGES = (
    "",
    "review",
    "checks",
    "snapshots",
    "synthetic",
    "train",
    "jobs",
    "providers",
    "evaluate",
    "results",
    "queue",
    "team",
    "activity",
)


def _csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["prompt", "completion", MD_LINK, HTML_LINK])
    for i in range(40):
        label = EVIL[i % 4]
        writer.writerow([f"Q{i} {EVIL[(i + 1) % 4]} ->", f" {label}", IMG, BOLD])
    return out.getvalue().encode()


_FIND = """() => {
  const out = [];
  const where = (e) => {
    const box = e.closest('[data-testid^="st"]');
    return (box ? box.getAttribute('data-testid') : '?') + ': ' + e.outerHTML.slice(0, 160);
  };
  for (const e of document.querySelectorAll('*')) {
    for (const name of ['href', 'xlink:href', 'src', 'action', 'formaction']) {
      const v = e.getAttribute(name);
      if (v && v.includes('evil.example')) out.push('link ' + where(e));
    }
    if (e.tagName === 'IMG' && e.getAttribute('src') === 'x') out.push('image ' + where(e));
    if (e.hasAttribute('onerror')) out.push('handler ' + where(e));
    if ((e.tagName === 'STRONG' || e.tagName === 'B') && e.textContent.trim() === 'bold')
      out.push('bold ' + where(e));
  }
  if (window.__pwned !== undefined) out.push('script ran');
  return out;
}"""


def _assert_safe(page, where: str, problems: list[str] | None = None) -> None:  # noqa: ANN001
    assert_no_exception(page)
    found = [f"{where}: {p}" for p in page.evaluate(_FIND)]
    if problems is None:
        assert not found, "\n".join(found)
    problems.extend(found)


def _settle(page) -> None:  # noqa: ANN001
    """Wait until the page has drawn its title and finished running, spinners included."""
    page.locator("h1").first.wait_for()
    for _ in range(2):
        wait_for_idle(page)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=stSpinner], [data-testid=stSkeleton]')",
            timeout=120_000,
        )
        page.wait_for_timeout(500)
    wait_for_idle(page)


def _open_everything(page) -> None:  # noqa: ANN001
    """Open each tab and expander of the page, so that what they show is checked too."""
    for i in range(page.locator('[data-testid="stExpander"] summary').count()):
        summary = page.locator('[data-testid="stExpander"] summary').nth(i)
        if summary.is_visible() and summary.get_attribute("aria-expanded") != "true":
            summary.click()
            wait_for_idle(page)


def _each_mode(page, where: str, problems: list[str]) -> None:  # noqa: ANN001
    """Click through segmented controls (e.g. the Review screen's modes) and check each."""
    groups = page.locator('[data-testid="stButtonGroup"]')
    for g in range(groups.count()):
        count = groups.nth(g).locator("button").count()
        for b in range(count):
            button = page.locator('[data-testid="stButtonGroup"]').nth(g).locator("button").nth(b)
            if not button.is_visible() or not button.is_enabled():
                continue
            name = button.inner_text()
            button.click()
            wait_for_idle(page)
            _open_everything(page)
            _assert_safe(page, f"{where} / {name}", problems)
            if SHOTS:
                page.screenshot(path=f"{SHOTS}/{where}-{g}-{b}.png", full_page=True)


def _seed_store(server: AppServer) -> None:
    """Comments, a reviewer's revision, guidelines, a double review and a snapshot."""
    from lib.core.db import create_engine_for
    from lib.core.example_store import Change, list_examples, update_example
    from lib.datasets.repo import list_datasets, set_guidelines
    from lib.review.agreement import start_double_review
    from lib.snapshots.repo import create_snapshot

    store = create_engine_for(f"sqlite:///{server.data_dir / 'tunelab.db'}")
    try:
        with store.connect() as conn:
            (info,) = list_datasets(conn)
            rows = list_examples(conn, info.id, limit=8)
        for row, text in zip(rows, EVIL * 2, strict=False):
            update_example(
                store,
                Change(
                    example_id=row.id, expected_version=row.version, comment=text, status="flagged"
                ),
                author=REVIEWER,
                reason=text,
            )
        set_guidelines(store, info.id, "\n\n".join(EVIL))
        start_double_review(store, info.id, n=5, seed=1, reviewers=(REVIEWER, IMG), author=REVIEWER)
        # Half the examples held out: enough for Results to treat the labels as classes.
        create_snapshot(
            store, info.id, author=REVIEWER, name=HTML_LINK, train=0.4, valid=0.1, test=0.5
        )
    finally:
        store.dispose()


def test_user_text_is_text_on_every_page(tmp_path, page) -> None:  # noqa: ANN001
    server = AppServer(tmp_path, samples=False)
    try:
        page.goto(f"{server.url}/?reviewer={REVIEWER}")
        wait_for_idle(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            {"name": FILE_NAME, "mimeType": "text/csv", "buffer": _csv()}
        )
        wait_for_idle(page)
        problems_before: list[str] = []
        _assert_safe(page, "import preview", problems_before)
        page.get_by_role("button", name="Import", exact=True).click()
        wait_for_idle(page)
        page.get_by_text("Imported 40 examples").wait_for()
        _assert_safe(page, "import message", problems_before)
        _seed_store(server)
        # An evaluation of the evil labels, so that Results draws them in every chart.
        page.goto(f"{server.url}/evaluate?reviewer=Ana")
        wait_for_idle(page)
        page.get_by_role("button", name="Run evaluation").click()
        page.get_by_text("Finished:").wait_for(timeout=240_000)
        _assert_safe(page, "evaluate (finished)", problems_before)
        problems: list[str] = problems_before
        for path in PAGES:
            page.goto(f"{server.url}/{path}")
            _settle(page)
            if path == "results":
                page.get_by_role("tab", name="Confusion matrices").wait_for(timeout=120_000)
                wait_for_idle(page)
            _assert_safe(page, path or "datasets", problems)
            _open_everything(page)
            _assert_safe(page, f"{path or 'datasets'} (expanded)", problems)
            _each_mode(page, path or "datasets", problems)
            tabs = page.get_by_role("tab")
            for i in range(tabs.count()):
                tab = tabs.nth(i)
                name = tab.inner_text()
                if tab.is_visible():
                    tab.click()
                    wait_for_idle(page)
                    _open_everything(page)
                    _assert_safe(page, f"{path or 'datasets'} / {name}", problems)
            if SHOTS:
                page.screenshot(path=f"{SHOTS}/{path or 'datasets'}.png", full_page=True)
        assert not problems, "\n".join(dict.fromkeys(problems))
        # The confusion matrix names the classes as typed.
        page.goto(f"{server.url}/results")
        _settle(page)
        page.get_by_role("tab", name="Confusion matrices").click()
        wait_for_idle(page)
        heatmap = page.locator('[data-testid="stPlotlyChart"]').filter(has=page.locator("g.hm"))
        heatmap.first.locator("g.ytick text").first.wait_for()
        gold = heatmap.first.locator("g.ytick text").all_text_contents()
        assert set(EVIL) <= {t.strip() for t in gold}, gold
        # Shown as typed: the column names in the import facts, the labels on the chart.
        page.goto(server.url)
        _settle(page)
        page.locator('[data-testid="stPlotlyChart"] g.xtick text').first.wait_for()
        body = page.locator("body").inner_text().replace("\u2060", "")
        for text in (MD_LINK, HTML_LINK):
            assert text in body, f"{text} is not shown literally on the Datasets page"
        ticks = page.locator('[data-testid="stPlotlyChart"] g.xtick text').all_text_contents()
        assert sorted(ticks) == sorted(EVIL)
    finally:
        server.stop()
