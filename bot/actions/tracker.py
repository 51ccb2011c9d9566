"""Reading the tracker: helpers the actions share (no Rasa events are built here but `noted`)."""

from __future__ import annotations

from typing import Any, Optional

from rasa_sdk import Tracker


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the customer's latest message."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Values of ``entity`` in the customer's latest message."""
    return [
        str(e.get("value")) for e in tracker.latest_message.get("entities") or [] if e.get("entity") == entity
    ]


def user_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The customer's messages in this conversation, oldest first."""
    return [e for e in tracker.events if e.get("event") == "user"]


def noted(tracker: Tracker, *notes: str) -> list[str]:
    """The `bot_tried` list (what the bot already did, for the agent's case card) with ``notes`` added."""
    tried = list(tracker.get_slot("bot_tried") or [])
    for note in notes:
        if note not in tried:
            tried.append(note)
    return tried


def signed_in_email(tracker: Tracker) -> Optional[str]:
    """The e-mail of the customer signed in on the shop's site, as the hub passes it (message
    metadata `verified_email`, from the shop's signed token: docs/widget.md); None otherwise."""
    for event in reversed(user_events(tracker)):
        email = (event.get("metadata") or {}).get("verified_email")
        if email:
            return str(email).strip().lower()
    return None
