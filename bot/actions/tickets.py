"""Returning customers: back to the same case, once the customer shows it is theirs."""

from __future__ import annotations

import re
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.api.hub import HubClient, HubUnavailable
from bot.actions.api.orders import OrderStoreUnavailable, get_order_store
from bot.actions.handoff import perform_handoff
from bot.actions.tracker import user_events
from sportello import shop

TICKET = re.compile(r"(?<![A-Za-z0-9])([Tt](?=[A-Za-z0-9]{0,7}[0-9])[A-Za-z0-9]{8})(?![A-Za-z0-9])")
NO_TICKET = "-"


def extract_ticket_id(text: Any) -> Optional[str]:
    """The ticket code in ``text``, upper-cased (customers often type it in lower case)."""
    match = TICKET.search(str(text or ""))
    return match.group(1).upper() if match else None


def visitor_of(tracker: Tracker) -> str:
    """The browser the customer writes from (the hub sends it as message metadata)."""
    for event in reversed(user_events(tracker)):
        visitor = (event.get("metadata") or {}).get("visitor_id")
        if visitor:
            return str(visitor)
    return ""


async def proves(text: Any, ticket: dict[str, Any]) -> Optional[str]:
    """How ``text`` proves the ticket is the writer's: the ticket's order number together with the
    order's e-mail or delivery postcode (the order store's, a second fact only the buyer knows);
    None otherwise. An e-mail alone proves nothing: anyone can know someone's address."""
    number = shop.current().order_number(str(text or ""))
    if not number or not ticket.get("order_number") or number != str(ticket["order_number"]):
        return None
    try:
        order = await get_order_store().get(number)
    except OrderStoreUnavailable:
        return None
    return order.proven_by(text) if order is not None else None


class ValidateTicketForm(FormValidationAction):
    """Asks for the ticket code ("non ce l'ho" is a fine answer) and, to reopen someone's case with
    its history, for the e-mail or the order number on it — unless they write from the same browser."""

    def name(self) -> str:
        """The validator's name (rasa-sdk pairs it with ticket_form)."""
        return "validate_ticket_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The proof is asked only for a code that exists and was not verified yet."""
        code = tracker.get_slot("ticket_id")
        if code and code != NO_TICKET and tracker.get_slot("ticket_verified") is None:
            return ["ticket_id", "ticket_proof"]
        return ["ticket_id"]

    async def validate_ticket_id(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Look the code up; from the browser that opened it, the case is the customer's already."""
        code = extract_ticket_id(slot_value)
        if not code:
            return {"ticket_id": NO_TICKET}
        try:
            ticket = await HubClient.from_settings().ticket(code)
        except HubUnavailable:
            dispatcher.utter_message(response="utter_ticket_lookup_failed")
            return {"ticket_id": NO_TICKET}
        # a code that does not exist is asked for its proof like one that does: the bot never
        # tells which codes exist
        visitor = visitor_of(tracker)
        same_browser = ticket is not None and bool(visitor) and visitor == ticket.get("visitor_id")
        return {"ticket_id": code, "ticket_verified": True if same_browser else None}

    async def validate_ticket_proof(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Check the order number and its e-mail or postcode against the ticket's order."""
        code = tracker.get_slot("ticket_id")
        hub = HubClient.from_settings()
        try:
            ticket = await hub.ticket(code) or {}
        except HubUnavailable:
            ticket = {}
        how = await proves(slot_value, ticket)
        if not how:
            await hub.order_lookup(tracker.sender_id, "failed_proof")  # counted like a failed login
        result: dict[str, Any] = {"ticket_proof": str(slot_value or "")[:200], "ticket_verified": bool(how)}
        if how:
            result.update(order_verified=how, email_verified=how == "email")
        return result


class ActionTicketFollowup(Action):
    """Back to the same case (and agent) when it is proven to be the customer's; else a new case."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_ticket_followup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Say what happens, then hand off with reason ``ticket_followup``."""
        code = extract_ticket_id(tracker.get_slot("ticket_id"))
        hub = HubClient.from_settings()
        carried: dict[str, Any] = {}
        ticket_id: Optional[str] = None
        if code and tracker.get_slot("ticket_verified"):
            try:
                ticket = await hub.ticket(code)
            except HubUnavailable:
                ticket = None
                dispatcher.utter_message(response="utter_ticket_lookup_failed")
            if ticket is not None:
                ticket_id = code
                dispatcher.utter_message(response="utter_ticket_found", ticket_id=code)
                summary = ticket.get("summary") or {}
                for slot in ("problem_type", "order_number", "description", "email"):
                    if summary.get(slot) and not tracker.get_slot(slot):
                        carried[slot] = summary[slot]
                if tracker.get_slot("order_verified"):
                    carried["order_verified"] = tracker.get_slot("order_verified")
                    carried["email_verified"] = tracker.get_slot("email_verified")
        elif code:
            # Not proven: a fresh case, which says which code the customer quoted so that the agent
            # can link it if it is theirs — never the other case's history.
            dispatcher.utter_message(response="utter_ticket_proof_failed", ticket_id=code)
            notes = list(tracker.get_slot("bot_tried") or [])
            carried["bot_tried"] = [*notes, f"cita la pratica {code}, non verificata: collegarla se è sua"]
        events: list[EventType] = [SlotSet(slot, value) for slot, value in carried.items()]
        return events + await perform_handoff(
            dispatcher, tracker, "ticket_followup", ticket_id=ticket_id, hub=hub, slots=carried
        )
