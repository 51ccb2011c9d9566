"""Routing: the same agent for the same case, skills, capacity, the priority queue, business hours,
presence and the grace period. Mixed into `Hub` (uses its stores, bus and settings)."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

from handoff.errors import NotFound
from handoff.store.agents import Agent

log = logging.getLogger("handoff.routing")


class RoutingMixin:
    async def _customer_agents(self, visitor_id: str, email: str, exclude: str) -> list[str]:
        """Agents who handled this customer's latest conversations (same agent for the same case)."""
        ids: list[str] = []
        if visitor_id:
            ids += (await self.convs.visitor_conversations(visitor_id))[:10]
        if email:
            ids += (await self.convs.email_conversations(email))[:10]
        agents = []
        for other in ids:
            if other == exclude:
                continue
            agent_id, last_agent = await self.r.hmget(self.keys.conv(other), "agent_id", "last_agent_id")
            if agent_id or last_agent:
                agents.append(agent_id or last_agent)
        return agents

    def is_open(self) -> bool:
        return self.settings.business_hours.is_open(datetime.now(self.settings.tz))

    async def _place(self, cid, sticky, problem_type, priority, now) -> tuple[str, Agent | None]:
        """Routing: sticky agent, else least-loaded skilled agent, else queue, else offline."""
        if not self.is_open():
            await self.convs.park(cid, "offline", 0, ("routing",))
            return "offline", None
        snapshot = await self.agents.snapshot(now)
        for aid in self._candidates(snapshot, sticky, problem_type):
            result = await self.convs.assign(cid, aid, ("routing",), now)
            if result == 1:
                return "assigned", next(e["agent"] for e in snapshot if e["agent"].id == aid)
            if result == 0:
                break
        if any(e["presence"] != "offline" for e in snapshot):
            await self.convs.park(cid, "queued", self.queue.score(priority, now), ("routing",))
            return "queued", None
        await self.convs.park(cid, "offline", 0, ("routing",))
        return "offline", None

    @staticmethod
    def _candidates(snapshot: list[dict[str, Any]], sticky: list[str], problem_type: str) -> list[str]:
        online = [e for e in snapshot if e["presence"] == "online" and e["load"] < e["agent"].capacity]
        out: list[str] = []
        online_ids = {e["agent"].id for e in online}
        for aid in sticky:
            if aid and aid in online_ids and aid not in out:
                out.append(aid)
        skilled_exists = any(e["agent"].handles(problem_type) for e in snapshot)
        pool = [e for e in online if e["agent"].handles(problem_type) or not skilled_exists]
        pool.sort(
            key=lambda e: (
                e["load"] / max(1, e["agent"].capacity),
                e["load"],
                e["agent"].name,
            )
        )
        out += [e["agent"].id for e in pool if e["agent"].id not in out]
        return out

    async def _eta(self, position: int) -> int:
        working = sum(1 for e in await self.agents.snapshot() if e["presence"] == "online")
        return await self.queue.eta_seconds(position, working)

    async def handoff_state(self, cid: str) -> dict[str, Any]:
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "unknown conversation")
        status = conv.get("status", "bot")
        result: dict[str, Any] = {
            "status": status,
            "agent": None,
            "ticket_id": conv.get("ticket_id") or None,
        }
        if conv.get("agent_id"):
            agent = await self.agents.get(conv["agent_id"])
            if agent:
                result["agent"] = agent.for_customer(with_id=True)
        if status == "queued":
            position = await self.queue.position(cid) or 1
            result.update(queue_position=position, eta_seconds=await self._eta(position))
        return result

    async def queue_changed(self) -> None:
        """Push the queue to agents, and new positions/ETAs to the customers still waiting."""
        await self.notify_agent(None, {"type": "queue", "items": await self.queue_items()})
        async with self._positions_lock:
            for position, cid in enumerate(await self.queue.ids(), start=1):
                old = await self.r.hget(self.keys.conv(cid), "queue_position")
                if old == str(position):
                    continue
                await self.convs.set_fields(cid, {"queue_position": position})
                tid = await self.r.hget(self.keys.conv(cid), "ticket_id")
                await self.emit(
                    cid,
                    {
                        "type": "handoff",
                        "status": "queued",
                        "ticket_id": tid,
                        "queue_position": position,
                        "eta_seconds": await self._eta(position),
                    },
                )

    async def drain(self) -> int:
        """Give queued conversations to online agents with free capacity; returns how many moved."""
        moved = 0
        async with self._drain_lock:
            ids = await self.queue.ids()
            if not ids or not self.is_open():
                return 0
            snapshot = await self.agents.snapshot()
            if not any(e["presence"] == "online" and e["load"] < e["agent"].capacity for e in snapshot):
                return 0
            for cid in ids:
                conv = await self.convs.get(cid)
                if not conv or conv.get("status") != "queued":
                    continue
                sticky = [conv.get("last_agent_id", "")]
                if conv.get("ticket_id"):
                    ticket = await self.tickets.get(conv["ticket_id"])
                    if ticket and ticket.get("agent"):
                        sticky.insert(0, ticket["agent"]["id"])
                sticky += await self._customer_agents(conv.get("visitor_id", ""), conv.get("email", ""), cid)
                for aid in self._candidates(snapshot, sticky, conv.get("problem_type", "")):
                    result = await self.convs.assign(cid, aid, ("queued",))
                    if result == 1:
                        moved += 1
                        for entry in snapshot:
                            if entry["agent"].id == aid:
                                entry["load"] += 1
                        await self._announce_assigned(cid, aid)
                        break
                    if result == 0:
                        break
        if moved:
            await self.queue_changed()
        return moved

    async def _announce_assigned(self, cid: str, aid: str, extra: dict[str, Any] | None = None) -> None:
        agent = await self.agents.get(aid)
        name = agent.name if agent else ""
        tid = await self.r.hget(self.keys.conv(cid), "ticket_id")
        if tid:
            await self.tickets.set_agent(tid, aid, name)
        await self.convs.set_fields(cid, {"queue_position": ""})
        await self.emit(
            cid,
            {
                "type": "handoff",
                "status": "assigned",
                "agent": agent.for_customer(with_id=True) if agent else {"id": aid, "name": name},
                "ticket_id": tid,
            },
        )
        message = {
            "type": "assigned",
            "conversation": await self.conversation_view(cid),
        }
        if extra:
            message.update(extra)
        await self.notify_agent(aid, message)

    async def agent_online(self, aid: str, status: str = "online") -> None:
        await self.agents.set_presence(aid, status)
        await self.notify_agent(None, {"type": "agents", "agents": await self.agents_view()})
        if status == "online":
            await self.drain()

    async def sweep(self) -> None:
        """Re-queue conversations of agents gone for longer than the grace period; drain the queue."""
        now = time.time()
        requeued = 0
        for agent in await self.agents.all():
            assigned = await self.agents.conversations(agent.id)
            if not assigned:
                continue
            if not agent.disabled and await self.agents.presence(agent.id, now) != "offline":
                continue
            since = await self.agents.offline_since(agent.id)
            if not agent.disabled and since is not None and now - since < self.settings.grace_seconds:
                continue
            for cid in assigned:
                conv = await self.convs.get(cid)
                if conv is None:
                    await self.r.srem(self.keys.agent_convs(agent.id), cid)
                    continue
                score = self.queue.score(conv.get("priority", "normal"), float(conv.get("handoff_at") or now))
                if await self.convs.park(cid, "queued", score, ("assigned",), expected_agent=agent.id):
                    requeued += 1
                    position = await self.queue.position(cid) or 1
                    await self.convs.set_fields(cid, {"queue_position": position})
                    await self.emit(
                        cid,
                        {
                            "type": "handoff",
                            "status": "queued",
                            "ticket_id": conv.get("ticket_id") or None,
                            "queue_position": position,
                            "eta_seconds": await self._eta(position),
                            "reason": "agent_unavailable",
                        },
                    )
                    await self.notify_agent(agent.id, {"type": "unassigned", "conversation_id": cid})
        if requeued:
            await self.queue_changed()
        await self.drain()

    async def _sweep_forever(self) -> None:
        while True:
            try:
                await asyncio.sleep(self.settings.sweep_interval)
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("sweep failed", exc_info=True)
            try:
                await self.sweep_bot_turns()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("bot turn sweep failed", exc_info=True)
