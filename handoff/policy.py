"""The hub's policies, each written once: hand-off reasons, priority, the wait in minutes.

Which moods raise the priority and how problem types are labelled and routed come from the
problem registry (bot/problems.yml), which the bot reads too.
"""

from __future__ import annotations

import math

from sportello.problems import Registry

REASONS = (
    "request_human",
    "frustration",
    "fallback",
    "problem",
    "ticket_followup",
    "bot_unavailable",
)
PRIORITIES = ("normal", "high")


def priority_for(registry: Registry, reason: str, mood: str | None, requested: str | None) -> str:
    """High when the caller asks for it, the customer is frustrated, or the mood raises it."""
    if requested == "high" or reason == "frustration" or registry.mood_raises_priority(mood):
        return "high"
    return "normal"


def eta_minutes(seconds: float | None) -> int | None:
    """The wait customers are told, in whole minutes: rounded up (never promise less), at least 1.

    The hub sends it with every queued hand-off (`eta_minutes`), so the bot's sentence and the
    widget's banner say the same number.
    """
    if seconds is None or seconds < 0:
        return None
    return max(1, math.ceil(seconds / 60))


def wait_response(minutes: int | None) -> str:
    """Which of domain.yml's wait phrases fits the number (Italian agrees: un minuto, 3 minuti)."""
    return "utter_wait_one" if minutes == 1 else "utter_wait_many"
