"""Small store classes over Redis; each takes the (async) client in its constructor.

Only this package talks to Redis: the services above it get typed records back.
"""

from __future__ import annotations

import asyncio

from handoff.store.agents import AgentStore
from handoff.store.conversations import ConversationStore
from handoff.store.keys import Keys
from handoff.store.outbox import Outbox
from handoff.store.queue import QueueStore
from handoff.store.ratelimit import RateLimiter
from handoff.store.ratings import RatingStore
from handoff.store.tickets import TicketStore


class Stores:
    """Every store over one Redis client, with one key prefix and retention."""

    def __init__(self, redis, prefix: str, ttl: int, heartbeat_timeout: float, default_handling: float):
        self.redis = redis
        self.keys = Keys(prefix)
        self.conversations = ConversationStore(redis, self.keys, ttl)
        self.agents = AgentStore(redis, self.keys, heartbeat_timeout, ttl)
        self.tickets = TicketStore(redis, self.keys, ttl)
        self.queue = QueueStore(redis, self.keys, ttl, default_handling)
        self.ratings = RatingStore(redis, self.keys, ttl)
        self.limits = RateLimiter(redis, self.keys)
        self.outbox = Outbox(redis, self.keys, ttl)

    async def ping(self, timeout: float = 2.0) -> None:
        """Raise when Redis does not answer in time (health check)."""
        await asyncio.wait_for(self.redis.ping(), timeout=timeout)


__all__ = [
    "AgentStore",
    "ConversationStore",
    "Keys",
    "Outbox",
    "QueueStore",
    "RateLimiter",
    "RatingStore",
    "Stores",
    "TicketStore",
]
