"""Checks of what clients send, before anything is stored: one place, one error code each."""

from __future__ import annotations

import json
import re
from typing import Any

from handoff.errors import ClientError, NotFound
from handoff.ids import is_conversation_id, is_ticket_id
from handoff.policy import PRIORITIES, REASONS

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
AGENT_ID_RE = re.compile(r"^ag_[A-Za-z0-9_-]{4,40}$")
STREAM_ID_RE = re.compile(r"^(\d{1,20})-(\d{1,20})$")
UINT64 = 2**64
MAX_JSON_DEPTH = 16  # the deepest document the hub accepts: a case summary's order is 3 levels
SUMMARY_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SUMMARY_MAX_BYTES = 16 * 1024
# exactly one address: a name, one @, a domain with a dot; no spaces, commas, quotes or line breaks
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}$"
)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def json_object(raw: str | bytes | bytearray, what: str = "body") -> dict[str, Any]:
    """The one way the hub decodes what clients send (bodies and WebSocket frames).

    Refused with `invalid_json`, so nothing unstorable ever reaches Redis, a password hasher or a
    token library: bytes that are not UTF-8, text that is not JSON, NaN/Infinity, nesting deeper
    than MAX_JSON_DEPTH, strings with lone UTF-16 surrogates ("\ud800"), a document that is not
    an object.
    """
    try:
        if isinstance(raw, (bytes, bytearray)):
            raw = bytes(raw).decode("utf-8")
        data = json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise ClientError("invalid_json", f"the {what} is nested too deeply") from None
    except (ValueError, TypeError):  # includes UnicodeDecodeError and JSONDecodeError
        raise ClientError("invalid_json", f"the {what} is not valid JSON") from None
    if not isinstance(data, dict):
        raise ClientError("invalid_json", f"the {what} must be a JSON object")
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise ClientError("invalid_json", f"the {what} is nested too deeply")
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            for part in (key, value):
                if isinstance(part, str):
                    try:
                        part.encode("utf-8")
                    except UnicodeEncodeError:
                        raise ClientError(
                            "invalid_json", f"the {what} has text that is not valid Unicode"
                        ) from None
            if isinstance(value, (dict, list)):
                stack.append((value, depth + 1))
    return data


def text(value: Any, max_length: int, *, allow_empty: bool = False) -> str:
    """A message or note text: a string, stripped, not empty (unless allowed), not too long."""
    if value is None and allow_empty:
        return ""
    if not isinstance(value, str):
        raise ClientError("invalid_message", "text must be a string")
    value = value.strip()
    if not value and not allow_empty:
        raise ClientError("empty_message", "text must not be empty")
    if len(value) > max_length:
        raise ClientError("too_long", f"text is longer than {max_length} characters", 413)
    return value


def client_id(value: Any) -> str:
    """The client's id of a message (a UUID): retries with the same id are stored once."""
    if not isinstance(value, str) or not CLIENT_ID_RE.match(value):
        raise ClientError("invalid_client_id", "client_id must be a UUID (8-64 letters, digits, - or _)")
    return value


def conversation_id(value: Any) -> str:
    """A conversation id as the hub issues them; anything else cannot exist (404)."""
    if not is_conversation_id(value):
        raise NotFound("conversation_not_found", "this conversation does not exist (any more)")
    return value


def agent_id(value: Any) -> str:
    if not isinstance(value, str) or not AGENT_ID_RE.match(value):
        raise ClientError("invalid_agent_id", "agent_id must be an agent's id (ag_…)")
    return value


def stream_id(value: Any) -> str | None:
    """An event id to resume after (`1700000000000-0`), or None; each part fits in 64 bits."""
    if value is None or value == "":
        return None
    match = STREAM_ID_RE.match(value) if isinstance(value, str) else None
    if not match or any(int(part) >= UINT64 for part in match.groups()):
        raise ClientError("invalid_after", "after must be an event id such as 1700000000000-0")
    return value


def reason(value: Any) -> str:
    if value not in REASONS:
        raise ClientError("invalid_reason", f"reason must be one of {', '.join(REASONS)}")
    return value


def priority(value: Any) -> str | None:
    if value is not None and value not in PRIORITIES:
        raise ClientError("invalid_priority", "priority must be 'normal' or 'high'")
    return value


def ticket_id(value: Any) -> str | None:
    """An optional ticket code (`T6QYJ5XKA`), upper-cased; '' counts as none."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = value.strip().upper()
    if not is_ticket_id(value):
        raise ClientError("invalid_ticket_id", "ticket_id must look like T6QYJ5XKA")
    return value


def summary(value: Any) -> dict[str, Any]:
    """The bot's case card: the documented fields plus any extra simple ones (e.g. mood_reasons).

    Strings, numbers and lists of them are kept; `order` may be an object; empty values are
    dropped; the whole card must stay under 16 KiB.
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ClientError("invalid_summary", "summary must be an object")
    clean: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not SUMMARY_KEY_RE.match(key):
            raise ClientError("invalid_summary", f"summary key {str(key)[:40]!r} is not a field name")
        if isinstance(item, dict):
            if key != "order":
                raise ClientError("invalid_summary", f"summary.{key} must be a string")
        elif isinstance(item, list):
            if not all(isinstance(v, (str, int, float)) for v in item):
                raise ClientError("invalid_summary", f"summary.{key} must be a list of strings")
            item = [str(v).strip()[:500] for v in item][:30]
        elif isinstance(item, bool):
            item = "yes" if item else "no"
        elif isinstance(item, (int, float)):
            item = str(item)
        elif isinstance(item, str):
            item = item.strip()[:4000]
        elif item is not None:
            raise ClientError("invalid_summary", f"summary.{key} must be a string")
        if key == "email" and item not in (None, ""):
            item = email(item)
        if item not in (None, "", [], {}):
            clean[key] = item
    if len(json.dumps(clean, ensure_ascii=False).encode()) > SUMMARY_MAX_BYTES:
        raise ClientError("invalid_summary", "summary is larger than 16 KiB", 413)
    return clean


def email(value: Any) -> str:
    """One e-mail address, lower-cased: never a list, never a header's worth of anything else."""
    if not isinstance(value, str) or len(value.strip()) > 254 or not EMAIL_RE.match(value.strip()):
        raise ClientError("invalid_email", "email must be one e-mail address (name@example.it)")
    return value.strip().lower()


def rating(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ClientError("invalid_rating", "rating must be an integer from 1 to 5")
    return value


OUTCOMES = ("solved", "replacement", "refund", "no_reply")


def outcome(value: Any) -> str | None:
    """How an agent closed a case (optional): solved, replacement, refund or no_reply."""
    if value is None or value == "":
        return None
    if value not in OUTCOMES:
        raise ClientError("invalid_outcome", f"outcome must be one of {', '.join(OUTCOMES)}")
    return value
