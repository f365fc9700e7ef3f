"""Keys (from the environment or st.secrets), ``openai`` clients and capabilities per kind.

The key is looked up at the moment a client is built and is never stored, logged or shown:
screens only learn whether it is "set" or "not set".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lib.core.errors import UserError
from lib.core.paths import engine_data_dir
from lib.providers import adapters
from lib.providers.config import (
    DEFAULT_AZURE_API_VERSION,
    DEFAULT_KEY_ENV,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT_S,
    ENGINE_URL_ENV,
    NO_KEY_PLACEHOLDER,
    OPENAI_API_URL,
    Capabilities,
    ProviderConfig,
    is_openai_api,
)

if TYPE_CHECKING:
    import httpx2
    import openai


def _lookup_secret(name: str, secrets: Mapping[str, Any] | None) -> str | None:
    if secrets is not None:
        try:
            value = secrets.get(name)
        except Exception:  # noqa: BLE001 - st.secrets raises when no secrets file exists
            value = None
        if isinstance(value, str) and value.strip():
            return value.strip()
    value = os.environ.get(name, "").strip()
    return value or None


def key_env_of(config: ProviderConfig) -> str | None:
    """The NAME of the variable holding the provider's key, or None when no key is to be sent.

    A named variable is used as named. Unnamed, a kind's default applies only where that key is
    meant to go: ``OPENAI_API_KEY`` to OpenAI's own API (not to a proxy or another server
    behind an OpenAI provider's base URL), ``AZURE_OPENAI_API_KEY`` to the Azure endpoint, and
    Together's, Fireworks' and Mistral's keys to their own APIs.
    """
    if config.key_env:
        return config.key_env
    return DEFAULT_KEY_ENV.get(config.kind) if _default_key_applies(config) else None


def _host(url: str | None) -> str:
    return (urlsplit((url or "").strip()).hostname or "").lower()


def _default_key_applies(config: ProviderConfig) -> bool:
    """Whether the kind's default key variable may go to where ``config`` points."""
    if config.kind == "openai":
        return is_openai_api(config.base_url)
    if adapters.is_adapter_kind(config.kind):
        default = adapters.default_base_url(config.kind)
        return not config.base_url or _host(config.base_url) == _host(default)
    return config.kind == "azure"


def url_config(base_url: str, *, key_env: str | None = None) -> ProviderConfig:
    """A provider for a plain base URL (the command line's ``--base-url``): no key is sent
    unless ``key_env`` names the variable it comes from; OpenAI's own URL is an OpenAI
    provider (its key is ``OPENAI_API_KEY`` unless another is named)."""
    url = base_url.strip().rstrip("/")
    if is_openai_api(url):
        return ProviderConfig(name=url, kind="openai", base_url=url, key_env=key_env or None)
    return ProviderConfig(name=url, kind="compatible", base_url=url, key_env=key_env or None)


def server_identity(config: ProviderConfig) -> str:
    """Which server answers for ``config``: stored answers are reused only for the same one.

    The base URL for OpenAI and compatible servers, the endpoint for Azure (whose models are
    its deployments, already in the request), and for the built-in engine its address when
    ``TUNELAB_ENGINE_URL`` names one, else the engine of this data folder. Never a key.
    """
    if config.kind == "engine":
        url = os.environ.get(ENGINE_URL_ENV, "").strip().rstrip("/")
        if url:
            return f"engine {url}"
        from lib.core.paths import data_dir

        return f"engine {data_dir() / 'engine'}"
    if config.kind == "azure":
        return f"azure {(config.endpoint or '').rstrip('/')}"
    url = (config.base_url or OPENAI_API_URL).strip().rstrip("/")
    return f"{config.kind} {url}"


def api_key(config: ProviderConfig, *, secrets: Mapping[str, Any] | None = None) -> str | None:
    """The key for ``config`` from ``secrets`` (st.secrets) or the environment; never stored."""
    if config.kind == "engine":
        from lib.engine.local import API_KEY

        return API_KEY
    name = key_env_of(config)
    return _lookup_secret(name, secrets) if name else None


def key_status(config: ProviderConfig, *, secrets: Mapping[str, Any] | None = None) -> str:
    """ "set" / "not set" — all a screen may ever show about a key."""
    if config.kind == "engine":
        return "set"
    if not key_env_of(config):  # adapters always need one; others: no key is sent
        return "not set" if adapters.is_adapter_kind(config.kind) else "not needed"
    return "set" if api_key(config, secrets=secrets) else "not set"


def engine_base_url() -> str:
    """The built-in engine's base URL: ``TUNELAB_ENGINE_URL`` if set, else the app's engine."""
    url = os.environ.get(ENGINE_URL_ENV, "").strip()
    if url:
        return url.rstrip("/")
    from lib.engine.local import EngineStartError, ensure_engine

    try:
        return ensure_engine(data_dir=engine_data_dir())
    except EngineStartError as exc:
        raise UserError(str(exc)) from None


def base_url_of(config: ProviderConfig) -> str:
    """Where the provider's API lives (for messages; never carries a key)."""
    if config.kind == "engine":
        return os.environ.get(ENGINE_URL_ENV, "").strip() or "the built-in engine on loopback"
    if config.kind == "azure":
        return config.endpoint or ""
    if adapters.is_adapter_kind(config.kind):
        return config.base_url or adapters.default_base_url(config.kind)
    return config.base_url or "https://api.openai.com/v1"


def client_for(
    config: ProviderConfig,
    *,
    secrets: Mapping[str, Any] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    max_retries: int = DEFAULT_MAX_RETRIES,
) -> Any:
    """An ``openai`` client for ``config`` (an ``AzureOpenAI`` for Azure), or for Together,
    Fireworks and Mistral an adapter with the same ``files`` / ``fine_tuning`` / ``models``
    surface (``lib.providers.adapters``).

    The key is always passed explicitly so that the SDK never picks ``OPENAI_API_KEY`` up by
    itself and sends it to a server that is not OpenAI.
    """
    import openai

    key = api_key(config, secrets=secrets)
    if adapters.is_adapter_kind(config.kind):
        if not key and not key_env_of(config):
            raise UserError(
                f"provider {config.name!r} points to another address than "
                f"{config.kind_label}'s own API, so its default key is not sent there: name the "
                "variable holding the key for that address in the provider's key field"
            )
        if not key:
            raise UserError(
                f"the API key of provider {config.name!r} is not set: set the environment "
                f"variable {key_env_of(config)} (or add it to .streamlit/secrets.toml) and restart"
            )
        return adapters.build(
            config.kind, key=key, base_url=config.base_url, account=config.account,
            timeout=timeout, max_retries=max_retries,
        )  # fmt: skip
    if config.kind == "engine":
        return openai.OpenAI(
            api_key=key, base_url=engine_base_url(), timeout=timeout, max_retries=max_retries
        )
    if (config.kind == "azure" or (config.kind == "openai" and key_env_of(config))) and not key:
        raise UserError(
            f"the API key of provider {config.name!r} is not set: set the environment variable "
            f"{key_env_of(config)} (or add it to .streamlit/secrets.toml) and restart"
        )
    if config.kind == "azure":
        return openai.AzureOpenAI(
            azure_endpoint=config.endpoint or "",
            api_version=config.api_version or DEFAULT_AZURE_API_VERSION,
            api_key=key,
            timeout=timeout,
            max_retries=max_retries,
        )
    if config.kind == "compatible" and config.key_env and not key:
        raise UserError(
            f"the API key of provider {config.name!r} is not set: set the environment variable "
            f"{config.key_env} (or add it to .streamlit/secrets.toml), or clear the key field "
            "if the server needs none"
        )
    if key:
        return openai.OpenAI(
            api_key=key, base_url=config.base_url or None, timeout=timeout, max_retries=max_retries
        )
    return keyless_client(config.base_url or "", timeout=timeout, max_retries=max_retries)


def _drop_placeholder_key(request: httpx2.Request) -> None:
    if request.headers.get("Authorization") == f"Bearer {NO_KEY_PLACEHOLDER}":
        del request.headers["Authorization"]


def keyless_client(
    base_url: str, *, timeout: float = DEFAULT_TIMEOUT_S, max_retries: int = DEFAULT_MAX_RETRIES
) -> openai.OpenAI:
    """A client that sends no ``Authorization`` header at all (servers without keys).

    The SDK refuses to build a client without a key and then sends it as a bearer token; the
    placeholder it is given is taken off every request before it leaves, so a server that
    needs no key learns nothing, not even a made-up one.
    """
    import openai

    return openai.OpenAI(
        api_key=NO_KEY_PLACEHOLDER,
        base_url=base_url or None,
        timeout=timeout,
        max_retries=max_retries,
        http_client=openai.DefaultHttpx2Client(event_hooks={"request": [_drop_placeholder_key]}),
    )


# OpenAI and Azure OpenAI (Microsoft Foundry) train with SFT, DPO and RFT, pause and resume
# jobs, run batches and return logprobs; the engine trains supervised only.
_HOSTED = Capabilities(
    can_train=True, methods=("supervised", "dpo", "reinforcement"), list_models=True,
    logprobs=True, max_top_logprobs=20, batches=True, pause_resume=True, delete_models=True,
    continue_training=True,
)  # fmt: skip
_ENGINE = replace(_HOSTED, methods=("supervised",))


def capabilities(config: ProviderConfig) -> Capabilities:
    """What the provider can do (from its kind; compatible servers say whether they train)."""
    if config.kind == "engine":
        return _ENGINE
    if config.kind in ("openai", "azure"):
        return _HOSTED
    if adapters.is_adapter_kind(config.kind):
        return adapters.capabilities_of(config.kind)  # type: ignore[no-any-return]
    trains = config.can_train
    return Capabilities(
        can_train=trains, methods=("supervised",) if trains else (), list_models=True,
        logprobs=True, max_top_logprobs=20, batches=False, pause_resume=False,
        delete_models=trains, continue_training=trains,
    )  # fmt: skip
