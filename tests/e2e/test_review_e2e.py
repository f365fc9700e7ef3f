"""The review page in Chromium against a real ``streamlit run``: a data-editor edit survives a
reload, and a prompt holding HTML stays text (nothing runs)."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lib.core.db import create_engine_for
from lib.core.example_store import list_examples
from lib.core.examples import Example
from lib.core.migrations import migrate
from lib.datasets.repo import find_dataset, import_examples, set_guidelines
from tests.e2e.conftest import assert_no_exception, wait_for_idle

DATASET = "E2E review"
HTML_PROMPT = '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=1</script>'
ROW_HEIGHT = 35  # the data editor's header and row height in pixels


@pytest.fixture(scope="module")
def store(app_server):
    """The server's own store (its private data folder), with one dataset of ours in it."""
    engine = create_engine_for(f"sqlite:///{app_server.data_dir / 'tunelab.db'}")
    migrate(engine)
    rows = [Example(data={"prompt": HTML_PROMPT, "completion": " a"}, source_row=1)] + [
        Example(data={"prompt": f"Prompt {i}", "completion": " a"}, source_row=i + 1)
        for i in range(1, 5)
    ]
    summary = import_examples(engine, name=DATASET, schema="completion", rows=rows)
    set_guidelines(
        engine, summary.dataset_id, f"Rules: {HTML_PROMPT} [x](javascript:window.__pwned=1)"
    )
    yield engine
    engine.dispose()


def _open_review(page, app_url: str) -> None:
    page.goto(f"{app_url}/review?reviewer=Ana")
    wait_for_idle(page)
    picker = page.locator('[data-testid="stSelectbox"]').first
    picker.wait_for()
    option = page.get_by_role("option", name=DATASET).first
    # The dropdown can close again when a rerun lands just after the click: try a few times.
    for _ in range(4):
        if page.get_by_text("5 matching examples").count():
            break
        picker.click()
        try:
            option.click(timeout=10_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
        wait_for_idle(page)
    page.wait_for_selector('[data-testid="stDataFrame"]')
    page.get_by_text("5 matching examples").wait_for()
    wait_for_idle(page)


def _mode(page, name: str) -> None:
    page.locator('[data-testid="stButtonGroup"] button', has_text=name).click()


def _rows(store):
    with store.connect() as conn:
        info = find_dataset(conn, DATASET)
        return list_examples(conn, info.id, limit=10)


def test_a_cell_edit_is_saved_and_survives_a_reload(page, app_url, store):
    _open_review(page, app_url)
    box = page.locator('[data-testid="stDataFrame"] canvas').first.bounding_box()
    # Select the first row's "id" cell, then move to "completion" and open its editor.
    page.mouse.click(box["x"] + 20, box["y"] + ROW_HEIGHT * 1.5)
    # The grid takes focus a moment after the click, and a key pressed before that is lost
    # (Enter on a read-only cell moves down a row instead): pause between keys.
    page.wait_for_timeout(400)
    for _ in range(5):  # id → #, status, label, prompt, completion
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(120)
    page.keyboard.press("Enter")
    editor = page.locator("textarea.gdg-input")
    editor.wait_for()
    assert editor.evaluate("el => el === document.activeElement")
    assert editor.input_value() == " a"
    editor.fill(" edited in the browser")
    page.keyboard.press("Enter")
    wait_for_idle(page)
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('[id^=glide-cell-5-]'))"
        ".some(c => c.textContent.includes('edited in the browser'))"
    )
    first = _rows(store)[0]
    assert (first.completion, first.version, first.updated_by) == (
        " edited in the browser",
        2,
        "Ana",
    )
    page.reload()
    _open_review(page, app_url)
    cells = page.evaluate(
        "() => Array.from(document.querySelectorAll('[id^=glide-cell-5-]')).map(c => c.textContent)"
    )
    assert " edited in the browser" in cells
    assert_no_exception(page)


def test_html_in_a_prompt_is_shown_as_text_and_runs_nothing(page, app_url, store):
    _open_review(page, app_url)
    _mode(page, "Focus")
    wait_for_idle(page)
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.wait_for()
    assert prompt.input_value() == HTML_PROMPT  # the characters, in a text box
    # The guidelines beside it are markdown, rendered without HTML or script links.
    guidelines = page.get_by_text("Rules:", exact=False).first
    guidelines.wait_for()
    assert "<script>window.__pwned=1</script>" in guidelines.inner_text()
    assert page.locator('a[href^="javascript"]').count() == 0
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator('img[src="x"]').count() == 0
    assert_no_exception(page)


def test_a_search_narrows_the_table_and_its_count(page, app_url, store):
    _open_review(page, app_url)
    search = page.locator('input[aria-label="Search"]')
    search.fill("PROMPT 3")  # the case of the text does not matter
    search.press("Enter")
    wait_for_idle(page)
    page.get_by_text("1 matching examples").wait_for()
    page.get_by_text("Page (of 1)").wait_for()
    cells = "Array.from(document.querySelectorAll('[id^=glide-cell-4-]')).map(c => c.textContent)"
    page.wait_for_function(f"() => {cells}.length === 1")
    assert page.evaluate(f"() => {cells}") == ["Prompt 3"]
    search.fill("teapot")
    search.press("Enter")
    wait_for_idle(page)
    page.get_by_text("0 matching examples").wait_for()
    page.get_by_text("No example matches the filters.").wait_for()
    assert_no_exception(page)
