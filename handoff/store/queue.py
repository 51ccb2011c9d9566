"""The waiting queue: priority first, then age (the handling times the ETA needs are derived
figures: handoff/store/stats.py)."""

from __future__ import annotations

from handoff.store.keys import Keys

HIGH = "high"
_PRIORITY_OFFSET = 10**13  # ms; keeps every high-priority item ahead of every normal one


class QueueStore:
    def __init__(self, redis, keys: Keys, ttl: int):
        self.r = redis
        self.k = keys
        self.ttl = ttl

    @staticmethod
    def score(priority: str, since: float) -> float:
        return (0 if priority == HIGH else _PRIORITY_OFFSET) + int(since * 1000)

    async def ids(self) -> list[str]:
        return await self.r.zrange(self.k.queue(), 0, -1)

    async def position(self, cid: str) -> int | None:
        rank = await self.r.zrank(self.k.queue(), cid)
        return None if rank is None else rank + 1

    async def size(self) -> int:
        return await self.r.zcard(self.k.queue())
