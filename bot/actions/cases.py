"""Listening to a problem and gathering the case: LATTE's acknowledge → apologise → gather → confirm."""

from __future__ import annotations

import re
from typing import Any, Optional

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.api.orders import (
    Order,
    OrderStoreUnavailable,
    extract_order_number,
    get_order_store,
)
from bot.actions.handoff import FRUSTRATED, perform_handoff
from bot.intents import PROBLEM_INTENTS

# Problems whose policy the bot explains itself before gathering the case.
POLICY_RESPONSES = {
    "return_request": "utter_policy_return",
    "refund_request": "utter_policy_refund",
    "cancel_order": "utter_policy_refund",
}
# A first message at least this long already tells the story: it is not asked again.
STORY_MIN_WORDS = 8
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
NO_ORDER_NUMBER = "-"
MAX_ORDER_ATTEMPTS = 2
CASE_SLOTS = (
    "order_number",
    "description",
    "email",
    "summary_confirmed",
    "order",
    "order_product",
    "order_lookup_failures",
    "handoff_status",
    "agent_name",
    "ticket_id",
    "bot_tried",
    "customer_words",
)


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the customer's latest message."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Values of ``entity`` in the customer's latest message."""
    return [
        str(e.get("value")) for e in tracker.latest_message.get("entities") or [] if e.get("entity") == entity
    ]


def tried(tracker: Tracker, note: str) -> SlotSet:
    """Record, for the agent's case card, something the bot already did."""
    notes = list(tracker.get_slot("bot_tried") or [])
    if note not in notes:
        notes.append(note)
    return SlotSet("bot_tried", notes)


class ActionStartCase(Action):
    """Acknowledge the specific problem, apologise once, and open the case."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_start_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Say the acknowledgement and the apology; remember the customer's own words."""
        problem = latest_intent(tracker)
        if problem not in PROBLEM_INTENTS:
            problem = tracker.get_slot("problem_type") or "item_damaged"
        events: list[EventType] = []
        # A new case after an earlier hand-off starts clean; within one case, keep what we know.
        if tracker.get_slot("handoff_status"):
            events += [SlotSet(slot, None) for slot in CASE_SLOTS]
            events.append(SlotSet("apologised_for", []))
            apologised: list[str] = []
        else:
            apologised = list(tracker.get_slot("apologised_for") or [])
        same_problem = problem == tracker.get_slot("problem_type") and not tracker.get_slot("handoff_status")

        dispatcher.utter_message(response=f"utter_ack_{problem}")
        if problem not in apologised:
            dispatcher.utter_message(response="utter_apologise")
            apologised.append(problem)
        if problem in POLICY_RESPONSES:
            dispatcher.utter_message(response=POLICY_RESPONSES[problem])
            events.append(tried(tracker, "spiegata la politica di resi e rimborsi"))

        text = (tracker.latest_message.get("text") or "").strip()
        events += [SlotSet("problem_type", problem), SlotSet("apologised_for", apologised)]
        if not same_problem or not tracker.get_slot("customer_words"):
            events.append(SlotSet("customer_words", text))
        if len(text.split()) >= STORY_MIN_WORDS:
            events.append(SlotSet("description", text))
        return events


async def check_order_number(
    value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, reflect: bool
) -> dict[str, Any]:
    """Validate an order number against the store; shared by the forms that ask for one."""
    if latest_intent(tracker) == "deny" and not extract_order_number(value):
        # "Non ce l'ho": continue without it; the agent finds the order by e-mail.
        return {"order_number": NO_ORDER_NUMBER, "order": None}
    number = extract_order_number(value)
    failures = int(tracker.get_slot("order_lookup_failures") or 0)
    if not number:
        if failures >= MAX_ORDER_ATTEMPTS:
            return {"order_number": NO_ORDER_NUMBER, "order": None}
        dispatcher.utter_message(response="utter_order_number_invalid")
        return {"order_number": None, "order_lookup_failures": failures + 1}
    try:
        order = await get_order_store().get(number)
    except OrderStoreUnavailable:
        dispatcher.utter_message(response="utter_order_lookup_failed")
        return {
            "order_number": number,
            "order": None,
            "bot_tried": _append(tracker, f"ricerca dell'ordine {number}: sistema ordini non raggiungibile"),
        }
    if order is None:
        failures += 1
        if failures >= MAX_ORDER_ATTEMPTS:
            dispatcher.utter_message(response="utter_order_not_found_continue")
            return {
                "order_number": number,
                "order": None,
                "order_lookup_failures": failures,
                "bot_tried": _append(tracker, f"ordine {number} non trovato (verificare)"),
            }
        dispatcher.utter_message(response="utter_order_not_found", order_number=number)
        return {"order_number": None, "order_lookup_failures": failures}
    if reflect:
        dispatcher.utter_message(response=f"utter_order_found_{order.status}", **order.template_values())
    return {
        "order_number": number,
        "order": order.as_slot(),
        "order_product": order.product,
        "order_lookup_failures": 0,
        "bot_tried": _append(tracker, f"trovato l'ordine {number} ({order.product})"),
    }


def _append(tracker: Tracker, note: str) -> list[str]:
    notes = list(tracker.get_slot("bot_tried") or [])
    if note not in notes:
        notes.append(note)
    return notes


class ValidateProblemReportForm(FormValidationAction):
    """Gathers what an agent needs, asking only what is still unknown."""

    def name(self) -> str:
        """The validator's name (rasa-sdk pairs it with problem_report_form)."""
        return "validate_problem_report_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """A frustrated customer is asked only for the order; the e-mail only when the store lacks it."""
        if tracker.get_slot("mood") == FRUSTRATED:
            return ["order_number"]
        slots = ["order_number", "description"]
        order = tracker.get_slot("order") or {}
        if not order.get("email"):
            slots.append("email")
        slots.append("summary_confirmed")
        return slots

    async def validate_order_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Look the order up and reflect it back ("il tavolo Oslo, consegnato il 12/11")."""
        result = await check_order_number(slot_value, dispatcher, tracker, reflect=True)
        if result.get("order_number") and tracker.get_slot("summary_confirmed") is not None:
            result["summary_confirmed"] = None  # a corrected number: confirm the summary again
        return result

    async def validate_description(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Keep the customer's words as they wrote them."""
        text = str(slot_value or "").strip()
        return {"description": text or None}

    async def validate_email(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Accept a plausible e-mail address, else ask again."""
        match = EMAIL.search(str(slot_value or ""))
        if not match:
            dispatcher.utter_message(response="utter_email_invalid")
            return {"email": None}
        return {"email": match.group(0).lower()}

    async def validate_summary_confirmed(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """On "no", take the correction: a new order number, or the story told again."""
        if slot_value is True:
            return {"summary_confirmed": True}
        if latest_entity_values(tracker, "order_number"):
            return {"summary_confirmed": None}  # the new number was validated; confirm again
        dispatcher.utter_message(response="utter_ask_correction")
        return {"summary_confirmed": None, "description": None}


class ActionAskSummaryConfirmed(Action):
    """Show the case summary the customer confirms or corrects."""

    def name(self) -> str:
        """rasa-sdk's naming for a form's custom question."""
        return "action_ask_summary_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Fill utter_case_summary with the order and the customer's words."""
        order = tracker.get_slot("order") or {}
        dispatcher.utter_message(
            response="utter_case_summary",
            order_number=tracker.get_slot("order_number") or NO_ORDER_NUMBER,
            product=order.get("product") or tracker.get_slot("product") or NO_ORDER_NUMBER,
            description=tracker.get_slot("description") or tracker.get_slot("customer_words") or "",
        )
        return []


class ActionSubmitProblemReport(Action):
    """Solve what the bot can (a delivery change the order allows), otherwise hand off."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_submit_problem_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Hand the gathered case to a person, or change the delivery when allowed."""
        order: dict[str, Any] = tracker.get_slot("order") or {}
        number = tracker.get_slot("order_number")
        if tracker.get_slot("problem_type") == "change_delivery" and order:
            note = tracker.get_slot("description") or tracker.get_slot("customer_words") or ""
            try:
                accepted = order.get(
                    "delivery_change_allowed"
                ) and await get_order_store().request_delivery_change(number, note)
            except OrderStoreUnavailable:
                accepted = False
            if accepted:
                dispatcher.utter_message(response="utter_delivery_change_done", order_number=number)
                dispatcher.utter_message(response="utter_offer_human")
                return [tried(tracker, f"modifica consegna richiesta per l'ordine {number}")]
            dispatcher.utter_message(response="utter_delivery_change_not_possible", order_number=number)
            tracker.slots["bot_tried"] = _append(
                tracker, "modifica consegna: non consentita per questo ordine"
            )
        reason = "frustration" if tracker.get_slot("mood") == FRUSTRATED else "problem"
        events = await perform_handoff(dispatcher, tracker, reason)
        return [SlotSet("bot_tried", tracker.get_slot("bot_tried"))] + events


__all__ = [
    "ActionStartCase",
    "ValidateProblemReportForm",
    "ActionAskSummaryConfirmed",
    "ActionSubmitProblemReport",
    "check_order_number",
    "Order",
]
