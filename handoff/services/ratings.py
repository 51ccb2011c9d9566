"""Satisfaction: the customer's 1–5 rating, counted for the agent who resolved the case; a low one
(≤ LOW_RATING) alerts that agent's console."""

from __future__ import annotations

from typing import Any

from handoff import validation
from handoff.errors import NotFound
from handoff.services.events import Events
from handoff.store import Stores

LOW_RATING = 2


class Ratings:
    def __init__(self, stores: Stores, events: Events):
        self.convs = stores.conversations
        self.ratings = stores.ratings
        self.events = events

    async def rate(self, cid: str, rating: Any) -> dict[str, Any]:
        rating = validation.rating(rating)
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "unknown conversation")
        agent_id = conv.last_agent_id or conv.agent_id  # who resolved it, else who has it
        await self.ratings.record(cid, rating, agent_id, conv.rating)
        if agent_id:
            await self.events.notify_agent(
                agent_id,
                {"type": "rating", "conversation_id": cid, "rating": rating, "low": rating <= LOW_RATING},
            )
        return {"conversation_id": cid, "rating": rating, "agent_id": agent_id or None}
