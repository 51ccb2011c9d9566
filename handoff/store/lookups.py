"""A customer's conversations found by what identifies them: the browser (visitor id), the e-mail
address (hashed in the key name) and the order number. The history on the case card, the preferred
agents and the case a returning customer joins read these."""

from __future__ import annotations

from handoff.store.keys import Keys


class CaseLookups:
    def __init__(self, redis, keys: Keys, ttl: int):
        self.r = redis
        self.k = keys
        self.ttl = ttl

    async def _index(self, key: str, cid: str, now: float) -> None:
        pipe = self.r.pipeline(transaction=False)
        pipe.zadd(key, {cid: now})
        pipe.expire(key, self.ttl)
        await pipe.execute()

    async def index_email(self, cid: str, email: str, now: float) -> None:
        await self._index(self.k.email_convs(email), cid, now)

    async def index_order(self, cid: str, order_number: str, now: float) -> None:
        await self._index(self.k.order_convs(order_number), cid, now)

    async def by_visitor(self, vid: str) -> list[str]:
        """Newest first."""
        return list(reversed(await self.r.zrange(self.k.visitor_convs(vid), 0, -1)))

    async def by_email(self, email: str) -> list[str]:
        return list(reversed(await self.r.zrange(self.k.email_convs(email), 0, -1)))

    async def by_order(self, order_number: str) -> list[str]:
        return list(reversed(await self.r.zrange(self.k.order_convs(order_number), 0, -1)))
