"""Providers: the use cases of Providers & settings, and what other features use of providers.

Adding, editing, removing a provider and choosing the default need the admin role (they decide
where data and money go); listing providers, their models and testing a connection are reads.
Other features (train, evaluate, synth) reach providers only through this module: the settings,
the one way to build a client (:func:`client_for`), capabilities and error translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from lib.core import pricing, tokens
from lib.core.identity import Actor, Role, require, require_read
from lib.core.pricing import PriceTable
from lib.providers import builtin_engine
from lib.providers import config as settings
from lib.providers.builtin_engine import EngineStatus, start_in_background
from lib.providers.clients import (
    api_key,
    base_url_of,
    capabilities,
    client_for,
    engine_base_url,
    key_status,
    server_identity,
    url_config,
)
from lib.providers.config import (
    ADAPTER_KINDS,
    BUILT_IN,
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
)
from lib.providers.errors import provider_errors, redact, translate_error
from lib.providers.models import as_date, list_models, shutdown_of, wind_down_note
from lib.providers.models import test_connection as _test_connection

__all__ = [
    "ADAPTER_KINDS",
    "BUILT_IN",
    "ENGINE_NAME",
    "KINDS",
    "OPENAI_NO_NEW_JOBS",
    "OPENAI_SHUTDOWN",
    "OPENAI_TUNABLE_BASES",
    "PriceTable",
    "WIND_DOWN_TEXT",
    "Capabilities",
    "ConnectionResult",
    "EngineStatus",
    "ModelInfo",
    "ProviderConfig",
    "api_key",
    "as_date",
    "base_url_of",
    "capabilities",
    "check_connection",
    "context_limits",
    "client_for",
    "default_provider",
    "engine_base_url",
    "engine_status",
    "get_provider",
    "key_status",
    "list_models",
    "list_providers",
    "price_table",
    "make_default",
    "provider_errors",
    "provider_models",
    "providers",
    "redact",
    "remove_provider",
    "reset_prices",
    "save_context_limits",
    "save_prices",
    "start_engine",
    "start_in_background",
    "save_provider",
    "server_identity",
    "shutdown_of",
    "the_default",
    "the_provider",
    "translate_error",
    "url_config",
    "wind_down_note",
]


# --- reads ---------------------------------------------------------------------------------


def providers(engine: Engine, *, actor: Actor | None) -> list[ProviderConfig]:
    """The built-in engine first, then the configured providers in the order they were added."""
    require_read(actor, action="see the providers")
    return list_providers(engine)


def the_provider(engine: Engine, name: str, *, actor: Actor | None) -> ProviderConfig:
    require_read(actor, action="see the providers")
    return get_provider(engine, name)


def the_default(engine: Engine, *, actor: Actor | None) -> ProviderConfig:
    """The default provider (the built-in engine when none is chosen)."""
    require_read(actor, action="see the providers")
    return default_provider(engine)


def engine_status(*, actor: Actor | None) -> EngineStatus:
    """Whether the built-in engine answers, where, and which process it is."""
    require_read(actor, action="see the built-in engine")
    return builtin_engine.status()


def start_engine(*, actor: Actor | None) -> str:
    """Start the built-in engine now (it is free and local: any role may); its address."""
    require_read(actor, action="start the built-in engine")
    return engine_base_url()


def provider_models(
    config: ProviderConfig, *, secrets: Mapping[str, Any] | None, actor: Actor | None
) -> list[ModelInfo]:
    """The models a provider offers (fine-tunable bases first)."""
    require_read(actor, action="list a provider's models")
    return list_models(config, secrets=secrets)


def check_connection(
    config: ProviderConfig, *, secrets: Mapping[str, Any] | None, actor: Actor | None
) -> ConnectionResult:
    """Ask the provider once (it lists its models) and say in one sentence how it went."""
    require_read(actor, action="test a provider")
    return _test_connection(config, secrets=secrets)


# --- changes (admin) -----------------------------------------------------------------------


def save_provider(
    engine: Engine,
    config: ProviderConfig,
    *,
    replaces: str | None = None,
    actor: Actor | None,
) -> ProviderConfig:
    """Add a provider, or replace the one named ``replaces`` (its jobs follow a rename)."""
    require(actor, Role.ADMIN, action="change the providers")
    saved = settings.save_provider(engine, config, replaces=replaces)
    if replaces and replaces != saved.name:
        _follow_rename(engine, old=replaces, new=saved.name)
    return saved


def _follow_rename(engine: Engine, *, old: str, new: str) -> None:
    """Records that name their provider (jobs, uploads) keep it after a rename.

    Found by reflection (every table with a ``provider`` column) so that providers need not
    know the features that record a provider's name.
    """
    with engine.begin() as conn:
        inspector = sa.inspect(conn)
        for name in inspector.get_table_names():
            if any(c["name"] == "provider" for c in inspector.get_columns(name)):
                table = sa.table(name, sa.column("provider"))
                conn.execute(table.update().where(table.c.provider == old).values(provider=new))


def remove_provider(engine: Engine, name: str, *, actor: Actor | None) -> None:
    """Forget a provider (its jobs stay in the store, listed under its name)."""
    require(actor, Role.ADMIN, action="remove a provider")
    settings.remove_provider(engine, name)


def make_default(engine: Engine, name: str, *, actor: Actor | None) -> ProviderConfig:
    require(actor, Role.ADMIN, action="choose the default provider")
    settings.set_default_provider(engine, name)
    return get_provider(engine, name)


# --- settings every estimate reads: prices and context limits (admin to change) ------------


def price_table(engine: Engine, *, actor: Actor | None) -> PriceTable:
    """The one price table (built-in prices, or the team's edited copy)."""
    require_read(actor, action="see the prices")
    with engine.connect() as conn:
        return pricing.get_price_table(conn)


def save_prices(
    engine: Engine,
    rows: list[dict[str, Any]],
    *,
    read_on: str,
    source: str | None,
    actor: Actor | None,
) -> PriceTable:
    """Store an edited price table (validated first: a bad row saves nothing)."""
    require(actor, Role.ADMIN, action="change the prices")
    return pricing.save_price_table(engine, rows, read_on=read_on, source=source)


def reset_prices(engine: Engine, *, actor: Actor | None) -> PriceTable:
    require(actor, Role.ADMIN, action="change the prices")
    return pricing.reset_price_table(engine)


def context_limits(engine: Engine, *, actor: Actor | None) -> dict[str, int]:
    """Context limit per model (the defaults with the team's edits)."""
    require_read(actor, action="see the context limits")
    with engine.connect() as conn:
        return tokens.load_context_limits(conn)


def save_context_limits(
    engine: Engine, table: Mapping[str, int], *, actor: Actor | None
) -> dict[str, int]:
    require(actor, Role.ADMIN, action="change the context limits")
    tokens.save_context_limits(engine, table)
    return context_limits(engine, actor=actor)
