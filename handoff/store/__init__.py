"""Small store classes over Redis; each takes the (async) client in its constructor."""

from handoff.store.agents import AgentStore
from handoff.store.conversations import ConversationStore
from handoff.store.keys import Keys
from handoff.store.queue import QueueStore
from handoff.store.ratelimit import RateLimiter
from handoff.store.tickets import TicketStore

__all__ = [
    "AgentStore",
    "ConversationStore",
    "Keys",
    "QueueStore",
    "RateLimiter",
    "TicketStore",
]
