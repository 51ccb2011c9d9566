"""Customer satisfaction: the 1–5 rating of a conversation, summed overall and per agent."""

from __future__ import annotations

import time
from dataclasses import dataclass

from handoff.store.keys import Keys


@dataclass(frozen=True)
class RatingStats:
    count: int
    average: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {"count": self.count, "average": self.average}


def _stats(data: dict[str, str]) -> RatingStats:
    count = int(data.get("count") or 0)
    total = int(data.get("sum") or 0)
    return RatingStats(count, round(total / count, 2) if count else None)


class RatingStore:
    def __init__(self, redis, keys: Keys, ttl: int):
        self.r = redis
        self.k = keys
        self.ttl = ttl

    async def record(self, cid: str, rating: int, agent_id: str, previous: int | None) -> None:
        """Store the conversation's rating and count it (rating again replaces the earlier one)."""
        # the counters and the conversation are on different masters of a cluster: no MULTI
        pipe = self.r.pipeline(transaction=False)
        for key in [self.k.csat()] + ([self.k.csat_agent(agent_id)] if agent_id else []):
            if previous is not None:
                pipe.hincrby(key, "sum", rating - previous)
            else:
                pipe.hincrby(key, "sum", rating)
                pipe.hincrby(key, "count", 1)
            pipe.expire(key, self.ttl)
        pipe.hset(
            self.k.conv(cid),
            mapping={"rating": rating, "rated_at": time.time(), "rated_agent_id": agent_id},
        )
        await pipe.execute()

    async def overall(self) -> RatingStats:
        return _stats(await self.r.hgetall(self.k.csat()))

    async def for_agent(self, aid: str) -> RatingStats:
        return _stats(await self.r.hgetall(self.k.csat_agent(aid)))
