"""What the bot solves itself: the status of an order, from the order store."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.api.orders import OrderStoreUnavailable, extract_order_number, get_order_store
from bot.actions.cases import NO_ORDER_NUMBER, check_order_number, tried


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
        dispatcher.utter_message(response=f"utter_order_status_{order.status}", **order.template_values())
        dispatcher.utter_message(response="utter_offer_human")
        return [
            SlotSet("order", order.as_slot()),
            SlotSet("order_product", order.product),
            tried(tracker, f"comunicato lo stato dell'ordine {number}"),
        ]
