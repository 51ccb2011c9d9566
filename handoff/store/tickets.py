"""Tickets: one per hand-off (or reopened), linked to customer, conversations and agent."""

from __future__ import annotations

import json
import time
from typing import Any

from handoff.ids import new_ticket_id
from handoff.store.keys import Keys
from handoff.store.records import Ticket


class TicketStore:
    def __init__(self, redis, keys: Keys, ttl: int):
        self.r = redis
        self.k = keys
        self.ttl = ttl

    async def _touch(self, *keys: str) -> None:
        pipe = self.r.pipeline(transaction=False)
        for key in keys:
            pipe.expire(key, self.ttl)
        await pipe.execute()

    async def open(
        self,
        cid: str,
        visitor_id: str,
        summary: dict[str, Any],
        now: float | None = None,
    ) -> str:
        now = time.time() if now is None else now
        while True:
            tid = new_ticket_id()
            if await self.r.hsetnx(self.k.ticket(tid), "ticket_id", tid):
                break
        await self.r.hset(
            self.k.ticket(tid),
            mapping={
                "status": "open",
                "created_at": str(now),
                "updated_at": str(now),
                "visitor_id": visitor_id or "",
                "email": (summary.get("email") or "").strip().lower(),
                "problem_type": summary.get("problem_type") or "",
                "order_number": str(summary.get("order_number") or ""),
                "summary": json.dumps(summary, ensure_ascii=False),
                "agent_id": "",
                "agent_name": "",
            },
        )
        await self.r.zadd(self.k.ticket_convs(tid), {cid: now})
        keys = [self.k.ticket(tid), self.k.ticket_convs(tid)]
        if visitor_id:
            await self.r.zadd(self.k.visitor_tickets(visitor_id), {tid: now})
            keys.append(self.k.visitor_tickets(visitor_id))
        await self._touch(*keys)
        return tid

    async def exists(self, tid: str) -> bool:
        return bool(await self.r.exists(self.k.ticket(tid)))

    async def reopen(self, tid: str, cid: str, summary: dict[str, Any], now: float | None = None) -> None:
        now = time.time() if now is None else now
        mapping = {"status": "open", "updated_at": str(now)}
        current = await self.get(tid) or Ticket(tid)
        merged = dict(current.summary)
        for key, value in (summary or {}).items():
            if value not in (None, ""):
                merged[key] = value
        mapping["summary"] = json.dumps(merged, ensure_ascii=False)
        if not current.problem_type and summary.get("problem_type"):
            mapping["problem_type"] = str(summary["problem_type"])
        if not current.order_number and summary.get("order_number"):
            mapping["order_number"] = str(summary["order_number"])
        if not current.email and summary.get("email"):
            mapping["email"] = str(summary["email"]).strip().lower()
        await self.r.hset(self.k.ticket(tid), mapping=mapping)
        await self.r.zadd(self.k.ticket_convs(tid), {cid: now})
        await self._touch(self.k.ticket(tid), self.k.ticket_convs(tid))

    async def set_agent(self, tid: str, aid: str, name: str) -> None:
        await self.r.hset(
            self.k.ticket(tid),
            mapping={
                "agent_id": aid,
                "agent_name": name,
                "updated_at": str(time.time()),
            },
        )

    async def close(self, tid: str, now: float | None = None, outcome: str = "") -> None:
        now = time.time() if now is None else now
        await self.r.hset(
            self.k.ticket(tid),
            mapping={"status": "closed", "closed_at": str(now), "updated_at": str(now), "outcome": outcome},
        )
        await self._touch(self.k.ticket(tid), self.k.ticket_convs(tid))

    async def get(self, tid: str) -> Ticket | None:
        data = await self.r.hgetall(self.k.ticket(tid))
        if not data:
            return None
        return Ticket.from_hash(tid, data, await self.r.zrange(self.k.ticket_convs(tid), 0, -1))

    async def visitor_tickets(self, vid: str) -> list[str]:
        return list(reversed(await self.r.zrange(self.k.visitor_tickets(vid), 0, -1)))
