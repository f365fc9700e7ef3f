"""AppTest of Providers & settings: list, key status, add, refuse a pasted key, test, remove."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.core.db import get_engine
from lib.core.paths import REPO_ROOT
from lib.providers import list_providers

PAGE = str(REPO_ROOT / "pages" / "providers.py")


@pytest.fixture
def app_env(app_store, engine_url, monkeypatch):
    monkeypatch.setenv("TUNELAB_ENGINE_URL", engine_url)
    monkeypatch.delenv("TUNELAB_TEST_SERVER_KEY", raising=False)
    yield app_store


def _app(reviewer: str | None = "Ana") -> AppTest:
    """The page with a name typed in the sidebar: local mode, where that person is the admin."""
    at = AppTest.from_file(PAGE)
    if reviewer:
        at.session_state["reviewer_name"] = reviewer
    return at


def _run(at: AppTest) -> AppTest:
    at.run(timeout=60)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _fill_compatible(at: AppTest, *, name: str, url: str, key_env: str) -> None:
    at.selectbox(key="providers_kind_None").set_value("compatible")
    _run(at)
    inputs = {t.label: t for t in at.text_input}
    inputs["Name"].set_value(name)
    inputs["Base URL"].set_value(url)
    inputs["Name of the environment variable or secret holding the key"].set_value(key_env)
    at.checkbox[0].check()
    next(b for b in at.button if b.label == "Save provider").click()


def test_built_in_engine_is_listed_with_its_key_set(app_env):
    at = _run(_app())
    table = at.dataframe[0].value
    assert list(table["provider"]) == ["Built-in engine"]
    assert list(table["key"]) == ["set"]
    assert list(table["default"]) == ["yes"]
    at.button(key="providers_test").click()
    _run(at)
    assert at.success[0].value.startswith("Connected to Built-in engine: ")


def test_add_a_server_whose_key_is_not_set_then_remove_it(app_env, engine_url):
    at = _run(_app())
    _fill_compatible(at, name="Team vLLM", url=engine_url, key_env="TUNELAB_TEST_SERVER_KEY")
    _run(at)
    assert "Saved Team vLLM. Its key is not set." in [s.value for s in at.success]
    table = at.dataframe[0].value
    assert list(table["provider"]) == ["Built-in engine", "Team vLLM"]
    assert list(table["key"]) == ["set", "not set"]
    assert list(table["key variable"])[1] == "TUNELAB_TEST_SERVER_KEY"

    at.selectbox(key="providers_selected").set_value("Team vLLM")
    _run(at)
    at.button(key="providers_test").click()
    _run(at)
    error = at.error[0].value.replace("\\", "")  # messages are markdown-escaped
    assert "TUNELAB_TEST_SERVER_KEY" in error and "not set" in error

    at.button(key="providers_remove").click()
    _run(at)
    at.button(key="providers_remove_yes").click()
    _run(at)
    assert "Removed Team vLLM." in [s.value for s in at.success]
    assert [p.name for p in list_providers(get_engine())] == ["Built-in engine"]


def test_a_pasted_key_is_refused_and_nothing_is_stored(app_env, engine_url):
    at = _run(_app())
    _fill_compatible(at, name="Oops", url=engine_url, key_env="sk-live-1234567890abcdef")
    _run(at)
    assert "NAME of an environment variable" in at.error[0].value
    assert [p.name for p in list_providers(get_engine())] == ["Built-in engine"]


def test_the_engine_state_is_shown(app_env, engine_url):
    at = _run(AppTest.from_file(PAGE))
    shown = " ".join(s.value for s in at.success).replace("\u2060", "")  # see below
    assert f"Running at {engine_url}" in shown


def test_a_stopped_engine_says_so(app_store, monkeypatch):
    monkeypatch.setenv("TUNELAB_ENGINE_URL", "http://127.0.0.1:9/v1")  # nothing listens there
    at = _run(AppTest.from_file(PAGE))
    # Messages show URLs as text: an invisible word joiner keeps them from becoming links.
    said = [e.value.replace("\u2060", "") for e in at.error]
    assert any("No engine answers at http://127.0.0.1:9/v1" in e for e in said)


def test_without_a_name_no_provider_is_saved(app_env, engine_url):
    at = _run(_app(reviewer=None))
    _fill_compatible(at, name="Team vLLM", url=engine_url, key_env="TUNELAB_TEST_SERVER_KEY")
    _run(at)
    assert any("Enter your name" in e.value for e in at.error)
    assert [p.name for p in list_providers(get_engine())] == ["Built-in engine"]


def test_a_preset_fills_the_form_and_saves_a_provider(app_env):
    at = _run(_app())
    at.selectbox(key="providers_preset").set_value("Nebius Token Factory")
    _run(at)
    assert at.selectbox(key="providers_kind_None").value == "compatible"
    inputs = {t.label: t for t in at.text_input}
    assert inputs["Base URL"].value == "https://api.tokenfactory.nebius.com/v1"
    assert inputs["Name of the environment variable or secret holding the key"].value == (
        "NEBIUS_API_KEY"
    )
    next(b for b in at.button if b.label == "Save provider").click()
    _run(at)
    saved = {c.name: c for c in list_providers(get_engine())}
    assert saved["Nebius Token Factory"].can_train
    assert saved["Nebius Token Factory"].key_env == "NEBIUS_API_KEY"


def test_fireworks_needs_its_account_id(app_env):
    at = _run(_app())
    at.selectbox(key="providers_preset").set_value("Fireworks AI")
    _run(at)
    assert at.selectbox(key="providers_kind_None").value == "fireworks"
    next(b for b in at.button if b.label == "Save provider").click()
    _run(at)
    assert any("account id" in e.value for e in at.error)
    assert "Fireworks AI" not in [c.name for c in list_providers(get_engine())]
    inputs = {t.label: t for t in at.text_input}
    inputs["Account id"].set_value("acme")
    next(b for b in at.button if b.label == "Save provider").click()
    _run(at)
    saved = {c.name: c for c in list_providers(get_engine())}
    assert saved["Fireworks AI"].account == "acme" and saved["Fireworks AI"].kind == "fireworks"
