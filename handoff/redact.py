"""A logging filter that redacts e-mail addresses, card numbers and tokens from every log record
(also the request line of Sanic's access log, where stream URLs carry `?token=…`)."""

from __future__ import annotations

import logging
import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
# ?token=… / &visitor_token=… in URLs, Bearer credentials, and anything shaped like a JWT
TOKEN_PARAM = re.compile(r"((?:^|[?&;\s])[A-Za-z_]*token=)[^&\s\"']+", re.IGNORECASE)
BEARER = re.compile(r"(Bearer\s+)[^\s\"']+", re.IGNORECASE)
JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}")
EXTRA_FIELDS = ("request",)  # Sanic's access log puts the request line here


def redact(text: str) -> str:
    text = TOKEN_PARAM.sub(r"\1[token]", text)
    text = BEARER.sub(r"\1[token]", text)
    text = JWT.sub("[token]", text)
    text = EMAIL.sub("[email]", text)
    return CARD.sub(lambda m: "[card]" if _luhn(re.sub(r"\D", "", m.group(0))) else m.group(0), text)


def _luhn(digits: str) -> bool:
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (
            TypeError,
            ValueError,
        ):  # a broken format string: leave it to logging to report
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if isinstance(value, str):
                setattr(record, name, redact(value))
        return True


def install(
    logger_names=(
        "",
        "sanic.root",
        "sanic.error",
        "sanic.access",
        "sanic.server",
        "handoff",
    ),
) -> None:
    """Attach the filter to the handlers of the named loggers (idempotent)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        targets = [logger, *logger.handlers]
        for target in targets:
            if not any(isinstance(f, RedactingFilter) for f in target.filters):
                target.addFilter(RedactingFilter())
