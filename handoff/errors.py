"""Errors the hub answers with: a stable code, a clear message, an HTTP status."""

from __future__ import annotations


class ClientError(Exception):
    """A request the hub refuses: a stable `code`, a clear message, an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status

    def as_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


class NotFound(ClientError):
    def __init__(self, code: str = "not_found", message: str = "not found"):
        super().__init__(code, message, 404)
