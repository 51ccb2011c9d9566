"""Rasa's response generator with Sportello's variation rule (sportello/responses.py: the most specific
matching variation wins), so a formal, frustrated customer gets the formal, frustrated sentence.

Enabled in endpoints.yml (`nlg: type: bot.nlg.SportelloNLG`). It is a TemplatedNaturalLanguageGenerator,
so a new model loaded through Rasa's HTTP API brings its responses with it.
"""

from __future__ import annotations

import random
from typing import Any, Optional

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from sportello.patterns import mask_email
from sportello.responses import select
from sportello.shop import facts


class SportelloNLG(TemplatedNaturalLanguageGenerator):
    """Domain responses, chosen by the most specific matching condition."""

    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None
    ) -> None:
        """Rasa creates it from endpoints.yml with the model's domain (replaced on every model load)."""
        super().__init__(domain.responses if domain else {})

    def generate_from_slots(
        self, utter_action: str, filled_slots: dict[str, Any], output_channel: str, **kwargs: Any
    ) -> Optional[dict[str, Any]]:
        """The shop's facts (shops/<id>/shop.yml) fill {placeholders} such as {refund_days} too; an e-mail
        address is never written back in full (`{email}` is masked: g****a.r***i@example.it)."""
        slots = {**facts(), **filled_slots}
        if slots.get("email"):
            slots["email"] = mask_email(slots["email"])
        if kwargs.get("email"):
            kwargs["email"] = mask_email(kwargs["email"])
        return super().generate_from_slots(utter_action, slots, output_channel, **kwargs)

    def _random_response_for(
        self, utter_action: str, output_channel: str, filled_slots: dict[str, Any]
    ) -> Optional[dict[str, Any]]:
        """One of the most specific variations that fit the slots (channels are not used here)."""
        candidates = select(self.responses.get(utter_action) or [], filled_slots)
        return dict(random.choice(candidates)) if candidates else None
