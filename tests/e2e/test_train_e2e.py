"""In Chromium: on the sample reviews with the built-in engine, launch a fine-tuning job,
watch it succeed on Jobs & models, and see its loss chart."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import assert_no_exception, snapshot_sample_reviews, wait_for_idle

OVERRIDE = "I have read the warnings and want to launch anyway"


def test_launch_watch_success_and_see_the_loss_chart(app_server, page) -> None:  # noqa: ANN001
    app_url = app_server.url
    page.goto(app_url)
    wait_for_idle(page)
    snapshot_sample_reviews(app_server.data_dir, name="e2e train reviews")

    page.goto(f"{app_url}/train?reviewer=Ana")
    wait_for_idle(page)
    assert_no_exception(page)
    review = page.get_by_role("button", name="Review checks and cost")
    review.wait_for(timeout=120_000)  # the app starts its engine to list the models
    assert "train 800 / valid 100" in page.locator('[data-testid="stMain"]').inner_html()
    assert "tunelab-base · fine-tunable" in page.locator('[data-testid="stMain"]').inner_html()
    review.click()
    wait_for_idle(page)
    assert_no_exception(page)
    page.get_by_text("The format checks found").first.wait_for()
    page.get_by_text("Estimated cost: $0.00").wait_for()
    launch = page.get_by_role("button", name="Launch fine-tuning job")
    # The sample reviews hold warnings on purpose: ticking the box enables the launch. A click
    # that lands while Streamlit re-renders is lost, so tick until the launch is enabled.
    for _ in range(5):
        if launch.is_enabled() or not page.get_by_text(OVERRIDE).count():
            break
        page.get_by_text(OVERRIDE).click()
        wait_for_idle(page)
        page.wait_for_timeout(500)
    expect(launch).to_be_enabled(timeout=30_000)
    launch.click()
    page.get_by_text("Launched job ftjob-").wait_for(timeout=120_000)
    assert_no_exception(page)

    page.goto(f"{app_url}/jobs?reviewer=Ana")
    wait_for_idle(page)
    assert_no_exception(page)
    # The live fragment refreshes the job until it has finished.
    page.locator('[data-testid="stMetricValue"]', has_text="succeeded").wait_for(timeout=180_000)
    page.get_by_text("Metrics from the result file.").wait_for(timeout=60_000)
    lines = page.locator(".js-plotly-plot g.scatterlayer g.trace")
    lines.first.wait_for(timeout=60_000)
    assert lines.count() >= 2  # train loss and train accuracy at least
    assert page.get_by_text("Train / valid loss").count() >= 1
    assert page.locator('[data-testid="stCode"]', has_text="ft:tunelab-base:").count() >= 1
    assert_no_exception(page)

    # Try the new model: a prompt, the answer and the probability of each of its tokens.
    page.get_by_text("Try this model").click()
    wait_for_idle(page)
    prompt = page.get_by_label("Prompt", exact=True)
    prompt.fill("Great blender, crushes ice in seconds and is easy to clean.")
    prompt.press("Control+Enter")
    wait_for_idle(page)
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Probability of the whole answer").wait_for(timeout=120_000)
    assert_no_exception(page)
    answer = page.get_by_label("Answer", exact=True).input_value()
    assert answer.strip(), "the model answered nothing"
    bars = page.locator(".js-plotly-plot g.barlayer g.trace:visible")
    bars.first.wait_for(timeout=60_000)
    assert page.get_by_text("Probability of each token of the answer").count() >= 1
    assert page.get_by_text("Alternatives at token 1").count() >= 1
    page.get_by_text(re.compile(r" on Built-in engine · \d+ answer tokens")).wait_for()
