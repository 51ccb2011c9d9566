"""Hand-off to a person: the case summary, the call to the hub and what the customer is told."""

from __future__ import annotations

import logging
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.api.hub import HubClient, HubUnavailable

logger = logging.getLogger(__name__)

FRUSTRATED = "frustrated"
# The latest intent → why the customer is being handed over (DESIGN.md's reasons).
REASON_BY_INTENT = {
    "request_human": "request_human",
    "complain": "frustration",
    "ticket_followup": "ticket_followup",
}


def user_events(tracker: Tracker) -> list[dict[str, Any]]:
    """The customer's messages in this conversation, oldest first."""
    return [e for e in tracker.events if e.get("event") == "user"]


def frustration_reasons(tracker: Tracker) -> list[str]:
    """Why the frustration detector flagged the customer, over the whole conversation."""
    reasons: list[str] = []
    for event in user_events(tracker):
        parse = event.get("parse_data") or {}
        detected = any(e.get("entity") == "mood" for e in parse.get("entities") or [])
        if detected or (parse.get("intent") or {}).get("name") == "complain":
            for reason in (parse.get("frustration") or {}).get("reasons") or []:
                if reason not in reasons:
                    reasons.append(reason)
            if (parse.get("intent") or {}).get("name") == "complain" and "complain" not in reasons:
                reasons.append("complain")
    return reasons


def case_summary(tracker: Tracker) -> dict[str, Any]:
    """The case card for the agent, from what the bot gathered so far."""
    order = tracker.get_slot("order") or None
    customer_words = tracker.get_slot("customer_words")
    if not customer_words:
        texts = [
            e.get("text")
            for e in user_events(tracker)
            if e.get("text") and not str(e.get("text")).startswith("/")
        ]
        customer_words = texts[0] if texts else None
    mood = tracker.get_slot("mood") or "neutral"
    summary: dict[str, Any] = {
        "problem_type": tracker.get_slot("problem_type"),
        "order_number": tracker.get_slot("order_number"),
        "description": tracker.get_slot("description"),
        "email": tracker.get_slot("email") or (order or {}).get("email"),
        "mood": mood,
        "mood_reasons": frustration_reasons(tracker),
        "customer_words": customer_words,
        "bot_tried": list(tracker.get_slot("bot_tried") or []),
        "order": order,
        "customer_name": (order or {}).get("customer_name"),
    }
    return summary


def handoff_reason(tracker: Tracker, default: str = "problem") -> str:
    """The reason DESIGN.md's contract expects, from the latest intent and the mood."""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if intent in REASON_BY_INTENT:
        return REASON_BY_INTENT[intent]
    if tracker.get_slot("mood") == FRUSTRATED:
        return "frustration"
    return default


async def perform_handoff(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: str,
    ticket_id: Optional[str] = None,
    hub: Optional[HubClient] = None,
) -> list[EventType]:
    """Ask the hub for a person and tell the customer the outcome, from domain responses."""
    hub = hub or HubClient.from_settings()
    summary = case_summary(tracker)
    priority = "high" if summary["mood"] == FRUSTRATED or reason == "frustration" else "normal"
    try:
        result = await hub.handoff(tracker.sender_id, reason, summary, ticket_id, priority)
    except HubUnavailable as exc:
        logger.warning("hand-off of %s failed: %s", tracker.sender_id, exc)
        dispatcher.utter_message(response="utter_handoff_failed")
        return [SlotSet("handoff_status", "failed")]

    status = result["status"]
    agent = result.get("agent") or {}
    values = {
        "agent_name": agent.get("name") or "",
        "ticket_id": result.get("ticket_id") or "",
        "queue_position": result.get("queue_position") or 1,
        "eta_minutes": max(1, round((result.get("eta_seconds") or 60) / 60)),
    }
    dispatcher.utter_message(response=f"utter_handoff_{status}", **values)
    return [
        SlotSet("handoff_status", status),
        SlotSet("agent_name", values["agent_name"] or None),
        SlotSet("ticket_id", values["ticket_id"] or None),
    ]


class ActionHandoff(Action):
    """Hand the conversation to a person, carrying everything gathered so far."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Call the hub with the reason and the case summary; say who takes over."""
        reason = handoff_reason(tracker, default="request_human")
        if reason == "request_human":
            dispatcher.utter_message(response="utter_request_human_ack")
        return await perform_handoff(dispatcher, tracker, reason)
