"""Provider dialects of the built-in engine: other providers' fine-tuning wire formats.

Each dialect is one package (``wire``: names, limits, error shape; ``files``; ``jobs``;
``models``) whose ``__init__`` cites the provider's documents and gives a ``NAME``, a ``PREFIX``
(where its paths are mounted: the provider's own paths under ``/<name>``, so a client's base
URL is the only change) and its ``ROUTES``. They are registered here and nowhere else; every dialect trains through the same
job manager, trainer and model registry as the OpenAI-format API.

| dialect | client base URL | provider's base URL |
|---|---|---|
| together | ``http://HOST:PORT/together/v1`` | ``https://api.together.xyz/v1`` |
| fireworks | ``http://HOST:PORT/fireworks`` | ``https://api.fireworks.ai`` |
| mistral | ``http://HOST:PORT/mistral`` | ``https://api.mistral.ai`` |
"""

from __future__ import annotations

from types import ModuleType

from starlette.routing import Mount


def dialects() -> list[ModuleType]:
    from lib.engine.dialects import fireworks, mistral, together

    return [together, fireworks, mistral]


def mounts() -> list[Mount]:
    """One mount per dialect, for the engine's routing table."""
    return [Mount(module.PREFIX, routes=module.ROUTES) for module in dialects()]
