"""The customer's open pages (`conv:{cid}:sockets`: socket id → last ping) and what they have shown
(`customer_seen` on the state hash): an agent's reply goes by e-mail only when no page is open and
the customer has not seen it."""

from __future__ import annotations

import time

from handoff.ids import stream_order
from handoff.store.keys import Keys

# seconds without a sign of life from the customer's page (it pings every 15 s) before they count as gone
CUSTOMER_GONE_AFTER = 45.0


class CustomerPages:
    def __init__(self, redis, keys: Keys, ttl: int):
        self.r = redis
        self.k = keys
        self.ttl = ttl

    async def alive(self, cid: str, socket_id: str, seen: str | None, now: float | None = None) -> None:
        """A customer's socket is alive (any process), and has delivered every event up to `seen`."""
        now = time.time() if now is None else now
        pipe = self.r.pipeline(transaction=False)
        pipe.zadd(self.k.customer_sockets(cid), {socket_id: now})
        pipe.expire(self.k.customer_sockets(cid), self.ttl)
        await pipe.execute()
        if seen:
            await self.saw(cid, seen)

    async def closed(self, cid: str, socket_id: str, seen: str | None) -> None:
        await self.r.zrem(self.k.customer_sockets(cid), socket_id)
        if seen:
            await self.saw(cid, seen)

    async def saw(self, cid: str, seen: str) -> None:
        """The customer's page has shown every event up to `seen` (only ever moves forward)."""
        current = await self.r.hget(self.k.conv(cid), "customer_seen")
        if not current or stream_order(seen) > stream_order(current):
            await self.r.hset(self.k.conv(cid), "customer_seen", seen)

    async def connected(
        self, cid: str, within: float = CUSTOMER_GONE_AFTER, now: float | None = None
    ) -> bool:
        """Whether a page of the customer is open now (a socket alive in the last `within` s)."""
        now = time.time() if now is None else now
        return bool(await self.r.zcount(self.k.customer_sockets(cid), now - within, "+inf"))
