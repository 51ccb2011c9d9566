"""Orders: the lookup that forms share, the proof that the order is the customer's, and the status
the bot tells itself.

A typed order number is a claim: order numbers are short and, in real shops, sequential. Before the
bot reads back anything of an order (product, dates, status, tracking, name, e-mail) the customer
proves it with a second fact only the buyer knows and the shop holds — the e-mail used for the order
or the postcode of its delivery address (`order_proof`, asked once, with one retry). Until then the
bot listens, acknowledges, apologises and hands off, and the agent's case card says the order is not
verified. Every lookup and every failed proof is counted by the hub (per conversation, visitor and
origin): an enumeration gets a clear message and stops.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.api.hub import HubClient
from bot.actions.api.orders import Order, OrderStoreUnavailable, get_order_store
from bot.actions.tracker import latest_intent, noted, signed_in_email
from sportello import shop

NO_ORDER_NUMBER = "-"
MAX_ORDER_ATTEMPTS = 2
MAX_PROOF_ATTEMPTS = 2  # the proof is asked once; a typo gets one more try
PROOF_GIVEN_UP = "-"  # `order_proof` when the customer could not prove the order: the agent checks


def verified_order(tracker: Tracker, number: Any = None) -> dict[str, Any] | None:
    """The order in the `order` slot when the customer proved it is theirs (and, with `number`,
    when it is that order); None otherwise."""
    order = tracker.get_slot("order") or {}
    if not order or not tracker.get_slot("order_verified"):
        return None
    if number is not None and order.get("number") != number:
        return None
    return order


def needs_proof(tracker: Tracker) -> bool:
    """An order was found and the customer has neither proved it nor given up on proving it (an
    answer not validated yet still needs its proof: the form validates only what it requires)."""
    return (
        bool(tracker.get_slot("order"))
        and not tracker.get_slot("order_verified")
        and tracker.get_slot("order_proof") != PROOF_GIVEN_UP
    )


# What each response about an order quotes besides its number and product, and its twins that
# say the same with less: an order from a platform often has no delivery date, carrier or tracking
# link (docs/connectors.md), and the customer never reads "consegnato il ." (first that fits wins).
TWINS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "utter_order_found_delivered": (("", ("delivery_date",)), ("_undated", ())),
    "utter_order_found_in_transit": (("", ("delivery_date",)), ("_undated", ())),
    "utter_order_status_delivered": (("", ("delivery_date",)), ("_undated", ())),
    "utter_order_status_in_transit": (
        ("", ("delivery_date", "carrier", "tracking_url")),
        ("_undated", ("carrier", "tracking_url")),
        ("_untracked", ()),
    ),
    "utter_order_status_preparing": (("", ("ship_by",)), ("_undated", ())),
}


def order_response(name: str, order: Order) -> str:
    """The response to say about `order`: `name`, or the first of its twins whose quoted values
    the order has."""
    values = order.template_values()
    for suffix, quoted in TWINS.get(name, (("", ()),)):
        if all(values.get(k) for k in quoted):
            return f"{name}{suffix}"
    return name


def reflect(dispatcher: CollectingDispatcher, order: Order) -> None:
    """Read the order back ("il tavolo da pranzo Oslo, consegnato il 12/11"): only once proven."""
    found = "late" if order.is_late else order.status
    response = order_response(f"utter_order_found_{found}", order)
    dispatcher.utter_message(response=response, **order.template_values())


async def check_order_proof(
    value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, reflect_back: bool
) -> dict[str, Any]:
    """Check the customer's proof (the order's e-mail or delivery postcode) against the order found.

    Proven: the order is read back (when `reflect_back`) and its e-mail becomes the case's, proven.
    Wrong: said kindly and counted like a failed login; one more try, then the case goes on
    without the proof (the agent checks) — the order is never read back to an unproven writer."""
    slot = tracker.get_slot("order") or {}
    if not slot:
        return {"order_proof": PROOF_GIVEN_UP}
    order = Order.from_dict(slot)
    how = order.proven_by(value)
    if how:
        if reflect_back:
            reflect(dispatcher, order)
        return proven_slots(
            tracker, order, how, f"ordine {order.number} verificato dal cliente ({PROOF_WORDS[how]})"
        )
    failures = int(tracker.get_slot("order_proof_failures") or 0) + 1
    allowed = await HubClient.from_settings().order_lookup(tracker.sender_id, "failed_proof")
    if failures < MAX_PROOF_ATTEMPTS and allowed:
        dispatcher.utter_message(response="utter_order_proof_wrong")
        return {"order_proof": None, "order_proof_failures": failures}
    dispatcher.utter_message(response="utter_order_proof_given_up")
    return {
        "order_proof": PROOF_GIVEN_UP,
        "order_verified": None,
        "order_proof_failures": failures,
        "bot_tried": noted(
            tracker,
            f"ordine {order.number} NON verificato: il cliente non ha dato l'e-mail o il CAP dell'ordine "
            "(nessun dettaglio dell'ordine gli è stato detto)",
        ),
    }


def found_slots(order: Order) -> dict[str, Any]:
    """The slots of an order found in the store (kept for the agent; read back only once proven)."""
    return {
        "order_number": order.number,
        "order": order.as_slot(),
        "order_product": order.product,
        "order_lookup_failures": 0,
    }


def proven_slots(tracker: Tracker, order: Order, how: str, note: str) -> dict[str, Any]:
    """The slots of an order the customer has just proven theirs (`how`: email, postcode, token):
    its e-mail becomes the case's, proven, and the agent is told how (`note`)."""
    return {
        "order_proof": how,
        "order_verified": how,
        "email": order.email or tracker.get_slot("email"),
        "email_verified": bool(order.email),
        "order_proof_failures": 0,
        "bot_tried": noted(tracker, note),
    }


PROOF_WORDS = {"email": "e-mail dell'ordine", "postcode": "CAP di consegna", "token": "accesso al sito"}


async def check_order_number(
    value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, reflect_back: bool
) -> dict[str, Any]:
    """Validate an order number against the store; shared by the forms that ask for one.

    Returns the slots to set: the number (or NO_ORDER_NUMBER to go on without it), the order (kept
    for the agent, read back only once proven), the failed attempts and what the bot noted for the
    agent. Each lookup is counted by the hub first.
    """
    if latest_intent(tracker) == "deny" and not shop.current().order_number(value):
        # "Non ce l'ho": continue without it; the agent finds the order by e-mail.
        return {"order_number": NO_ORDER_NUMBER, "order": None}
    number = shop.current().order_number(value)
    failures = int(tracker.get_slot("order_lookup_failures") or 0)
    if not number:
        if failures >= MAX_ORDER_ATTEMPTS:
            return {"order_number": NO_ORDER_NUMBER, "order": None}
        dispatcher.utter_message(response="utter_order_number_invalid")
        return {"order_number": None, "order_lookup_failures": failures + 1}
    if not await HubClient.from_settings().order_lookup(tracker.sender_id, "lookup"):
        # many numbers tried (from this chat, this browser or this address): stop, kindly
        dispatcher.utter_message(response="utter_order_lookups_stopped")
        return {
            "order_number": NO_ORDER_NUMBER,
            "order": None,
            "bot_tried": noted(tracker, "troppe ricerche di ordini da questo visitatore: ricerche fermate"),
        }
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
    # proven earlier in this conversation (the same order): never asked again; a customer signed in
    # on the shop's site with the order's e-mail has proven it already
    proven = verified_order(tracker, number)
    signed_in = signed_in_email(tracker)
    if not proven and signed_in and order.email and signed_in == order.email.strip().lower():
        if reflect_back:
            reflect(dispatcher, order)
        note = f"trovato l'ordine {number} ({order.product}), del cliente che ha fatto l'accesso"
        return {**found_slots(order), **proven_slots(tracker, order, "token", note)}
    already = (tracker.get_slot("order") or {}).get("number") == number  # told a moment ago
    if reflect_back and proven and not already:
        reflect(dispatcher, order)
    return {
        **found_slots(order),
        # mail about this order goes to the address on the order, never to one typed
        "email": order.email or tracker.get_slot("email"),
        "email_verified": bool(proven and order.email),
        "order_verified": tracker.get_slot("order_verified") if proven else None,
        "order_proof": tracker.get_slot("order_proof") if proven else None,
        "order_proof_failures": tracker.get_slot("order_proof_failures") if proven else 0,
        "bot_tried": noted(tracker, f"trovato l'ordine {number} ({order.product})"),
    }


class ValidateOrderStatusForm(FormValidationAction):
    """Asks for the order number when the customer did not give one."""

    def name(self) -> str:
        """The validator's name (rasa-sdk pairs it with order_status_form)."""
        return "validate_order_status_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """The number, then the proof that the order is the customer's (unless proven already)."""
        return ["order_number", "order_proof"] if needs_proof(tracker) else ["order_number"]

    async def validate_order_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Check the number against the store (the status itself is said afterwards)."""
        return await check_order_number(slot_value, dispatcher, tracker, reflect_back=False)

    async def validate_order_proof(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """The order's e-mail or delivery postcode (the status is said afterwards)."""
        return await check_order_proof(slot_value, dispatcher, tracker, reflect_back=False)


class ActionCheckOrderStatus(Action):
    """Tell the status and tracking of the order, then offer a person."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_check_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Look the order up and say its status from the matching domain response."""
        number = shop.current().order_number(tracker.get_slot("order_number"))
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
        if not verified_order(tracker, number):
            # not proven the customer's: nothing of it is said; a person can help
            dispatcher.utter_message(response="utter_order_status_unverified")
            dispatcher.utter_message(response="utter_offer_human")
            return [
                SlotSet(
                    "bot_tried",
                    noted(tracker, f"stato dell'ordine {number} non detto: ordine non verificato"),
                )
            ]
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
            response = order_response(f"utter_order_status_{order.status}", order)
            dispatcher.utter_message(response=response, **order.template_values())
            dispatcher.utter_message(response="utter_offer_human")
            note = f"comunicato lo stato dell'ordine {number}"
        return [*events, SlotSet("bot_tried", noted(tracker, note))]


class ActionAskOrderProof(Action):
    """The forms' question for the proof: asked once; after a wrong answer the refusal itself says
    what to write (utter_order_proof_wrong), so it is not asked a second time."""

    def name(self) -> str:
        """rasa-sdk's naming for a form's custom question."""
        return "action_ask_order_proof"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Ask for the order's e-mail or delivery postcode, unless the refusal just did."""
        if not int(tracker.get_slot("order_proof_failures") or 0):
            dispatcher.utter_message(response="utter_ask_order_proof")
        return []
