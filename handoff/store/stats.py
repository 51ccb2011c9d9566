"""Derived figures, kept as events happen (the metrics home): written only by the metrics listener
(handoff/services/metrics.py), read by the console, the ETA and the reports. Nothing here is
computed by re-reading transcripts.

* per-conversation facts (`stats:conv:{cid}`, a hash): when it started, its first hand-off and
  reason, first reply by a person, resolution, counts of messages by sender, its rating…;
  `stats:convs` indexes them by start time;
* day counters (`stats:day:{YYYY-MM-DD}`, a hash; the day in the shop's time zone): conversations,
  hand-offs (by reason), resolutions…;
* customer satisfaction (`stats:csat`, `stats:csat:{aid}`: sum and count of ratings, overall and by
  the agent who resolved);
* the last handling times (`stats:handling`: assigned → resolved, newest first), for the ETA.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handoff.store.keys import Keys

HANDLING_KEPT = 50  # handling times kept; the ETA averages the latest 20
HANDLING_AVERAGED = 20


@dataclass(frozen=True)
class RatingStats:
    count: int
    average: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return {"count": self.count, "average": self.average}


def _rating_stats(data: dict[str, str]) -> RatingStats:
    count = int(data.get("count") or 0)
    total = int(data.get("sum") or 0)
    return RatingStats(count, round(total / count, 2) if count else None)


class StatsStore:
    def __init__(self, redis, keys: Keys, ttl: int):
        self.r = redis
        self.k = keys
        self.ttl = ttl

    # per-conversation facts ----------------------------------------------------------------
    async def record(
        self,
        cid: str,
        first: dict[str, Any] | None = None,
        last: dict[str, Any] | None = None,
        counts: dict[str, int] | None = None,
        started_at: float | None = None,
    ) -> None:
        """Write a conversation's facts: `first` only where not set yet (the first hand-off…),
        `last` always (the latest resolution…), `counts` added; `started_at` indexes it."""
        key = self.k.conv_stats(cid)
        pipe = self.r.pipeline(transaction=False)
        for name, value in (first or {}).items():
            pipe.hsetnx(key, name, _text(value))
        if last:
            pipe.hset(key, mapping={name: _text(value) for name, value in last.items()})
        for name, amount in (counts or {}).items():
            pipe.hincrby(key, name, amount)
        pipe.expire(key, self.ttl)
        if started_at is not None:
            pipe.zadd(self.k.stats_convs(), {cid: started_at})
            pipe.expire(self.k.stats_convs(), self.ttl)
        await pipe.execute()

    async def facts(self, cid: str) -> dict[str, str]:
        return await self.r.hgetall(self.k.conv_stats(cid))

    async def conversations_started(
        self, since: float, until: float, offset: int | None = None, count: int | None = None
    ) -> list[str]:
        """The conversations started in [since, until), oldest first (a page of `count` from
        `offset` when given: a report reads them page by page, memory flat in their number)."""
        if offset is None:
            return await self.r.zrangebyscore(self.k.stats_convs(), since, f"({until}")
        return await self.r.zrangebyscore(self.k.stats_convs(), since, f"({until}", start=offset, num=count)

    # day counters ---------------------------------------------------------------------------
    async def count(self, day: str, counts: dict[str, int]) -> None:
        key = self.k.stats_day(day)
        pipe = self.r.pipeline(transaction=False)
        for name, amount in counts.items():
            pipe.hincrby(key, name, amount)
        pipe.expire(key, self.ttl)
        await pipe.execute()

    async def day(self, day: str) -> dict[str, int]:
        return {name: int(value) for name, value in (await self.r.hgetall(self.k.stats_day(day))).items()}

    # customer satisfaction -------------------------------------------------------------------
    async def add_rating(self, rating: int, agent_id: str, previous: int | None) -> None:
        """Count a rating overall and for the agent who resolved (a new rating of the same
        conversation replaces its earlier one)."""
        pipe = self.r.pipeline(transaction=False)
        for key in [self.k.csat()] + ([self.k.csat_agent(agent_id)] if agent_id else []):
            if previous is not None:
                pipe.hincrby(key, "sum", rating - previous)
            else:
                pipe.hincrby(key, "sum", rating)
                pipe.hincrby(key, "count", 1)
            pipe.expire(key, self.ttl)
        await pipe.execute()

    async def csat(self) -> RatingStats:
        return _rating_stats(await self.r.hgetall(self.k.csat()))

    async def csat_of(self, aid: str) -> RatingStats:
        return _rating_stats(await self.r.hgetall(self.k.csat_agent(aid)))

    # handling times (the ETA) ------------------------------------------------------------------
    async def add_handling(self, seconds: float) -> None:
        if seconds <= 0:
            return
        pipe = self.r.pipeline(transaction=False)
        pipe.lpush(self.k.handling(), f"{seconds:.1f}")
        pipe.ltrim(self.k.handling(), 0, HANDLING_KEPT - 1)
        pipe.expire(self.k.handling(), self.ttl)
        await pipe.execute()

    async def average_handling(self, default: float) -> float:
        values = [float(v) for v in await self.r.lrange(self.k.handling(), 0, HANDLING_AVERAGED - 1)]
        return sum(values) / len(values) if values else default


def _text(value: Any) -> str:
    return "" if value is None else str(value)
