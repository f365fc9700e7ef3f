"""Provider settings: what each kind is, its non-secret configuration, and where it is kept.

The store keeps the non-secret part of a provider (name, kind, addresses, deployments and the
NAME of the environment variable holding its key) in ``app_settings``; keys never go there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine

from lib.core.errors import NotFoundError, UserError
from lib.core.settings import get_setting, set_setting

ProviderKind = Literal[
    "engine", "openai", "azure", "compatible", "together", "fireworks", "mistral"
]
KINDS: dict[str, str] = {
    "engine": "Built-in engine",
    "openai": "OpenAI",
    "azure": "Azure OpenAI",
    "compatible": "OpenAI-compatible server",
    "together": "Together AI",
    "fireworks": "Fireworks AI",
    "mistral": "Mistral AI",
}
# Kinds with their own fine-tuning wire format (lib.providers.adapters).
ADAPTER_KINDS = ("together", "fireworks", "mistral")
ENGINE_NAME = "Built-in engine"
ENGINE_URL_ENV = "TUNELAB_ENGINE_URL"  # use an engine that is already running (tests, demos)
PROVIDERS_SETTING = "providers"
DEFAULT_SETTING = "providers.default"
DEFAULT_KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "azure": "AZURE_OPENAI_API_KEY",
    "together": "TOGETHER_API_KEY",
    "fireworks": "FIREWORKS_API_KEY",
    "mistral": "MISTRAL_API_KEY",
}
DEFAULT_AZURE_API_VERSION = "2025-04-01-preview"
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_RETRIES = 2
# Servers without authentication (Ollama, llama.cpp) still need some key for the SDK.
NO_KEY_PLACEHOLDER = "no-key"
MAX_NAME_LENGTH = 80
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_ACCOUNT = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
OPENAI_API_URL = "https://api.openai.com/v1"
OPENAI_API_HOSTS = frozenset({"api.openai.com"})


def is_openai_api(url: str | None) -> bool:
    """Whether ``url`` is OpenAI's own API (None means the SDK's default, which is)."""
    if not url:
        return True
    parts = urlsplit(url.strip())
    return parts.scheme == "https" and (parts.hostname or "").lower() in OPENAI_API_HOSTS


# OpenAI's self-serve fine-tuning wind-down (design.md §7).
OPENAI_NO_NEW_JOBS = date(2027, 1, 6)
OPENAI_SHUTDOWN = date(2027, 1, 14)
OPENAI_CUT_OFF_NEW_ORGS = date(2026, 5, 7)
OPENAI_TUNABLE_BASES = (
    "gpt-4o-2024-08-06",
    "gpt-4o-mini-2024-07-18",
    "gpt-4.1-2025-04-14",
    "gpt-4.1-mini-2025-04-14",
)
WIND_DOWN_TEXT = (
    "OpenAI is winding down self-serve fine-tuning: organisations that had never fine-tuned "
    f"lost access on {OPENAI_CUT_OFF_NEW_ORGS:%Y-%m-%d}; no new jobs can be created from "
    f"{OPENAI_NO_NEW_JOBS:%Y-%m-%d}; the last tunable base models and every model fine-tuned "
    f"from them shut down on {OPENAI_SHUTDOWN:%Y-%m-%d}. Azure OpenAI and the built-in engine "
    "still train."
)


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """The non-secret settings of one provider (what the store keeps)."""

    name: str
    kind: ProviderKind
    base_url: str | None = None  # OpenAI (optional, e.g. a proxy) and compatible servers
    endpoint: str | None = None  # Azure: https://<resource>.openai.azure.com
    api_version: str | None = None  # Azure
    deployments: tuple[str, ...] = ()  # Azure: deployment names usable for inference
    key_env: str | None = None  # NAME of the environment variable / secret holding the key
    can_train: bool = False  # compatible servers: does it implement the fine-tuning API?
    account: str | None = None  # Fireworks: the account id its paths name

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["deployments"] = list(self.deployments)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProviderConfig:
        return cls(
            name=str(data["name"]),
            kind=data["kind"],
            base_url=data.get("base_url") or None,
            endpoint=data.get("endpoint") or None,
            api_version=data.get("api_version") or None,
            deployments=tuple(data.get("deployments") or ()),
            key_env=data.get("key_env") or None,
            can_train=bool(data.get("can_train", False)),
            account=data.get("account") or None,
        )


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a provider can do; screens offer only these."""

    can_train: bool
    methods: tuple[str, ...]  # "supervised", "dpo", "reinforcement"
    list_models: bool
    logprobs: bool
    max_top_logprobs: int
    batches: bool
    pause_resume: bool
    delete_models: bool
    continue_training: bool


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model as a picker shows it."""

    id: str
    owned_by: str = ""
    created: int | None = None
    shutdown_date: str | None = None
    fine_tunable: bool = False  # a base a job can start from
    fine_tuned: bool = False  # made by a fine-tuning job (can be continued where supported)
    note: str = ""  # going away, wind-down …

    @property
    def label(self) -> str:
        """The text a selectbox shows: id, what it is, and when it goes away."""
        parts = [self.id]
        if self.fine_tunable:
            parts.append("fine-tunable")
        elif self.fine_tuned:
            parts.append("fine-tuned")
        if self.note:
            parts.append(self.note)
        elif self.shutdown_date:
            parts.append(f"shuts down {self.shutdown_date}")
        return " · ".join(parts)


@dataclass(frozen=True, slots=True)
class ConnectionResult:
    ok: bool
    message: str

    def __str__(self) -> str:
        return self.message


BUILT_IN = ProviderConfig(name=ENGINE_NAME, kind="engine")


def _clean_url(url: str | None, *, what: str, required: bool) -> str | None:
    url = (url or "").strip()
    if not url:
        if required:
            raise UserError(f"{what} is required")
        return None
    if not re.match(r"^https?://[^\s/]+", url):
        raise UserError(f"{what} must start with http:// or https:// (got {url!r})")
    if "@" in url.split("//", 1)[1].split("/", 1)[0]:
        raise UserError(f"{what} must not carry a user name or password; keys go in a variable")
    return url.rstrip("/")


def validate(config: ProviderConfig) -> ProviderConfig:
    """A cleaned copy of ``config``, or a UserError saying what is wrong."""
    name = " ".join((config.name or "").split())
    if not name:
        raise UserError("a provider needs a name")
    if len(name) > MAX_NAME_LENGTH:
        raise UserError(f"a provider name can have at most {MAX_NAME_LENGTH} characters")
    if config.kind not in KINDS:
        raise UserError(f"unknown provider kind {config.kind!r}; choose one of {', '.join(KINDS)}")
    if config.kind == "engine":
        return BUILT_IN
    if name.casefold() == ENGINE_NAME.casefold():
        raise UserError(f"{ENGINE_NAME!r} is the name of the built-in engine; choose another")
    key_env = (config.key_env or "").strip() or None
    if key_env and not _ENV_NAME.match(key_env):
        raise UserError(
            "the key field takes the NAME of an environment variable or secret (letters, digits "
            "and _, e.g. OPENAI_API_KEY), not the key itself; nothing was saved"
        )
    base_url = _clean_url(
        config.base_url, what="the base URL", required=config.kind == "compatible"
    )
    account = None
    if config.kind == "fireworks":
        account = (config.account or "").strip()
        if not _ACCOUNT.match(account):
            raise UserError(
                "a Fireworks provider needs its account id (lowercase letters, digits and '-', "
                f"as in accounts/<id>/…); got {account!r}"
            )
    endpoint = None
    api_version = None
    deployments: tuple[str, ...] = ()
    if config.kind == "azure":
        endpoint = _clean_url(config.endpoint, what="the Azure endpoint", required=True)
        api_version = (config.api_version or "").strip() or DEFAULT_AZURE_API_VERSION
        deployments = tuple(d.strip() for d in config.deployments if d and d.strip())
        base_url = None
    if key_env is None and (
        config.kind == "azure"
        or (config.kind == "openai" and is_openai_api(base_url))
        or (config.kind in ADAPTER_KINDS and not base_url)
    ):
        key_env = DEFAULT_KEY_ENV[config.kind]  # that key goes only where it is meant
    return ProviderConfig(
        name=name,
        kind=config.kind,
        base_url=base_url,
        endpoint=endpoint,
        api_version=api_version,
        deployments=deployments,
        key_env=key_env,
        can_train=config.can_train if config.kind == "compatible" else False,
        account=account,
    )


def _stored(conn: Any) -> list[ProviderConfig]:
    rows = get_setting(conn, PROVIDERS_SETTING, []) or []
    return [ProviderConfig.from_json(row) for row in rows]


def list_providers(engine: Engine) -> list[ProviderConfig]:
    """The built-in engine first, then the configured providers in the order they were added."""
    with engine.connect() as conn:
        return [BUILT_IN, *_stored(conn)]


def get_provider(engine: Engine, name: str) -> ProviderConfig:
    for config in list_providers(engine):
        if config.name == name:
            return config
    raise NotFoundError(f"there is no provider named {name!r} (it may have been removed)")


def default_provider(engine: Engine) -> ProviderConfig:
    """The provider chosen as default in settings; the built-in engine when none is chosen."""
    with engine.connect() as conn:
        chosen = get_setting(conn, DEFAULT_SETTING)
        configs = [BUILT_IN, *_stored(conn)]
    for config in configs:
        if config.name == chosen:
            return config
    return BUILT_IN


def save_provider(
    engine: Engine, config: ProviderConfig, *, replaces: str | None = None
) -> ProviderConfig:
    """Add a provider, or replace the one named ``replaces`` (an edit, possibly renaming it)."""
    clean = validate(config)
    if clean.kind == "engine":
        raise UserError("the built-in engine is always there and needs no settings")
    with engine.connect() as conn:
        current = _stored(conn)
        default = get_setting(conn, DEFAULT_SETTING)
    names = [c.name for c in current]
    if replaces is not None and replaces not in names:
        raise NotFoundError(f"there is no provider named {replaces!r} (it may have been removed)")
    if clean.name in names and clean.name != replaces:
        raise UserError(f"a provider named {clean.name!r} exists already; choose another name")
    if replaces is None:
        updated = [*current, clean]
    else:
        updated = [clean if c.name == replaces else c for c in current]
    set_setting(engine, PROVIDERS_SETTING, [c.to_json() for c in updated])
    if replaces is not None and clean.name != replaces and default == replaces:
        set_setting(engine, DEFAULT_SETTING, clean.name)
    return clean


def remove_provider(engine: Engine, name: str) -> None:
    """Forget a provider (its jobs stay in the store, listed under its name)."""
    if name == ENGINE_NAME:
        raise UserError("the built-in engine cannot be removed")
    with engine.connect() as conn:
        current = _stored(conn)
        default = get_setting(conn, DEFAULT_SETTING)
    if name not in [c.name for c in current]:
        raise NotFoundError(f"there is no provider named {name!r} (it may have been removed)")
    set_setting(engine, PROVIDERS_SETTING, [c.to_json() for c in current if c.name != name])
    if default == name:
        set_setting(engine, DEFAULT_SETTING, None)


def set_default_provider(engine: Engine, name: str) -> None:
    get_provider(engine, name)
    set_setting(engine, DEFAULT_SETTING, name)
