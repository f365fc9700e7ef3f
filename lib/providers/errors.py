"""One translation from the ``openai`` SDK's exceptions to sentences for people.

A 403 from OpenAI about fine-tuning explains the self-serve wind-down (design.md §7); every
message is scrubbed of anything that looks like a key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from lib.core.errors import UserError
from lib.providers.clients import api_key, base_url_of, key_env_of
from lib.providers.config import WIND_DOWN_TEXT, ProviderConfig

if TYPE_CHECKING:
    import openai

# ---------------------------------------------------------------------------- errors

_KEYISH = re.compile(r"\b(sk-[A-Za-z0-9_\-*.]{4,}|[A-Fa-f0-9]{32,})")


def redact(text: str, *, secret: str | None = None) -> str:
    """``text`` with anything that looks like a key (and ``secret`` itself) removed."""
    if secret:
        text = text.replace(secret, "[redacted]")
    return _KEYISH.sub("[redacted]", text)


def _server_message(exc: openai.APIError) -> str:
    body = exc.body
    message = ""
    if isinstance(body, Mapping):
        inner = body.get("error")
        source = inner if isinstance(inner, Mapping) else body
        message = str(source.get("message") or "")
    return redact(message or str(exc.message or ""))


def translate_error(
    exc: BaseException,
    *,
    config: ProviderConfig | None = None,
    action: str = "do that",
    secret: str | None = None,
) -> UserError:
    """A sentence for a person from an ``openai`` exception (never a key, never a traceback)."""
    import openai

    who = "The provider"
    if config is not None:
        same = config.name == config.kind_label
        who = config.name if same else f"{config.name} ({config.kind_label})"
    where = base_url_of(config) if config else "the server"
    if isinstance(exc, UserError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return UserError(
            f"{who} did not answer in time while trying to {action}; it may be busy or "
            "unreachable — try again in a moment"
        )
    if isinstance(exc, openai.APIConnectionError):
        return UserError(
            f"could not reach {who} at {where} to {action}: check the address, your network, "
            "and that the server is running"
        )
    if not isinstance(exc, openai.APIError):
        return UserError(redact(f"{who}: could not {action}: {exc}", secret=secret))
    said = redact(_server_message(exc), secret=secret)
    said_part = f" It said: {said}" if said else ""
    if isinstance(exc, openai.AuthenticationError):
        env = (key_env_of(config) if config else None) or "the key variable"
        return UserError(
            f"{who} refused the API key (401) while trying to {action}: check that {env} holds "
            f"a valid, active key for this provider.{said_part}"
        )
    if isinstance(exc, openai.PermissionDeniedError):
        text = f"{who} says this account is not allowed to {action} (403 permission denied).{said_part}"
        if config is not None and config.kind == "openai" and _about_training(action, said):
            text += (
                f" {WIND_DOWN_TEXT} Until the shutdown the account may still use its existing "
                "fine-tuned models and run evaluations with them; it may not start new jobs."
            )
        else:
            text += (
                " The key works but lacks this permission: ask the account's administrator to "
                "grant it (project role, model access or region), or use another provider."
            )
        return UserError(text)
    if isinstance(exc, openai.NotFoundError):
        hint = (
            " On Azure, chat models are called by their deployment name."
            if config is not None and config.kind == "azure"
            else ""
        )
        return UserError(
            f"{who} does not know what was asked for (404) while trying to {action}: it may have "
            f"been deleted, or the name is wrong.{hint}{said_part}"
        )
    if isinstance(exc, openai.RateLimitError):
        if (exc.code or "") == "insufficient_quota" or "quota" in said.lower():
            return UserError(
                f"{who} says the account has run out of quota (429) while trying to {action}: "
                f"check its plan and billing.{said_part}"
            )
        return UserError(
            f"{who} is rate-limiting requests (429) and still refused after retrying while "
            f"trying to {action}: wait a minute and try again.{said_part}"
        )
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return UserError(f"{who} rejected the request to {action} (400).{said_part}")
    if isinstance(exc, openai.ConflictError):
        return UserError(f"{who} refused to {action} in the current state (409).{said_part}")
    if isinstance(exc, openai.InternalServerError):
        return UserError(
            f"{who} had an internal error while trying to {action} and still failed after "
            f"retrying: try again later.{said_part}"
        )
    status = getattr(exc, "status_code", None)
    code = f" ({status})" if status else ""
    return UserError(f"{who} could not {action}{code}.{said_part}")


def _about_training(action: str, said: str) -> bool:
    text = f"{action} {said}".lower()
    return any(word in text for word in ("fine-tun", "fine_tun", "finetun", "train", "job"))


@contextmanager
def provider_errors(
    config: ProviderConfig | None, action: str, *, secrets: Mapping[str, Any] | None = None
) -> Iterator[None]:
    """``with provider_errors(config, "list models"): ...`` — SDK errors become UserErrors."""
    import openai

    try:
        yield
    except UserError:
        raise
    except (openai.OpenAIError, OSError) as exc:
        secret = api_key(config, secrets=secrets) if config else None
        raise translate_error(exc, config=config, action=action, secret=secret) from None
