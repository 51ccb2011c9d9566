"""Identifiers: random conversation/visitor ids, ticket codes (T + 8 unambiguous characters), and
the order of Redis stream ids."""

from __future__ import annotations

import re
import secrets

TICKET_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
TICKET_DIGITS = "23456789"
TICKET_RE = re.compile(r"^T[" + TICKET_ALPHABET + r"]{8}$")
CONVERSATION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_conversation_id() -> str:
    return secrets.token_urlsafe(16)


def new_visitor_id() -> str:
    return secrets.token_urlsafe(16)


def new_agent_id() -> str:
    return "ag_" + secrets.token_urlsafe(8)


def new_ticket_id() -> str:
    """T followed by 8 characters of TICKET_ALPHABET, at least one of them a digit."""
    while True:
        body = "".join(secrets.choice(TICKET_ALPHABET) for _ in range(8))
        if any(ch in TICKET_DIGITS for ch in body):
            return "T" + body


def is_ticket_id(value: object) -> bool:
    return (
        isinstance(value, str) and bool(TICKET_RE.match(value)) and any(c in TICKET_DIGITS for c in value[1:])
    )


def is_conversation_id(value: object) -> bool:
    return isinstance(value, str) and bool(CONVERSATION_ID_RE.match(value))


def stream_order(eid: str) -> tuple[int, int]:
    """A Redis stream id ("ms-seq") as a sortable pair; (0, 0) for anything else."""
    ms, _, seq = str(eid).partition("-")
    try:
        return int(ms), int(seq or 0)
    except ValueError:
        return 0, 0
