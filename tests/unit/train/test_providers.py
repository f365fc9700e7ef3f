"""Provider settings, keys, clients, model lists and error sentences."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import openai
import pytest

from lib.core.errors import UserError
from lib.providers import (
    BUILT_IN,
    ENGINE_NAME,
    ProviderConfig,
    capabilities,
    client_for,
    default_provider,
    get_provider,
    key_status,
    list_models,
    list_providers,
    provider_errors,
    remove_provider,
    save_provider,
    set_default_provider,
    test_connection,
    wind_down_note,
)

OPENAI_403 = (
    "You have insufficient permissions for this operation. Fine-tuning is not available for "
    "your organization."
)


class _Refusing(BaseHTTPRequestHandler):
    """A server answering every request the way OpenAI refuses one (403, OpenAI's error JSON)."""

    def _refuse(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        body = json.dumps(
            {"error": {"message": OPENAI_403, "type": "invalid_request_error", "code": None}}
        ).encode()
        self.send_response(403)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _refuse  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refusing_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_built_in_engine_is_there_and_default_when_nothing_is_configured(db):
    assert list_providers(db) == [BUILT_IN]
    assert default_provider(db) == BUILT_IN
    assert key_status(BUILT_IN) == "set"
    caps = capabilities(BUILT_IN)
    assert caps.can_train and caps.methods == ("supervised",) and caps.pause_resume


def test_add_edit_remove_and_default(db, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    openai_config = save_provider(db, ProviderConfig(name=" My  OpenAI ", kind="openai"))
    assert openai_config.name == "My OpenAI"
    assert openai_config.key_env == "OPENAI_API_KEY"
    assert key_status(openai_config) == "not set"
    assert key_status(openai_config, secrets={"OPENAI_API_KEY": "sk-from-secrets"}) == "set"
    azure = save_provider(
        db,
        ProviderConfig(
            name="Azure",
            kind="azure",
            endpoint="https://example.openai.azure.com/",
            deployments=("gpt-4o-mini-prod", " "),
        ),
    )
    assert azure.endpoint == "https://example.openai.azure.com"
    assert azure.api_version and azure.deployments == ("gpt-4o-mini-prod",)
    assert [p.name for p in list_providers(db)] == [ENGINE_NAME, "My OpenAI", "Azure"]
    with pytest.raises(UserError, match="exists already"):
        save_provider(db, ProviderConfig(name="Azure", kind="openai"))

    set_default_provider(db, "Azure")
    save_provider(
        db,
        ProviderConfig(name="Azure EU", kind="azure", endpoint="https://eu.example"),
        replaces="Azure",
    )
    assert default_provider(db).name == "Azure EU"
    remove_provider(db, "Azure EU")
    assert default_provider(db) == BUILT_IN
    with pytest.raises(UserError, match="cannot be removed"):
        remove_provider(db, ENGINE_NAME)
    with pytest.raises(UserError, match="no provider named"):
        get_provider(db, "Azure EU")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (ProviderConfig(name="", kind="openai"), "needs a name"),
        (ProviderConfig(name="x", kind="openai", key_env="sk-abc123"), "NAME of an environment"),
        (ProviderConfig(name="x", kind="compatible"), "base URL is required"),
        (ProviderConfig(name="x", kind="compatible", base_url="localhost:8000"), "http"),
        (
            ProviderConfig(name="x", kind="compatible", base_url="https://u:p@host/v1"),
            "password",
        ),
        (ProviderConfig(name="x", kind="azure"), "Azure endpoint is required"),
        (ProviderConfig(name="built-in ENGINE", kind="openai"), "built-in engine"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_saved(db, config, message):
    with pytest.raises(UserError, match=message):
        save_provider(db, config)
    assert list_providers(db) == [BUILT_IN]


def test_a_missing_key_is_a_sentence_and_never_borrowed_from_openai_api_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-should-not-travel")
    monkeypatch.delenv("OTHER_KEY", raising=False)
    config = ProviderConfig(name="Hosted", kind="compatible", base_url="https://h.example/v1")
    client = client_for(config)
    assert client.api_key != "sk-should-not-travel"
    with pytest.raises(UserError, match="OTHER_KEY"):
        client_for(
            ProviderConfig(
                name="H", kind="compatible", base_url="https://h/v1", key_env="OTHER_KEY"
            )
        )
    with pytest.raises(UserError, match="OPENAI_API_KEY"):
        monkeypatch.delenv("OPENAI_API_KEY")
        client_for(ProviderConfig(name="O", kind="openai", key_env="OPENAI_API_KEY"))


def test_azure_client_is_an_azure_client():
    config = ProviderConfig(
        name="Az",
        kind="azure",
        endpoint="https://r.openai.azure.com",
        api_version="2025-04-01-preview",
    )
    client = client_for(config, secrets={"AZURE_OPENAI_API_KEY": "azure-key"})
    assert isinstance(client, openai.AzureOpenAI)
    assert "r.openai.azure.com" in str(client.base_url)


def test_engine_models_fine_tunable_first_with_shutdown_dates(engine_env):
    models = list_models(BUILT_IN)
    bases = [m for m in models if m.fine_tunable]
    assert bases and models[: len(bases)] == bases  # fine-tunable first
    assert bases[0].id == "tunelab-base"  # newest base first
    assert all(m.fine_tuned for m in models[len(bases) :])  # then earlier tests' models
    assert any(m.shutdown_date == "2027-01-14" for m in models)
    labelled = {m.id: m.label for m in models}
    assert labelled["gpt-4o-mini-2024-07-18"].endswith("shuts down 2027-01-14")
    result = test_connection(BUILT_IN)
    assert result.ok and result.message.startswith("Connected to Built-in engine: ")


def test_unreachable_server_is_a_plain_sentence():
    config = ProviderConfig(name="Nowhere", kind="compatible", base_url="http://127.0.0.1:9/v1")
    result = test_connection(config, timeout=2)
    assert not result.ok
    assert result.message.startswith("could not reach Nowhere")
    assert "http://127.0.0.1:9/v1" in result.message


def test_openai_wind_down_dates_on_tunable_models():
    config = ProviderConfig(name="OpenAI", kind="openai")
    before = wind_down_note(config, "gpt-4o-mini-2024-07-18", today=date(2026, 11, 21))
    assert before == "no new jobs from 2027-01-06; shuts down 2027-01-14"
    ft = wind_down_note(config, "ft:gpt-4.1-2025-04-14:org::abc", today=date(2027, 1, 10))
    assert ft == "no new jobs; shuts down 2027-01-14"
    assert wind_down_note(config, "gpt-5", today=date(2026, 11, 21)) == ""
    assert wind_down_note(BUILT_IN, "gpt-4o-mini-2024-07-18") == ""


def test_permission_denied_explains_the_wind_down(refusing_url, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-permission-0000000000")
    config = ProviderConfig(
        name="OpenAI", kind="openai", base_url=refusing_url, key_env="OPENAI_API_KEY"
    )
    client = client_for(config, max_retries=0)
    with pytest.raises(UserError) as info, provider_errors(config, "create a fine-tuning job"):
        client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file="file-x")
    text = str(info.value)
    assert text.startswith("OpenAI says this account is not allowed to create a fine-tuning job")
    assert "403" in text and OPENAI_403 in text
    assert "no new jobs can be created from 2027-01-06" in text
    assert "shut down on 2027-01-14" in text
    assert "Azure OpenAI and the built-in engine still train" in text
    assert "sk-test-permission" not in text


def test_permission_denied_elsewhere_asks_for_access(refusing_url):
    config = ProviderConfig(name="Team server", kind="compatible", base_url=refusing_url)
    result = test_connection(config)
    assert not result.ok
    assert "not allowed to list its models (403" in result.message
    assert "administrator" in result.message
    assert "2027" not in result.message


def test_a_refused_key_is_reported_without_the_key():
    from lib.providers import translate_error

    config = ProviderConfig(name="OpenAI", kind="openai", key_env="OPENAI_API_KEY")
    response = httpx2.Response(
        401,
        request=httpx2.Request("GET", "https://api.openai.com/v1/models"),
        json={"error": {"message": "Incorrect API key provided: sk-abcd****************wxyz."}},
    )
    exc = openai.AuthenticationError("401", response=response, body=response.json()["error"])
    text = str(translate_error(exc, config=config, action="list its models"))
    assert "refused the API key (401)" in text and "OPENAI_API_KEY" in text
    assert "sk-abcd" not in text


def test_renaming_a_provider_keeps_its_jobs(db):
    from lib.core.identity import CLI_ACTOR
    from lib.providers import service
    from lib.train import LaunchRequest, claim, list_jobs

    save_provider(db, ProviderConfig(name="Team", kind="compatible", base_url="http://t/v1"))
    request = LaunchRequest(snapshot_id=1, provider="Team", model="m")
    claim(db, request, key="tl-rename-1", author="Ana")
    service.save_provider(
        db,
        ProviderConfig(name="Team GPU", kind="compatible", base_url="http://t/v1"),
        replaces="Team",
        actor=CLI_ACTOR,
    )
    with db.connect() as conn:
        assert [j.provider for j in list_jobs(conn)] == ["Team GPU"]
