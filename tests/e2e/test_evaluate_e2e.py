"""In Chromium: run an evaluation of base vs fine-tuned on a snapshot of the sample reviews,
then see the confusion matrix and a token-probability chart on the Results screen."""

from __future__ import annotations

import re

from lib.engine.local import ensure_engine
from tests.e2e.helpers import assert_no_exception, snapshot_sample_reviews, wait_for_idle
from tests.unit.evaluate.helpers import BASE, train_classifier


def prepare(app_server) -> str:  # noqa: ANN001 - AppServer
    """A snapshot of the sample reviews (loaded by the first page view) and a fine-tuned model."""
    snapshot_sample_reviews(app_server.data_dir, name="e2e reviews", train=0.7, valid=0.1, test=0.2)
    return train_classifier(ensure_engine(data_dir=app_server.data_dir / "engine"))


def test_run_an_evaluation_and_see_the_charts(app_server, page) -> None:  # noqa: ANN001
    app_url = app_server.url
    page.goto(app_url)
    wait_for_idle(page)
    model = prepare(app_server)
    page.goto(f"{app_url}/evaluate?reviewer=Ana")
    wait_for_idle(page)
    assert_no_exception(page)
    models = page.locator('[data-testid="stMultiSelect"]').first
    models.wait_for()
    assert model in models.inner_text(), models.inner_text()
    page.get_by_role("button", name="Run evaluation").click()
    page.get_by_text("Finished:").wait_for(timeout=180_000)
    assert_no_exception(page)

    page.goto(f"{app_url}/results?reviewer=Ana")
    wait_for_idle(page)
    assert_no_exception(page)
    page.get_by_text("accuracy").first.wait_for()
    # Metrics as charts: headline and per-class bars, a legend entry per candidate.
    legend = page.locator('[data-testid="stPlotlyChart"] .legendtext')
    legend.first.wait_for(timeout=60_000)
    names = [(t or "").strip() for t in legend.all_text_contents()]
    assert names.count(model) >= 2 and names.count(BASE) >= 2, names
    assert page.locator(".js-plotly-plot g.barlayer g.trace").count() >= 2 * 4
    assert page.locator(".js-plotly-plot path.yerror").count() > 0  # intervals drawn
    assert page.get_by_text("None", exact=True).count() == 0  # support is a number
    page.get_by_role("tab", name="Ordinal").click()
    wait_for_idle(page)
    page.get_by_text("off by at most one").first.wait_for()
    page.get_by_role("tab", name="Confusion matrices").click()
    wait_for_idle(page)
    charts = page.locator('[data-testid="stPlotlyChart"]:visible')
    charts.first.wait_for()
    assert page.locator(".js-plotly-plot .heatmaplayer, .js-plotly-plot g.hm").count() >= 1
    # Click the fine-tuned model's cell (gold 5, predicted 5): its examples are listed.
    tuned_chart = charts.nth(1)
    tuned_chart.scroll_into_view_if_needed()
    area = tuned_chart.locator(".nsewdrag").first.bounding_box()
    page.mouse.click(area["x"] + area["width"] * 0.9, area["y"] + area["height"] * 0.9)
    wait_for_idle(page)
    page.get_by_text("gold '5', predicted '5'").wait_for(timeout=30_000)
    page.get_by_role("tab", name="Token probabilities").click()
    wait_for_idle(page)
    bars = page.locator(".js-plotly-plot g.barlayer g.trace:visible")
    bars.first.wait_for(timeout=60_000)
    assert bars.count() >= 2  # base and fine-tuned side by side
    assert page.get_by_text("First-token probabilities").count() >= 1
    # The list of examples to pick from is there beside the bars.
    page.get_by_text(re.compile(r"^[\d,]+ of [\d,]+ examples$")).wait_for()
