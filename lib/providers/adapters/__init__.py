"""Providers with their own fine-tuning wire format, each behind the ``openai`` client's shape.

One module per provider (``KIND``, ``LABEL``, ``DEFAULT_BASE_URL``, ``KEY_ENV``,
``CAPABILITIES``, ``error_message`` and an :class:`~lib.providers.adapters.base.Adapter`),
registered here and nowhere else. :func:`lib.providers.client_for` builds them; the train
feature's launch, reconcile, watch and model code calls them exactly as it calls OpenAI.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from lib.providers.adapters import fireworks, mistral, together
from lib.providers.adapters.base import Adapter, Http

MODULES: dict[str, ModuleType] = {m.KIND: m for m in (together, fireworks, mistral)}


def is_adapter_kind(kind: str) -> bool:
    return kind in MODULES


def build(
    kind: str,
    *,
    key: str,
    base_url: str | None,
    account: str | None,
    timeout: float,
    max_retries: int,
) -> Adapter:
    """The adapter client for one provider kind (the key is used, never kept elsewhere)."""
    import openai

    module = MODULES[kind]
    http = Http(
        base_url or module.DEFAULT_BASE_URL,
        key,
        timeout=timeout,
        max_retries=max_retries,
        error_message=module.error_message,
    )
    inference = openai.OpenAI(
        api_key=key,
        base_url=(base_url or module.DEFAULT_BASE_URL).rstrip("/") + module.INFERENCE_PATH,
        timeout=timeout,
        max_retries=max_retries,
    )
    if kind == "fireworks":
        return fireworks.FireworksAdapter(http, account=account or "", inference=inference)
    if kind == "mistral":
        return mistral.MistralAdapter(http, inference=inference)
    return together.TogetherAdapter(http, inference=inference)


def default_base_url(kind: str) -> str:
    return str(MODULES[kind].DEFAULT_BASE_URL)


def capabilities_of(kind: str) -> Any:
    return MODULES[kind].CAPABILITIES
