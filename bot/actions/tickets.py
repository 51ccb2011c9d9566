"""Returning customers: back to the same agent with the earlier case."""

from __future__ import annotations

import re
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.api.hub import HubClient, HubUnavailable
from bot.actions.handoff import perform_handoff

TICKET = re.compile(r"(?<![A-Za-z0-9])([Tt](?=[A-Za-z0-9]{0,7}[0-9])[A-Za-z0-9]{8})(?![A-Za-z0-9])")
NO_TICKET = "-"


def extract_ticket_id(text: Any) -> Optional[str]:
    """The ticket code in ``text``, upper-cased (customers often type it in lower case)."""
    match = TICKET.search(str(text or ""))
    return match.group(1).upper() if match else None


class ValidateTicketForm(FormValidationAction):
    """Asks for the ticket code; "non ce l'ho" is a fine answer."""

    def name(self) -> str:
        """The validator's name (rasa-sdk pairs it with ticket_form)."""
        return "validate_ticket_form"

    async def validate_ticket_id(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Keep a well-formed code; without one, continue and let the hub find the case."""
        code = extract_ticket_id(slot_value)
        if code:
            return {"ticket_id": code}
        return {"ticket_id": NO_TICKET}


class ActionTicketFollowup(Action):
    """Look the ticket up through the hub and go back to the same agent."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_ticket_followup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Say what was found, then hand off with reason ``ticket_followup``."""
        code = extract_ticket_id(tracker.get_slot("ticket_id"))
        hub = HubClient.from_settings()
        ticket_id: Optional[str] = None
        carried: dict[str, Any] = {}
        if code:
            try:
                ticket = await hub.ticket(code)
            except HubUnavailable:
                ticket = None
                dispatcher.utter_message(response="utter_ticket_lookup_failed")
            else:
                if ticket is None:
                    dispatcher.utter_message(response="utter_ticket_not_found", ticket_id=code)
                else:
                    ticket_id = code
                    dispatcher.utter_message(response="utter_ticket_found", ticket_id=code)
                    summary = ticket.get("summary") or {}
                    for slot in ("problem_type", "order_number", "description", "email"):
                        if summary.get(slot) and not tracker.get_slot(slot):
                            carried[slot] = summary[slot]
        events: list[EventType] = [SlotSet(slot, value) for slot, value in carried.items()]
        return events + await perform_handoff(
            dispatcher, tracker, "ticket_followup", ticket_id=ticket_id, hub=hub, slots=carried
        )
