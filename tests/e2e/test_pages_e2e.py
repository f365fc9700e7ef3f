"""Every page opened by deep link on a fresh server renders without an exception; a CSV
uploaded through the browser appears in the datasets list."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import AppServer
from tests.e2e.helpers import assert_no_exception, wait_for_idle

PAGES = [
    "",
    "review",
    "checks",
    "snapshots",
    "synthetic",
    "train",
    "jobs",
    "migrate",
    "providers",
    "evaluate",
    "results",
]


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory):
    server = AppServer(tmp_path_factory.mktemp("deeplinks"))
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize("path", PAGES)
def test_deep_link_renders_without_exception(fresh_server, page, path):
    page.goto(f"{fresh_server.url}/{path}")
    wait_for_idle(page)
    assert_no_exception(page)
    # The navigation groups pages as Data / Train / Evaluate.
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    for section in ("Data", "Train", "Evaluate"):
        assert section in nav
    assert "Traceback" not in page.locator('[data-testid="stMain"]').inner_text()


def test_uploaded_csv_appears_in_the_list(app_url, page, tmp_path):
    csv = tmp_path / "browser_upload.csv"
    csv.write_text("prompt,completion\nGood phone ->, positive\nBad phone ->, negative\n")
    page.goto(f"{app_url}/?reviewer=Ana")
    wait_for_idle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(csv))
    import_button = page.get_by_role("button", name="Import", exact=True)
    import_button.wait_for()
    wait_for_idle(page)
    # Detected before importing: the format, the rows and the schema.
    metrics = page.locator('[data-testid="stMetric"]')
    detected = " | ".join(metrics.all_inner_texts())
    assert "CSV" in detected and "2" in detected and "prompt/completion" in detected, detected
    import_button.click()
    page.get_by_text("Imported 2 examples").wait_for()
    assert_no_exception(page)
    page.reload()
    wait_for_idle(page)
    # The list is a canvas grid: read the newest dataset through its details instead.
    page.get_by_text("2 examples · prompt/completion").wait_for()
    rename = page.get_by_label("Rename")
    assert rename.input_value() == "browser_upload"
