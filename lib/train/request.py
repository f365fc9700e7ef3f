"""What a launch asks for, checked, and its idempotency key.

The key is a hash of the settings and of this store's own id: the same settings give the same
key in every tab (so a second tab finds the first tab's job), and two Tunelab stores using one
provider account never mistake each other's jobs.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine

from lib.core.errors import UserError
from lib.core.settings import claim_setting, get_setting
from lib.core.tokens import is_fine_tuned
from lib.providers.service import ProviderConfig, capabilities
from lib.train.repo import JobRow

METADATA_KEY = "tunelab_key"
STORE_ID_SETTING = "train.store_id"
LAUNCH_LEASE = timedelta(minutes=15)
MAX_SUFFIX = 64
HYPERPARAMETERS = {
    "supervised": ("n_epochs", "batch_size", "learning_rate_multiplier"),
    "dpo": ("n_epochs", "batch_size", "learning_rate_multiplier", "beta"),
}
_SUFFIX = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass(frozen=True, slots=True)
class LaunchRequest:
    """Everything a launch needs except the idempotency key (see :func:`launch_key`)."""

    snapshot_id: int
    provider: str
    model: str
    method: str = "supervised"
    hyperparameters: dict[str, Any] = field(default_factory=dict)  # absent = "auto"
    suffix: str | None = None
    seed: int | None = None
    use_valid: bool = True
    estimated_tokens: int | None = None
    estimated_cost: float | None = None


@dataclass(frozen=True, slots=True)
class LaunchResult:
    job: JobRow
    created: bool  # this call created (or adopted) the provider's job
    message: str


def _canonical(request: LaunchRequest) -> dict[str, Any]:
    data = asdict(request)
    data.pop("estimated_tokens")
    data.pop("estimated_cost")
    data["hyperparameters"] = dict(sorted(clean_hyperparameters(request).items()))
    return data


def store_id(engine: Engine) -> str:
    """A random id of this store, made once: keys from two stores never collide at a provider."""
    with engine.connect() as conn:
        known = get_setting(conn, STORE_ID_SETTING)
    if known:
        return str(known)
    claim_setting(engine, STORE_ID_SETTING, uuid.uuid4().hex)  # the first caller's id wins
    with engine.connect() as conn:
        return str(get_setting(conn, STORE_ID_SETTING))


def launch_key(engine: Engine, request: LaunchRequest, *, attempt: int = 1) -> str:
    """The idempotency key of ``request``: the same settings give the same key in every tab.

    A user who really wants a second job with identical settings asks for ``attempt=2`` (and
    again every tab that asks for attempt 2 gets the same key). The store's own id is part of
    the key, so another Tunelab using the same account never adopts this store's jobs.
    """
    text = json.dumps(
        {"store": store_id(engine), **_canonical(request)}, sort_keys=True, ensure_ascii=False
    )
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
    return f"tl-{digest}-{attempt}"


def new_key() -> str:
    """A random key, for callers that want one per form rather than one per settings."""
    return f"tl-{uuid.uuid4().hex}"


def clean_hyperparameters(request: LaunchRequest) -> dict[str, Any]:
    """Only the values the user set, checked; "auto" and empty values are left out."""
    allowed = HYPERPARAMETERS.get(request.method, HYPERPARAMETERS["supervised"])
    out: dict[str, Any] = {}
    for name, value in (request.hyperparameters or {}).items():
        if value in (None, "", "auto"):
            continue
        if name not in allowed:
            raise UserError(f"{name} is not a hyperparameter of the {request.method} method")
        number = float(value)
        if number <= 0:
            raise UserError(f"{name} must be a positive number (got {value!r})")
        if name in ("n_epochs", "batch_size"):
            if number != int(number):
                raise UserError(f"{name} must be a whole number (got {value!r})")
            out[name] = int(number)
        else:
            out[name] = number
    return out


def validate_request(request: LaunchRequest, config: ProviderConfig) -> None:
    """Refuse what the provider cannot do, with the reason, before anything is claimed."""
    caps = capabilities(config)
    if not caps.can_train:
        raise UserError(f"{config.name} is not set up for fine-tuning; choose another provider")
    if request.method not in caps.methods:
        offered = ", ".join(caps.methods) or "none"
        raise UserError(
            f"{config.name} does not offer the {request.method} method (it offers: {offered})"
        )
    if not request.model.strip():
        raise UserError("choose a base model (or a fine-tuned model to continue)")
    if is_fine_tuned(request.model) and not caps.continue_training:
        raise UserError(f"{config.name} cannot continue training a fine-tuned model")
    suffix = request.suffix or ""
    if suffix and (len(suffix) > MAX_SUFFIX or not _SUFFIX.match(suffix)):
        raise UserError(
            f"the suffix may have up to {MAX_SUFFIX} letters, digits, '.', '_' or '-' "
            f"(got {suffix!r})"
        )
    if request.seed is not None and not 0 <= int(request.seed) <= 2**31 - 1:
        raise UserError("the seed must be a whole number between 0 and 2147483647")
    clean_hyperparameters(request)
