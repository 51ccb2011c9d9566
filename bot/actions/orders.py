"""Orders: the lookup that forms share (reflect the order back), and the status the bot tells itself."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.api.orders import OrderStoreUnavailable, get_order_store
from bot.actions.tracker import latest_intent, noted
from sportello.patterns import extract_order_number

NO_ORDER_NUMBER = "-"
MAX_ORDER_ATTEMPTS = 2


async def check_order_number(
    value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, reflect: bool
) -> dict[str, Any]:
    """Validate an order number against the store; shared by the forms that ask for one.

    Returns the slots to set: the number (or NO_ORDER_NUMBER to go on without it), the order,
    the failed attempts and what the bot noted for the agent.
    """
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
            "bot_tried": noted(tracker, f"ricerca dell'ordine {number}: sistema ordini non raggiungibile"),
        }
    if order is None:
        failures += 1
        if failures >= MAX_ORDER_ATTEMPTS:
            dispatcher.utter_message(response="utter_order_not_found_continue")
            return {
                "order_number": number,
                "order": None,
                "order_lookup_failures": failures,
                "bot_tried": noted(tracker, f"ordine {number} non trovato (verificare)"),
            }
        dispatcher.utter_message(response="utter_order_not_found", order_number=number)
        return {"order_number": None, "order_lookup_failures": failures}
    already = (tracker.get_slot("order") or {}).get("number") == number  # told a moment ago
    if reflect and not already:
        found = "late" if order.is_late else order.status
        dispatcher.utter_message(response=f"utter_order_found_{found}", **order.template_values())
    return {
        "order_number": number,
        "order": order.as_slot(),
        "order_product": order.product,
        "order_lookup_failures": 0,
        "bot_tried": noted(tracker, f"trovato l'ordine {number} ({order.product})"),
    }


class ValidateOrderStatusForm(FormValidationAction):
    """Asks for the order number when the customer did not give one."""

    def name(self) -> str:
        """The validator's name (rasa-sdk pairs it with order_status_form)."""
        return "validate_order_status_form"

    async def validate_order_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Check the number against the store (the status itself is said afterwards)."""
        return await check_order_number(slot_value, dispatcher, tracker, reflect=False)


class ActionCheckOrderStatus(Action):
    """Tell the status and tracking of the order, then offer a person."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_check_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Look the order up and say its status from the matching domain response."""
        number = extract_order_number(tracker.get_slot("order_number"))
        if not number or number == NO_ORDER_NUMBER:
            dispatcher.utter_message(response="utter_how_can_help")
            return []
        try:
            order = await get_order_store().get(number)
        except OrderStoreUnavailable:
            dispatcher.utter_message(response="utter_order_lookup_failed")
            dispatcher.utter_message(response="utter_offer_human")
            return []
        if order is None:
            dispatcher.utter_message(response="utter_order_not_found", order_number=number)
            return [SlotSet("order_number", None)]
        events: list[EventType] = [SlotSet("order", order.as_slot()), SlotSet("order_product", order.product)]
        if order.is_late:
            # The date has passed (in the shop's time zone): say it is late, apologise once for it,
            # and offer the late-delivery case.
            dispatcher.utter_message(response="utter_order_status_late", **order.template_values())
            apologised = list(tracker.get_slot("apologised_for") or [])
            if "delivery_late" not in apologised:
                dispatcher.utter_message(response="utter_apologise")
                events.append(SlotSet("apologised_for", [*apologised, "delivery_late"]))
            dispatcher.utter_message(response="utter_offer_late_path")
            note = f"comunicato che l'ordine {number} è in ritardo (consegna prevista il {order.template_values()['delivery_date']})"
        else:
            dispatcher.utter_message(response=f"utter_order_status_{order.status}", **order.template_values())
            dispatcher.utter_message(response="utter_offer_human")
            note = f"comunicato lo stato dell'ordine {number}"
        return [*events, SlotSet("bot_tried", noted(tracker, note))]
