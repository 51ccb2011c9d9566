"""A problem, heard and gathered (LATTE): acknowledge → apologise once → gather → confirm → solve or hand off.

Which intents are problems, which policy the bot explains and what it can solve itself come from
the problem registry (bot/problems.yml).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.api.orders import OrderStoreUnavailable, get_order_store
from bot.actions.handoff import perform_handoff
from bot.actions.orders import (
    NO_ORDER_NUMBER,
    check_order_number,
    check_order_proof,
    needs_proof,
    verified_order,
)
from bot.actions.tracker import latest_entity_values, latest_intent, noted, user_events
from sportello.patterns import extract_email
from sportello.problems import FRUSTRATED, registry

# A first message at least this long already tells the story: it is not asked again.
STORY_MIN_WORDS = 8
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
    "to_check",
    "customer_words",
    "order_proof",
    "order_verified",
    "email_verified",
    "order_proof_failures",
)


def customer_text(tracker: Tracker) -> str:
    """What the customer wrote in the latest message ('' for a button's payload such as /item_damaged)."""
    text = (tracker.latest_message.get("text") or "").strip()
    return "" if text.startswith("/") else text


def another_order(tracker: Tracker) -> str | None:
    """The other order or product the latest message names while a case about an order is open."""
    number = tracker.get_slot("order_number")
    if not tracker.active_loop_name or not number or number == NO_ORDER_NUMBER:
        return None
    numbers = latest_entity_values(tracker, "order_number")
    for other in numbers:
        if other != number:
            return other
    if number in numbers:
        return None  # a product named with this order's own number is this case (or a mismatch: to_check)
    product = (tracker.get_slot("order_product") or "").lower()
    for other in latest_entity_values(tracker, "product"):
        if product and other.lower() not in product:
            return other
    return None


def products_named(tracker: Tracker) -> list[str]:
    """The products the customer named in this case's messages (the `product` lookup), in order."""
    named: list[str] = []
    for event in user_events(tracker)[-6:]:
        for entity in (event.get("parse_data") or {}).get("entities") or []:
            value = str(entity.get("value") or "")
            if entity.get("entity") == "product" and value and value.lower() not in named:
                named.append(value.lower())
    return named


def product_against_order(tracker: Tracker, order: Any) -> str | None:
    """The customer speaks of a product the order found does not hold ("la lampada" of an order
    that is a wardrobe): the bot does not argue, the agent is told to check (case card)."""
    if not isinstance(order, dict) or not order.get("product"):
        return None
    product = str(order["product"]).lower()
    other = [name for name in products_named(tracker) if name not in product]
    if not other or any(name in product for name in products_named(tracker)):
        return None
    return (
        f"Il cliente parla di «{other[0]}», ma l'ordine {order.get('number')} è "
        f"{order['product']}: verificare che sia l'ordine giusto."
    )


ORDER_STATES = {"preparing": "in preparazione", "in_transit": "in viaggio", "cancelled": "annullato"}


def story_against_store(problem_type: Any, order: Any) -> str | None:
    """When the customer's problem needs a delivered order (a damaged item) and the order store says
    it was not delivered, the bot does not argue: the mismatch goes on the case card, for the agent
    to check. None when story and store agree (or nothing is known)."""
    problem = registry().problem(problem_type)
    if problem is None or not problem.after_delivery or not isinstance(order, dict):
        return None
    state = ORDER_STATES.get(str(order.get("status")))
    if state is None:
        return None
    return (
        f"Il cliente segnala «{problem.label.lower()}», ma per il negozio l'ordine "
        f"{order.get('number')} risulta {state}, non consegnato: verificare con il magazzino."
    )


def note_another_order(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """A case is about one order. When the latest message names another one while a case is open,
    whatever the message was understood as (a problem, a yes, a no, nothing at all), the other order
    goes on this case's card for the agent, the customer is told so, and this case is not touched.
    None when the message names no other order; said once per message."""
    other = another_order(tracker)
    if other is None:
        return None
    note = f"il cliente segnala anche l'ordine/articolo {other}: «{customer_text(tracker)}»"
    if note in (tracker.get_slot("bot_tried") or []):
        return []
    dispatcher.utter_message(response="utter_one_case_at_a_time")
    return [SlotSet("bot_tried", noted(tracker, note))]


class ActionStartCase(Action):
    """Acknowledge the specific problem, apologise once (problems only, not requests), open the case."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_start_case"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Say the acknowledgement and the apology; remember the customer's own words."""
        other = note_another_order(dispatcher, tracker)
        if other is not None:
            return other
        problems = registry()
        problem = problems.problem(latest_intent(tracker)) or problems.problem(
            tracker.get_slot("problem_type")
        )
        if problem is None:
            problem = problems.problems[0]
        events: list[EventType] = []
        # A new case after an earlier hand-off starts clean; within one case, keep what we know.
        if tracker.get_slot("handoff_status"):
            events += [SlotSet(slot, None) for slot in CASE_SLOTS]
            apologised: list[str] = []
            tried: list[str] = []
        else:
            apologised = list(tracker.get_slot("apologised_for") or [])
            tried = list(tracker.get_slot("bot_tried") or [])
        same_problem = problem.intent == tracker.get_slot("problem_type") and not tracker.get_slot(
            "handoff_status"
        )

        dispatcher.utter_message(response=f"utter_ack_{problem.intent}")
        if problem.apologise and problem.intent not in apologised:
            dispatcher.utter_message(response="utter_apologise")
            apologised.append(problem.intent)
        if problem.policy:
            dispatcher.utter_message(response=problem.policy)
            note = "spiegata la politica di resi e rimborsi"
            if note not in tried:
                events.append(SlotSet("bot_tried", [*tried, note]))

        text = customer_text(tracker)
        events += [SlotSet("problem_type", problem.intent), SlotSet("apologised_for", apologised)]
        if text and (not same_problem or not tracker.get_slot("customer_words")):
            events.append(SlotSet("customer_words", text))
        if len(text.split()) >= STORY_MIN_WORDS:
            events.append(SlotSet("description", text))
        return events


class ValidateProblemReportForm(FormValidationAction):
    """Gathers what an agent needs, asking only what is still unknown."""

    def name(self) -> str:
        """The validator's name (rasa-sdk pairs it with problem_report_form)."""
        return "validate_problem_report_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Validate as usual; a second order named in the answer is noted, never merged."""
        events = await super().run(dispatcher, tracker, domain)
        return events + (note_another_order(dispatcher, tracker) or [])

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """A frustrated customer is asked only for the order; the e-mail only when the store lacks it;
        the summary only when the case goes to a person (not when the bot can do it itself)."""
        if tracker.get_slot("mood") == FRUSTRATED:
            return ["order_number"]
        slots = ["order_number"]
        if needs_proof(tracker):
            slots.append("order_proof")  # before anything of the order is read back
        slots.append("description")
        order = tracker.get_slot("order") or {}
        problem = registry().problem(tracker.get_slot("problem_type"))
        if (
            problem is not None
            and problem.solver
            and verified_order(tracker)
            and can_solve(problem.solver, order)
        ):
            return slots
        if not order.get("email"):
            slots.append("email")  # no order to write to: the customer's own address (a claim)
        slots.append("summary_confirmed")
        return slots

    async def validate_order_number(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """Look the order up; it is read back ("il tavolo Oslo, consegnato il 12/11") once proven."""
        result = await check_order_number(slot_value, dispatcher, tracker, reflect_back=True)
        if result.get("order_number") and tracker.get_slot("summary_confirmed") is not None:
            result["summary_confirmed"] = None  # a corrected number: confirm the summary again
        checks = [
            story_against_store(tracker.get_slot("problem_type"), result.get("order")),
            product_against_order(tracker, result.get("order")),
        ]
        to_check = list(tracker.get_slot("to_check") or [])
        to_check += [check for check in checks if check and check not in to_check]
        if to_check:
            result["to_check"] = to_check
        return result

    async def validate_order_proof(
        self,
        slot_value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> dict[str, Any]:
        """The order's e-mail or delivery postcode: the order is read back once it matches."""
        return await check_order_proof(slot_value, dispatcher, tracker, reflect_back=True)

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
        email = extract_email(slot_value)
        if not email:
            dispatcher.utter_message(response="utter_email_invalid")
            return {"email": None}
        return {"email": email}

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
        order = verified_order(tracker) or {}  # an order not proven the customer's is not read back
        named = products_named(tracker)
        dispatcher.utter_message(
            response="utter_case_summary",
            order_number=tracker.get_slot("order_number") or NO_ORDER_NUMBER,
            product=order.get("product")
            or (named[0] if named else None)
            or tracker.get_slot("product")
            or NO_ORDER_NUMBER,
            description=tracker.get_slot("description") or tracker.get_slot("customer_words") or "",
        )
        return []


async def change_delivery(dispatcher: CollectingDispatcher, tracker: Tracker) -> tuple[bool, list[str]]:
    """Ask the order store for the delivery change the customer described, when the order allows it."""
    order: dict[str, Any] = verified_order(tracker) or {}  # only the order's owner changes its delivery
    number = tracker.get_slot("order_number")
    if not order:
        return False, []
    note = tracker.get_slot("description") or tracker.get_slot("customer_words") or ""
    try:
        accepted = order.get("delivery_change_allowed") and await get_order_store().request_delivery_change(
            number, note
        )
    except OrderStoreUnavailable:
        accepted = False
    if accepted:
        dispatcher.utter_message(response="utter_delivery_change_done", order_number=number)
        dispatcher.utter_message(response="utter_offer_human")
        return True, [f"modifica consegna richiesta per l'ordine {number}"]
    dispatcher.utter_message(response="utter_delivery_change_not_possible", order_number=number)
    return False, ["modifica consegna: non consentita per questo ordine"]


# What the bot can solve itself, named by a problem type's `solver` in bot/problems.yml:
# each returns (solved?, notes for the agent's case card). SOLVABLE says, from the order, whether
# the bot will be able to (then no summary "per il collega" is shown: nobody else gets the case).
SOLVERS = {"delivery_change": change_delivery}
SOLVABLE = {"delivery_change": lambda order: bool(order.get("delivery_change_allowed"))}


def can_solve(solver: str, order: dict[str, Any]) -> bool:
    return bool(order) and SOLVABLE[solver](order)


class ActionSubmitProblemReport(Action):
    """Solve what the bot can (the problem's solver), otherwise hand off."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_submit_problem_report"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Hand the gathered case to a person, unless the bot solved it."""
        problem = registry().problem(tracker.get_slot("problem_type"))
        tried = list(tracker.get_slot("bot_tried") or [])
        if problem is not None and problem.solver:
            solved, notes = await SOLVERS[problem.solver](dispatcher, tracker)
            tried = noted(tracker, *notes)
            if solved:
                return [SlotSet("bot_tried", tried)]
        reason = "frustration" if tracker.get_slot("mood") == FRUSTRATED else "problem"
        events = await perform_handoff(dispatcher, tracker, reason, slots={"bot_tried": tried})
        return [SlotSet("bot_tried", tried), *events]
