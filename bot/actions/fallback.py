"""Escalation when the bot does not understand or is asked what it cannot do."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.cases import note_another_order
from bot.actions.handoff import perform_handoff
from bot.actions.tracker import user_events
from sportello.problems import FRUSTRATED

FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
# what a form asks for in the customer's own words: any text answers it, even one the classifier
# cannot place (the story; an e-mail or a postcode proving an order)
FREE_TEXT_SLOTS = ("description", "order_proof")


def free_text_answer(tracker: Tracker) -> list[EventType] | None:
    """The answer to a form's free-text question, taken as it is; None when none is asked."""
    requested = tracker.get_slot("requested_slot")
    if tracker.active_loop_name and requested in FREE_TEXT_SLOTS:
        return [SlotSet(requested, tracker.latest_message.get("text"))]
    return None


def consecutive_intents(tracker: Tracker, intent: str) -> int:
    """How many of the customer's latest messages in a row had ``intent``."""
    count = 0
    for event in reversed(user_events(tracker)):
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != intent:
            break
        count += 1
    return count


def intents_since_last_handoff(tracker: Tracker, intent: str) -> int:
    """How many messages with ``intent`` since the last hand-off (or the start)."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == "handoff_status":
            break
        if (
            event.get("event") == "user"
            and ((event.get("parse_data") or {}).get("intent") or {}).get("name") == intent
        ):
            count += 1
    return count


class ActionHandleFallback(Action):
    """Ask to rephrase once; after two misunderstandings in a row, hand off."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Rephrase, or hand off (reason ``frustration`` when the customer is angry, else ``fallback``)."""
        in_form = bool(tracker.active_loop_name)
        answer = free_text_answer(tracker)
        if answer is not None:
            return answer
        other = note_another_order(dispatcher, tracker)
        if other is not None:  # understood after all: it is about another order
            return other
        angry = any(
            e.get("entity") == "mood" and e.get("value") == FRUSTRATED
            for e in tracker.latest_message.get("entities") or []
        )
        if angry:
            # "siete dei buffoni" is not understood as a request, but it must not get "non ho capito".
            dispatcher.utter_message(response="utter_calm_frustration")
            events = await perform_handoff(dispatcher, tracker, "frustration")
        elif consecutive_intents(tracker, FALLBACK_INTENT) >= 2:
            dispatcher.utter_message(response="utter_fallback_handoff")
            events = await perform_handoff(dispatcher, tracker, "fallback")
        else:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        # In the middle of a case: stop asking, a person takes it as gathered so far.
        return [ActiveLoop(None), *events] if in_form else events


class ActionHandleOutOfScope(Action):
    """Say honestly what the bot does; the second time, offer a person by handing off."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_handle_out_of_scope"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Explain the scope, or hand off with reason ``fallback`` (also in the middle of a form)."""
        answer = free_text_answer(tracker)
        if answer is not None:  # "20121" asked for a postcode is an answer, not a stranger's question
            return answer
        other = note_another_order(dispatcher, tracker)
        if other is not None:  # not out of scope: it is about another order
            return other
        if intents_since_last_handoff(tracker, OUT_OF_SCOPE) >= 2:
            dispatcher.utter_message(response="utter_out_of_scope_handoff")
            events = await perform_handoff(dispatcher, tracker, "fallback")
            if tracker.active_loop_name:  # stop asking: a person takes the case as gathered so far
                events = [ActiveLoop(None), *events]
            return events
        dispatcher.utter_message(response="utter_out_of_scope")
        return []
