"""Hand-off to a person: the case summary, the call to the hub and what the customer is told."""

from __future__ import annotations

import logging
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.api.hub import HubClient, HubUnavailable
from bot.actions.api.orders import OrderStoreUnavailable, get_order_store
from bot.actions.tracker import latest_entity_values, latest_intent, user_events
from sportello import shop
from sportello.problems import FRUSTRATED

logger = logging.getLogger(__name__)

# The latest intent → why the customer is being handed over (the reasons of docs/api.md).
REASON_BY_INTENT = {
    "request_human": "request_human",
    "complain": "frustration",
    "ticket_followup": "ticket_followup",
}


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


def register_cues(tracker: Tracker) -> list[str]:
    """The words that set the customer's register (the detector's cues in the messages that were
    clear about it, in the register the conversation is in)."""
    register = tracker.get_slot("register")
    cues: list[str] = []
    for event in user_events(tracker):
        found = (event.get("parse_data") or {}).get("register") or {}
        if register and found.get("value") == register:
            for cue in found.get("cues") or []:
                if cue not in cues:
                    cues.append(cue)
    return cues[:6]


def case_summary(tracker: Tracker, slots: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The case card for the agent, from what the bot gathered so far.

    ``slots`` are values the calling action is setting in this same step (its events reach the
    tracker only afterwards), e.g. what a ticket lookup or a failed delivery change added.
    """
    values = dict(slots or {})

    def slot(name: str) -> Any:
        return values[name] if name in values else tracker.get_slot(name)

    order = slot("order") or None
    customer_words = slot("customer_words")
    if not customer_words:
        texts = [
            e.get("text")
            for e in user_events(tracker)
            if e.get("text") and not str(e.get("text")).startswith("/")
        ]
        customer_words = texts[0] if texts else None
    return {
        "problem_type": slot("problem_type"),
        "order_number": slot("order_number"),
        "description": slot("description"),
        # mail about an order goes to the address on the order, never to one typed in the chat
        "email": (order or {}).get("email") or slot("email"),
        "email_given": slot("email")
        if (order or {}).get("email") and slot("email") != order.get("email")
        else None,
        "mood": slot("mood") or "neutral",
        "mood_reasons": frustration_reasons(tracker),
        "register": slot("register") or None,
        "register_cues": register_cues(tracker),
        "customer_words": customer_words,
        "bot_tried": list(slot("bot_tried") or []),
        "to_check": list(slot("to_check") or []),
        "order": order,
        "customer_name": (order or {}).get("customer_name"),
        # what the customer proved (a typed value is a claim): the hub joins a case, finds the
        # customer's history and the agent trusts the order only on these
        "order_verified": slot("order_verified") or None,
        "email_verified": bool(slot("order_verified") and slot("email_verified")),
    }


def handoff_reason(tracker: Tracker, default: str = "problem") -> str:
    """Why the customer is handed over, from the latest intent and the mood."""
    intent = latest_intent(tracker)
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
    slots: Optional[dict[str, Any]] = None,
) -> list[EventType]:
    """Ask the hub for a person and tell the customer the outcome, from domain responses.

    The hub decides the priority (a frustrated customer goes first) and the wait: `wait` is its
    phrase for the minutes ("circa un minuto", "circa 3 minuti"), from domain.yml's utter_wait_*.
    """
    hub = hub or HubClient.from_settings()
    try:
        result = await hub.handoff(tracker.sender_id, reason, case_summary(tracker, slots), ticket_id)
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
        "eta_minutes": result.get("eta_minutes") or 1,
        "wait": result.get("wait") or "",
    }
    name = f"utter_handoff_{status}"
    if status == "queued" and result.get("eta_minutes") is None:
        # nobody online (everyone away): the wait is unknown, and is not invented
        name += "_unknown_wait"
    if status == "offline" and result.get("reply_by") in ("email", "ask_email"):
        # nobody online: the answer comes by e-mail, to the address on the case, or we ask for one
        name += "_" + result["reply_by"]
        values["email"] = result.get("email") or ""
    dispatcher.utter_message(response=name, **values)
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


class ActionAddCaseDetail(Action):
    """A customer waiting for a person wrote an order number or an e-mail: it goes on the case card
    (the order looked up, with the customer's name), silently — the hub has acknowledged already."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_add_case_detail"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Look the order up and add what the case card lacks at the hub."""
        detail: dict[str, Any] = {}
        events: list[EventType] = []
        number = next(iter(latest_entity_values(tracker, "order_number")), None)
        number = shop.current().order_number(number) if number else None
        if number:
            detail["order_number"] = number
            try:
                allowed = await HubClient.from_settings().order_lookup(tracker.sender_id, "lookup")
                order = await get_order_store().get(number) if allowed else None
            except OrderStoreUnavailable:
                order = None
            if order is not None:
                detail.update(order=order.as_slot(), customer_name=order.customer_name, email=order.email)
                events += [SlotSet("order", order.as_slot()), SlotSet("order_product", order.product)]
            events.append(SlotSet("order_number", number))
        email = next(iter(latest_entity_values(tracker, "email")), None)
        if email:
            detail["email"] = email.lower()
            events.append(SlotSet("email", email.lower()))
        detail = {k: v for k, v in detail.items() if v}
        if detail:
            try:
                await HubClient.from_settings().handoff(tracker.sender_id, "problem", detail)
            except HubUnavailable as exc:
                logger.warning("case detail of %s not stored: %s", tracker.sender_id, exc)
        return events
