"""In Chromium, the exit kit on Train → "Move a fine-tuned model": the built-in engine stands in
for OpenAI (a ``ft:gpt-4o-mini…`` model made there beforehand) and for Together (its dialect).
List the account's fine-tunes, pull the data, record the model, retrain on Together, shut the
model down, and compare the replacement with the recording."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from lib.engine.local import EngineHandle
from tests.e2e.conftest import AppServer
from tests.e2e.helpers import assert_no_exception, wait_for_idle
from tests.unit.migrate.conftest import KEY, Tuned, make_openai_fine_tune

LONG = 180_000


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineHandle]:
    from lib.engine.local import start_engine

    env = {"TUNELAB_ENGINE_DIALECT_KEY": KEY, "TUNELAB_ENGINE_TRAIN_STEP_DELAY_MS": "2"}
    handle = start_engine(data_dir=tmp_path_factory.mktemp("stand-in"), env=env)
    try:
        yield handle
    finally:
        handle.stop()


def _configure(data_dir: Path, engine_url: str) -> None:
    """The team's providers, as an admin saved them: OpenAI (here the engine) and Together."""
    from lib.core.db import create_engine_for
    from lib.core.migrations import migrate
    from lib.providers import preset, save_provider
    from lib.providers.config import ProviderConfig, set_default_provider

    store = create_engine_for(f"sqlite:///{data_dir / 'tunelab.db'}")
    migrate(store)
    save_provider(store, ProviderConfig(name="OpenAI", kind="openai", base_url=engine_url))
    save_provider(
        store, preset("Together AI", base_url=engine_url.removesuffix("/v1") + "/together/v1")
    )
    set_default_provider(store, "OpenAI")
    store.dispose()


@pytest.fixture(scope="module")
def exit_app(
    tmp_path_factory: pytest.TempPathFactory, stand_in: EngineHandle
) -> Iterator[AppServer]:
    data_dir = tmp_path_factory.mktemp("exit-app")
    _configure(data_dir, stand_in.base_url)
    env = {
        "OPENAI_API_KEY": "sk-test",
        "TOGETHER_API_KEY": KEY,
        "TUNELAB_ENGINE_URL": stand_in.base_url,
    }
    server = AppServer(data_dir, samples=False, env=env)
    try:
        yield server
    finally:
        server.stop()


def _main(page) -> str:  # noqa: ANN001
    return page.locator('[data-testid="stMain"]').inner_text()


def _choose(page, label: str, option: str) -> None:  # noqa: ANN001
    """Pick ``option`` in the selectbox labelled ``label`` (retried: a rerun may redraw it)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    picker = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    picker.wait_for()
    for _ in range(4):
        if picker.locator("input").first.input_value() == option:
            return
        picker.click()
        try:
            page.get_by_role("option", name=option).first.click(timeout=10_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
        wait_for_idle(page)
    assert picker.locator("input").first.input_value() == option


def test_move_a_fine_tuned_model_in_the_browser(
    exit_app: AppServer, stand_in: EngineHandle, page
) -> None:  # noqa: ANN001
    tuned: Tuned = make_openai_fine_tune(stand_in.base_url, rows=200)
    page.goto(f"{exit_app.url}/?reviewer=Ana")
    wait_for_idle(page)
    page.goto(f"{exit_app.url}/migrate?reviewer=Ana")
    wait_for_idle(page)
    assert_no_exception(page)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "Move a fine-tuned model" in nav

    # 1. Inventory
    page.get_by_role("button", name="List fine-tuned models").click()
    page.get_by_text(f"{tuned.model}: base gpt-4o-mini-2024-07-18; shuts down 2027-01-14").wait_for(
        timeout=LONG
    )
    assert f"job {tuned.job}; training file {tuned.training_file}" in _main(page)
    assert re.search(r"\(\d+ days left; the provider's date\)", _main(page))

    # 2. Pull
    page.get_by_role("button", name="Pull training data").click()
    # The lines arrive one by one over the websocket: wait for each, then for the run's end.
    page.get_by_text(f"training file {tuned.training_file}: imported").wait_for(timeout=LONG)
    page.get_by_text(f"validation file {tuned.validation_file}: imported").wait_for(timeout=LONG)
    wait_for_idle(page)
    assert "(200 examples)" in _main(page) and "(60 examples)" in _main(page)
    assert_no_exception(page)

    # 3. Record on the test split of a snapshot of the pulled data
    page.get_by_role("button", name="Freeze the training data into a snapshot").click()
    wait_for_idle(page)
    page.get_by_role("button", name="Record answers").click()
    page.get_by_text(re.compile(r"Recording \d+: done, (\d+) of \1 answers stored")).wait_for(
        timeout=LONG
    )
    assert_no_exception(page)

    # 4. Retrain on Together: the estimate first, then one launch
    _choose(page, "Provider", "Together AI")
    # Shown before the launch: the data's size and tokens, and the price (Together's prices are
    # not in the price table, which says so instead of guessing).
    page.get_by_text("No training price for this model in the price table").wait_for(timeout=LONG)
    assert re.search(r"Training examples: \d+; epochs: 3", _main(page))
    assert "billed tokens:" in _main(page)
    page.get_by_role("button", name="Launch retraining").click()
    page.get_by_text(re.compile(r"Job \d+ at Together AI: .*succeeded.* → ")).wait_for(timeout=LONG)
    assert_no_exception(page)

    # The model shuts down at its provider: only the recording is left.
    client = openai.OpenAI(api_key="sk-test", base_url=stand_in.base_url, max_retries=0)
    client.models.delete(tuned.model)

    # 5. Compare with the recording
    page.get_by_role("button", name="Compare with the recording").click()
    verdict = page.get_by_text(re.compile(rf"is (NOT )?a match for {re.escape(tuned.model)}"))
    verdict.wait_for(timeout=LONG)
    assert "kappa" in verdict.inner_text()
    page.get_by_role("button", name="Download the migration report (HTML)").wait_for()
    assert_no_exception(page)
