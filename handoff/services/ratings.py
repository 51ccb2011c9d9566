"""Satisfaction: the customer's 1–5 rating of a case a person resolved, once per resolution, counted
for the agent who resolved it; a low one (≤ LOW_RATING) alerts that agent's console. The counts are
derived figures (the metrics listener)."""

from __future__ import annotations

import time
from typing import Any

from handoff import validation
from handoff.errors import ClientError, NotFound
from handoff.services import metrics
from handoff.services.events import Events
from handoff.store import Stores

LOW_RATING = 2


class Ratings:
    def __init__(self, stores: Stores, events: Events):
        self.convs = stores.conversations
        self.events = events

    async def rate(self, cid: str, rating: Any) -> dict[str, Any]:
        rating = validation.rating(rating)
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "unknown conversation")
        if conv.resolved_at is None or not conv.last_agent_id:
            raise ClientError("not_resolved", "only a case a person resolved can be rated", 409)
        if not await self.convs.claim_rating(cid, repr(conv.resolved_at)):
            raise ClientError("already_rated", "this case was rated already", 409)
        agent_id = conv.last_agent_id  # who resolved it
        await self.convs.set_fields(
            cid, {"rating": rating, "rated_at": time.time(), "rated_agent_id": agent_id}
        )
        await self.events.fact(cid, metrics.RATED, rating=rating, agent_id=agent_id, previous=None)
        if agent_id:
            await self.events.notify_agent(
                agent_id,
                {"type": "rating", "conversation_id": cid, "rating": rating, "low": rating <= LOW_RATING},
            )
        return {"conversation_id": cid, "rating": rating, "agent_id": agent_id or None}
