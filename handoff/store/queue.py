"""The waiting queue (priority first, then age) and recent handling times for the ETA."""

from __future__ import annotations

import math

from handoff.store.keys import Keys

HIGH = "high"
_PRIORITY_OFFSET = 10**13  # ms; keeps every high-priority item ahead of every normal one


class QueueStore:
    def __init__(self, redis, keys: Keys, ttl: int, default_handling: float = 300.0):
        self.r = redis
        self.k = keys
        self.ttl = ttl
        self.default_handling = default_handling

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

    async def record_handling(self, seconds: float) -> None:
        if seconds <= 0:
            return
        await self.r.lpush(self.k.handling(), f"{seconds:.1f}")
        await self.r.ltrim(self.k.handling(), 0, 49)
        await self.r.expire(self.k.handling(), self.ttl)

    async def average_handling(self) -> float:
        values = [float(v) for v in await self.r.lrange(self.k.handling(), 0, 19)]
        return sum(values) / len(values) if values else self.default_handling

    async def eta_seconds(self, position: int, agents_working: int) -> int:
        average = await self.average_handling()
        return math.ceil(average * position / max(1, agents_working))
