"""Keys (from the environment or st.secrets), ``openai`` clients and capabilities per kind.

The key is looked up at the moment a client is built and is never stored, logged or shown:
screens only learn whether it is "set" or "not set".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import openai

from lib.core.errors import UserError
from lib.providers import adapters
from lib.providers.config import (
    DEFAULT_AZURE_API_VERSION,
    DEFAULT_KEY_ENV,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT_S,
    ENGINE_URL_ENV,
    NO_KEY_PLACEHOLDER,
    Capabilities,
    ProviderConfig,
)


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
    """The NAME of the variable holding the provider's key (its kind's default if unset)."""
    return config.key_env or DEFAULT_KEY_ENV.get(config.kind)


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
    if config.kind == "compatible" and not key_env_of(config):
        return "not needed"
    return "set" if api_key(config, secrets=secrets) else "not set"


def engine_base_url() -> str:
    """The built-in engine's base URL: ``TUNELAB_ENGINE_URL`` if set, else the app's engine."""
    url = os.environ.get(ENGINE_URL_ENV, "").strip()
    if url:
        return url.rstrip("/")
    from lib.engine.local import ensure_engine

    return ensure_engine()


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
    key = api_key(config, secrets=secrets)
    if adapters.is_adapter_kind(config.kind):
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
    if config.kind in ("openai", "azure") and not key:
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
    return openai.OpenAI(
        api_key=key or NO_KEY_PLACEHOLDER,
        base_url=config.base_url or None,
        timeout=timeout,
        max_retries=max_retries,
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
