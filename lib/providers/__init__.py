"""Model servers Tunelab talks to, and the one way to build an ``openai`` client for each.

Every provider — OpenAI, Azure OpenAI, any OpenAI-compatible base URL (vLLM, llama.cpp server,
Ollama, hosted services such as Nebius or Crusoe, see :data:`PRESETS`) and the built-in engine —
is reached through the same ``openai`` SDK. Together, Fireworks and Mistral fine-tune through
their own wire formats: :func:`client_for` gives an adapter (``lib.providers.adapters``) with
the same ``files`` / ``fine_tuning`` / ``models`` surface, and their OpenAI-compatible inference.
Provider-specific code lives here only: building the client (:func:`client_for`), what each
kind can do (:func:`capabilities`), and turning the SDK's exceptions into sentences for people
(:func:`translate_error`, :func:`provider_errors`).

Usage::

    from lib.providers import default_provider, client_for, provider_errors

    config = default_provider(store_engine)
    client = client_for(config, secrets=st_secrets_or_none)
    with provider_errors(config, "run the evaluation"):
        client.chat.completions.create(...)
"""

from typing import TYPE_CHECKING

from lib.core.lazy import lazy_exports

if TYPE_CHECKING:
    from lib.providers.adapters import default_base_url
    from lib.providers.clients import (
        api_key,
        base_url_of,
        capabilities,
        client_for,
        engine_base_url,
        key_status,
        keyless_client,
        server_identity,
        url_config,
    )
    from lib.providers.config import (
        ADAPTER_KINDS,
        BUILT_IN,
        DEFAULT_KEY_ENV,
        ENGINE_NAME,
        KINDS,
        OPENAI_NO_NEW_JOBS,
        OPENAI_SHUTDOWN,
        OPENAI_TUNABLE_BASES,
        WIND_DOWN_TEXT,
        Capabilities,
        ConnectionResult,
        ModelInfo,
        ProviderConfig,
        default_provider,
        get_provider,
        list_providers,
        remove_provider,
        save_provider,
        set_default_provider,
        validate,
    )
    from lib.providers.errors import provider_errors, redact, translate_error
    from lib.providers.models import list_models, test_connection, wind_down_note
    from lib.providers.presets import PRESETS, preset

lazy_exports(
    __name__,
    {
        "default_base_url": "lib.providers.adapters",
        "api_key": "lib.providers.clients",
        "base_url_of": "lib.providers.clients",
        "capabilities": "lib.providers.clients",
        "client_for": "lib.providers.clients",
        "engine_base_url": "lib.providers.clients",
        "key_status": "lib.providers.clients",
        "keyless_client": "lib.providers.clients",
        "server_identity": "lib.providers.clients",
        "url_config": "lib.providers.clients",
        "ADAPTER_KINDS": "lib.providers.config",
        "BUILT_IN": "lib.providers.config",
        "DEFAULT_KEY_ENV": "lib.providers.config",
        "ENGINE_NAME": "lib.providers.config",
        "KINDS": "lib.providers.config",
        "OPENAI_NO_NEW_JOBS": "lib.providers.config",
        "OPENAI_SHUTDOWN": "lib.providers.config",
        "OPENAI_TUNABLE_BASES": "lib.providers.config",
        "WIND_DOWN_TEXT": "lib.providers.config",
        "Capabilities": "lib.providers.config",
        "ConnectionResult": "lib.providers.config",
        "ModelInfo": "lib.providers.config",
        "ProviderConfig": "lib.providers.config",
        "default_provider": "lib.providers.config",
        "get_provider": "lib.providers.config",
        "list_providers": "lib.providers.config",
        "remove_provider": "lib.providers.config",
        "save_provider": "lib.providers.config",
        "set_default_provider": "lib.providers.config",
        "validate": "lib.providers.config",
        "provider_errors": "lib.providers.errors",
        "redact": "lib.providers.errors",
        "translate_error": "lib.providers.errors",
        "list_models": "lib.providers.models",
        "test_connection": "lib.providers.models",
        "wind_down_note": "lib.providers.models",
        "PRESETS": "lib.providers.presets",
        "preset": "lib.providers.presets",
    },
)

__all__ = [
    "ADAPTER_KINDS",
    "keyless_client",
    "server_identity",
    "url_config",
    "BUILT_IN",
    "DEFAULT_KEY_ENV",
    "PRESETS",
    "ENGINE_NAME",
    "KINDS",
    "OPENAI_NO_NEW_JOBS",
    "OPENAI_SHUTDOWN",
    "OPENAI_TUNABLE_BASES",
    "WIND_DOWN_TEXT",
    "Capabilities",
    "ConnectionResult",
    "ModelInfo",
    "ProviderConfig",
    "api_key",
    "base_url_of",
    "capabilities",
    "client_for",
    "default_base_url",
    "default_provider",
    "engine_base_url",
    "get_provider",
    "key_status",
    "list_models",
    "list_providers",
    "preset",
    "provider_errors",
    "redact",
    "remove_provider",
    "save_provider",
    "set_default_provider",
    "test_connection",
    "translate_error",
    "validate",
    "wind_down_note",
]
