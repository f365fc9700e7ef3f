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
