"""Signed tokens (JWT, HS256 with HUB_SECRET) for conversations, visitors and agents."""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

import jwt

ALGORITHM = "HS256"


class TokenError(Exception):
    """The token is missing, malformed, tampered with, expired or of the wrong kind."""


class Signer:
    def __init__(self, secret: str):
        # a fixed-size HMAC key derived from HUB_SECRET (any length >= 16 characters gives a 256-bit key)
        self._secret = hashlib.sha256(b"sportello-hub-tokens:" + secret.encode()).digest()

    def sign(self, kind: str, claims: dict[str, Any], ttl: float) -> str:
        """A token of `kind` that expires after `ttl` seconds; `jti` lets one token be revoked."""
        now = int(time.time())
        payload = {"typ": kind, "iat": now, "exp": now + int(ttl), "jti": secrets.token_urlsafe(12), **claims}
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str | None, kind: str) -> dict[str, Any]:
        if not token or not isinstance(token, str):
            raise TokenError("missing token")
        try:
            payload = jwt.decode(
                token, self._secret, algorithms=[ALGORITHM], options={"require": ["exp", "iat", "typ"]}
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("expired token") from None
        except (jwt.PyJWTError, ValueError, TypeError):  # incl. text that cannot be encoded
            raise TokenError("invalid token") from None
        if payload.get("typ") != kind:
            raise TokenError("wrong kind of token")
        return payload
