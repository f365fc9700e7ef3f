"""Ready-made provider settings: base URL and the NAME of the key's variable, nothing secret.

Checked 2026-11-30 with the providers' own documents:
- Together, Fireworks, Mistral: their own wire formats (see ``lib/providers/adapters``).
- Nebius Token Factory: "an OpenAI-compatible API for inference and fine-tuning",
  ``https://api.tokenfactory.nebius.com/v1/``, key in ``NEBIUS_API_KEY``
  (docs.tokenfactory.nebius.com/api-reference/introduction).
- Crusoe: OpenAI-compatible serverless inference at ``https://api.inference.crusoecloud.com/v1``,
  key in ``CRUSOE_API_KEY`` (docs.crusoecloud.com, "Getting Started with Serverless
  Inference"). Its documents describe inference only, so the preset does not train; a user whose
  Crusoe account fine-tunes through the OpenAI wire format can switch training on.
"""

from __future__ import annotations

from lib.providers.config import ProviderConfig

PRESETS: dict[str, ProviderConfig] = {
    p.name: p
    for p in (
        ProviderConfig(name="Together AI", kind="together", key_env="TOGETHER_API_KEY"),
        ProviderConfig(name="Fireworks AI", kind="fireworks", key_env="FIREWORKS_API_KEY"),
        ProviderConfig(name="Mistral AI", kind="mistral", key_env="MISTRAL_API_KEY"),
        ProviderConfig(
            name="Nebius Token Factory",
            kind="compatible",
            base_url="https://api.tokenfactory.nebius.com/v1",
            key_env="NEBIUS_API_KEY",
            can_train=True,
        ),  # fmt: skip
        ProviderConfig(
            name="Crusoe",
            kind="compatible",
            base_url="https://api.inference.crusoecloud.com/v1",
            key_env="CRUSOE_API_KEY",
            can_train=False,
        ),  # fmt: skip
    )
}


def preset(name: str, **changes: object) -> ProviderConfig:
    """A preset with changes (e.g. ``account=`` for Fireworks, or another ``name``)."""
    from dataclasses import replace

    return replace(PRESETS[name], **changes)  # type: ignore[arg-type]
