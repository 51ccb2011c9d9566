"""Small store classes over Redis; each takes the (async) client in its constructor.

Only this package talks to Redis: the services above it get typed records back. Every key is named
in keys.py; each module holds one concept with its own Lua scripts (named constants with a KEYS /
ARGV / returns header) and has its tests in tests/handoff/store/.
"""

from __future__ import annotations

import asyncio

from handoff.states import RULES, Rules
from handoff.store.agents import AgentStore
from handoff.store.bot_turns import BotTurns
from handoff.store.content import ContentStore
from handoff.store.conversations import ConversationStore
from handoff.store.indexes import IndexSync
from handoff.store.keys import Keys
from handoff.store.lookups import CaseLookups
from handoff.store.notes import NoteStore
from handoff.store.outbox import Outbox
from handoff.store.pages import CustomerPages
from handoff.store.queue import QueueStore
from handoff.store.ratelimit import RateLimiter
from handoff.store.stats import StatsStore
from handoff.store.tickets import TicketStore
from handoff.store.transcript import Transcript
from handoff.store.transitions import Transitions


class Stores:
    """Every store over one Redis client, with one key prefix, retention and state rules."""

    def __init__(
        self,
        redis,
        prefix: str,
        ttl: int,
        heartbeat_timeout: float,
        rules: Rules = RULES,
    ):
        self.redis = redis
        self.rules = rules
        self.keys = keys = Keys(prefix)
        self.conversations = ConversationStore(redis, keys, ttl)
        self.transcript = Transcript(redis, keys, ttl, rules)
        self.bot_turns = BotTurns(redis, keys, ttl)
        self.indexes = IndexSync(redis, keys, ttl, rules)
        self.transitions = Transitions(redis, keys, self.indexes, rules)
        self.notes = NoteStore(redis, keys, ttl)
        self.pages = CustomerPages(redis, keys, ttl)
        self.lookups = CaseLookups(redis, keys, ttl)
        self.agents = AgentStore(redis, keys, heartbeat_timeout, ttl)
        self.tickets = TicketStore(redis, keys, ttl)
        self.queue = QueueStore(redis, keys, ttl)
        self.stats = StatsStore(redis, keys, ttl)
        self.limits = RateLimiter(redis, keys)
        self.outbox = Outbox(redis, keys, ttl)
        self.content = ContentStore(redis, keys)

    async def ping(self, timeout: float = 2.0) -> None:
        """Raise when Redis does not answer in time (health check)."""
        await asyncio.wait_for(self.redis.ping(), timeout=timeout)


__all__ = [
    "AgentStore",
    "BotTurns",
    "CaseLookups",
    "ContentStore",
    "ConversationStore",
    "CustomerPages",
    "IndexSync",
    "Keys",
    "NoteStore",
    "Outbox",
    "QueueStore",
    "RateLimiter",
    "StatsStore",
    "Stores",
    "TicketStore",
    "Transcript",
    "Transitions",
]
