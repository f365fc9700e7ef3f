"""In Chromium, the demo path of "prompting or fine-tuning?": zero-shot base, 8-shot base and the
fine-tuned model on a snapshot of the sample reviews, then the measured comparison and the
break-even chart drawn from the run's own numbers."""

from __future__ import annotations

import re

from tests.e2e.helpers import assert_no_exception, wait_for_idle
from tests.e2e.test_evaluate_e2e import prepare


def test_prompted_base_against_fine_tuned_with_measured_cost(app_server, page) -> None:  # noqa: ANN001
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
    base = model.split(":")[1]  # the fine-tuned model's base is chosen with it by default
    assert base in models.inner_text(), models.inner_text()

    page.get_by_text("Prompt recipes for base models").click()
    wait_for_idle(page)
    recipes = page.locator('[data-testid="stMultiSelect"]').nth(1)
    recipes.wait_for()
    for choice in ("0-shot (instructions only)", "8-shot"):
        recipes.click()
        page.get_by_role("option", name=choice).click()
        wait_for_idle(page)
        page.keyboard.press("Escape")
    recipes.get_by_role("button", name="Remove bare prompt").first.click()
    wait_for_idle(page)
    page.get_by_text(re.compile(r"× 3 candidates")).wait_for()
    page.get_by_role("button", name="Run evaluation").click()
    page.get_by_text("Finished:").wait_for(timeout=240_000)
    assert_no_exception(page)

    page.goto(f"{app_url}/results?reviewer=Ana")
    wait_for_idle(page)
    page.get_by_role("tab", name="Prompting vs fine-tuning").click()
    wait_for_idle(page)
    assert_no_exception(page)
    verdict = page.get_by_text(re.compile(r"\+8-shot: \d+%, \$[\d.]+ per 1,000; ft:"))
    verdict.wait_for()
    assert re.search(r"plus \$[\d.]+ once; fine-tuning (pays for itself after [\d,]+|does not)",
                     verdict.inner_text()), verdict.inner_text()  # fmt: skip
    chart = page.locator('[data-testid="stPlotlyChart"]').filter(has_text="Cumulative cost")
    chart.wait_for()
    assert chart.locator("g.scatterlayer g.trace").count() == 3  # one line per candidate
    page.get_by_text(re.compile(r"Prompt recipe of .*\+8-shot")).click()
    wait_for_idle(page)
    example = page.locator('[data-testid="stCode"]').filter(has_text="assistant:").first
    example.wait_for()
    assert "Answer with one of these labels: 1, 2, 3, 4, 5" in example.inner_text()
