"""API errors in OpenAI's JSON shape: ``{"error": {"message", "type", "param", "code"}}``.

Handlers raise :class:`ApiError`; the server turns it into the response, so every error a
client sees has the same shape and the status code the SDK maps to its exception classes.
"""

from __future__ import annotations

from typing import Any

_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    429: "rate_limit_error",
    500: "server_error",
}


class ApiError(Exception):
    """An error answered to the client with ``status`` and OpenAI's error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type_: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.param = param
        self.code = code
        self.type = type_ or _TYPES.get(status, "invalid_request_error")

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    """A 400 for a parameter the client got wrong."""
    return ApiError(400, message, param=param, code=code)


def not_found(kind: str, ident: str, *, param: str | None = None) -> ApiError:
    """A 404 worded like OpenAI's (``No such File object: file-…``)."""
    return ApiError(
        404, f"No such {kind}: {ident}", param=param, code=f"{kind.split()[0].lower()}_not_found"
    )
