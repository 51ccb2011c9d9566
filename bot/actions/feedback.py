"""After the case is resolved: the customer's satisfaction rating goes to the hub."""

from __future__ import annotations

import logging
import re
from typing import Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.api.hub import HubClient, HubUnavailable

LOW_RATING = 2
logger = logging.getLogger(__name__)


def parse_rating(tracker: Tracker) -> Optional[int]:
    """A 1–5 rating from the ``rating`` entity, or the digit in the message."""
    candidates = [
        str(e.get("value"))
        for e in tracker.latest_message.get("entities") or []
        if e.get("entity") == "rating"
    ]
    candidates.append(tracker.latest_message.get("text") or "")
    for candidate in candidates:
        match = re.search(r"(?<!\d)([1-5])(?!\d)", candidate)
        if match:
            return int(match.group(1))
    return None


class ActionStoreRating(Action):
    """Store the 1–5 rating with the hub and thank the customer."""

    def name(self) -> str:
        """The action's name in domain.yml."""
        return "action_store_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Send the rating; a low one is acknowledged as such."""
        rating = parse_rating(tracker)
        if rating is None:
            dispatcher.utter_message(response="utter_rating_invalid")
            return []
        try:
            await HubClient.from_settings().rate(tracker.sender_id, rating)
        except HubUnavailable as exc:
            # The rating stays in the tracker (slot `rating`); the customer is thanked all the same.
            logger.warning("rating of %s not stored by the hub: %s", tracker.sender_id, exc)
        dispatcher.utter_message(
            response="utter_thank_rating_low" if rating <= LOW_RATING else "utter_thank_rating"
        )
        return [SlotSet("rating", str(rating))]
