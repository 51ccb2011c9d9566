"""Errors the hub answers with: a stable code, a clear message, an HTTP status."""

from __future__ import annotations

import math


class ClientError(Exception):
    """A request the hub refuses: a stable `code`, a clear message, an HTTP status and, for a
    refusal that passes (429, 503), how many seconds to wait before retrying."""

    def __init__(self, code: str, message: str, status: int = 400, retry_after: float | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.retry_after = None if retry_after is None else max(1, math.ceil(retry_after))

    def as_dict(self) -> dict[str, str | int]:
        body: dict[str, str | int] = {"error": self.code, "message": self.message}
        if self.retry_after is not None:
            body["retry_after"] = self.retry_after
        return body

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


class NotFound(ClientError):
    def __init__(self, code: str = "not_found", message: str = "not found"):
        super().__init__(code, message, 404)


class Unauthorized(ClientError):
    def __init__(self, code: str = "unauthorized", message: str = "not allowed"):
        super().__init__(code, message, 401)


class RateLimited(ClientError):
    def __init__(self, message: str, retry_after: float):
        super().__init__("rate_limited", message, 429, retry_after)


class Unavailable(ClientError):
    """Redis (or another part the hub needs) does not answer: retry in a moment."""

    def __init__(self, retry_after: float = 2):
        super().__init__(
            "unavailable", "the service is briefly unavailable; retry in a moment", 503, retry_after
        )
