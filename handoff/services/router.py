"""Routing: who takes a hand-off — exactly one hand-off per conversation, the same agent for the same
case, skills and capacity, business hours, the queue or the tickets list — and draining the queue
when capacity appears.

What waiting customers are told (positions, waits, the e-mail offer) is in waits.py; a returning
customer's case and tickets in cases.py; presence and agents gone past their grace in presence.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from handoff import policy, validation
from handoff.clock import Clock
from handoff.errors import ClientError, NotFound
from handoff.services import metrics
from handoff.services.cases import Cases
from handoff.services.console import ConsoleQueries
from handoff.services.events import Events
from handoff.services.mailer import Mailer
from handoff.services.waits import Waits
from handoff.settings import Settings
from handoff.states import Status
from handoff.store import Stores
from handoff.store.agents import Agent, AgentState
from handoff.store.records import Conversation, Ticket
from sportello.problems import Registry

log = logging.getLogger("handoff.router")


def verification(summary: dict[str, Any]) -> dict[str, str]:
    """What the bot says the customer proved (summary `order_verified`: email, postcode or token;
    `email_verified`: the e-mail is the order's), as the conversation keeps it."""
    how = str(summary.get("order_verified") or "")
    how = how if how in ("email", "postcode", "token") else ""
    email_ok = str(summary.get("email_verified") or "").lower() in ("yes", "true", "1")
    return {"order_verified": how, "email_verified": "1" if how and email_ok else ""}


class Router:
    def __init__(
        self,
        settings: Settings,
        stores: Stores,
        events: Events,
        console: ConsoleQueries,
        registry: Registry,
        mailer: Mailer,
        cases: Cases,
        waits: Waits,
        clock: Clock,
    ):
        self.settings = settings
        self.mailer = mailer
        self.convs = stores.conversations
        self.transitions = stores.transitions
        self.lookups = stores.lookups
        self.agents = stores.agents
        self.tickets = stores.tickets
        self.queue = stores.queue
        self.events = events
        self.console = console
        self.registry = registry
        self.cases = cases
        self.waits = waits
        self.clock = clock
        self._drain_lock = asyncio.Lock()

    # opening a hand-off ------------------------------------------------------------
    async def open_handoff(
        self,
        cid: str,
        reason: Any,
        summary: Any = None,
        ticket_id: Any = None,
        priority: Any = None,
    ) -> dict[str, Any]:
        """Open a hand-off (exactly one per conversation, however many race); idempotent."""
        reason = validation.reason(reason)
        priority = validation.priority(priority)
        ticket_id = validation.ticket_id(ticket_id)
        summary = validation.summary(summary)
        now = time.time()
        outcome, previous = await self.transitions.begin_handoff(cid, now)
        if outcome == "missing":
            raise NotFound("conversation_not_found", "unknown conversation")
        if outcome == "routing":
            await self._wait_for_routing(cid)
            outcome = "open"
        if outcome == "open":
            if summary:
                await self.cases.add_to_case(cid, summary)
            return await self.handoff_state(cid)
        try:
            return await self._route(cid, reason, summary, ticket_id, priority, now)
        except Exception:
            await self.convs.set_fields(cid, {"status": Status.BOT})
            raise

    async def _wait_for_routing(self, cid: str) -> None:
        for _ in range(500):
            await asyncio.sleep(0.01)
            if await self.convs.status(cid) != Status.ROUTING:
                return
        raise ClientError("handoff_in_progress", "a hand-off is being routed; retry shortly", 409)

    async def _route(self, cid, reason, summary, ticket_id, requested_priority, now) -> dict[str, Any]:
        conv = await self.convs.get(cid) or Conversation(cid)
        merged = {**conv.summary, **summary}
        # a ticket the bot names was proven the customer's (same browser, or the order proven)
        ticket = await self.tickets.get(ticket_id) if ticket_id else None
        if ticket is None:
            ticket, claim = await self.cases.open_case_of(conv, merged)
            if claim:  # they name someone's open case without proving it: the agent is told, no more
                merged["claimed_case"] = claim
        if ticket is not None:
            # one case per customer: what the case knew (name, order…) comes along, and the case's
            # other open conversations close into this one, so it counts once for the agent
            merged = {**{k: v for k, v in ticket.summary.items() if v not in (None, "", [])}, **merged}
            joined = await self.cases.join_case(ticket, cid, now)
        else:
            joined = []
        mood = merged.get("mood") or ""
        priority = policy.priority_for(self.registry, reason, mood, requested_priority)
        if ticket is not None:
            await self.tickets.reopen(ticket.ticket_id, cid, merged, now)
            tid = ticket.ticket_id
        else:
            tid = await self.tickets.open(cid, conv.visitor_id, merged, now)
        email = str(merged.get("email") or "").strip().lower()
        order_number = str(merged.get("order_number") or "")
        proof = verification(merged)
        # only what the customer proved finds their other cases (an e-mail or an order number typed
        # is a claim: it opens no one's history)
        if email and proof["email_verified"] == "1":
            await self.lookups.index_email(cid, email, now)
        if order_number and proof["order_verified"]:
            await self.lookups.index_order(cid, order_number, now)
        await self.convs.set_fields(
            cid,
            {
                "reason": reason,
                "priority": priority,
                "mood": mood,
                "problem_type": merged.get("problem_type", ""),
                "order_number": order_number,
                "customer_name": merged.get("customer_name", ""),
                "email": email,
                "ticket_id": tid,
                "handoff_at": now,
                "waiting_since": now,
                "summary": merged,
                "queue_position": "",
                **proof,
            },
        )
        conv.email, conv.email_verified = email, proof["email_verified"] == "1"
        preferred = await self.preferred_agents(conv, ticket)
        status, agent = await self._place(cid, preferred, merged.get("problem_type") or "", priority, now)
        result: dict[str, Any] = {"status": status, "agent": None, "ticket_id": tid}
        event: dict[str, Any] = {"type": "handoff", "status": status, "ticket_id": tid, "reason": reason}
        if agent is not None:
            await self.tickets.set_agent(tid, agent.id, agent.name)
            result["agent"] = event["agent"] = agent.for_customer(with_id=True)
        if status == Status.QUEUED:
            wait = await self.waits.position_wait(cid)
            result.update(wait)
            event.update(wait)
            await self.convs.set_fields(
                cid, {"queue_position": wait["queue_position"], "eta_minutes": wait["eta_minutes"]}
            )
        if status == Status.OFFLINE:
            # how the promise will be kept: by e-mail (to this address), once we have one, or here
            mailed = await self.mailer.offline_notice(cid)
            placed = await self.convs.get(cid) or conv
            result["reply_by"] = self.mailer.reply_by(placed, mailed)
            if placed.email and mailed:
                result["email"] = placed.email
        await self.events.emit_after_bot_turn(cid, event)
        await self.events.fact(
            cid,
            metrics.HANDOFF_OPENED,
            reason=reason,
            status=str(status),
            problem_type=merged.get("problem_type") or "",
        )
        if agent is not None:
            view = await self.console.conversation_view(cid)
            await self.events.notify_agent(agent.id, {"type": "assigned", "conversation": view})
        # consoles showing the case's earlier conversation move on to this one, now that it is placed
        for other_id in joined:
            await self.events.notify_agents({"type": "merged", "conversation_id": other_id, "into": cid})
        if status in (Status.QUEUED, Status.OFFLINE) or joined:
            await self.waits.queue_changed()
        return result

    async def handoff_state(self, cid: str) -> dict[str, Any]:
        """The open hand-off as the internal API answers it."""
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "unknown conversation")
        result: dict[str, Any] = {"status": conv.status, "agent": None, "ticket_id": conv.ticket_id or None}
        if conv.agent_id:
            agent = await self.agents.get(conv.agent_id)
            if agent:
                result["agent"] = agent.for_customer(with_id=True)
        if conv.status == Status.QUEUED:
            result.update(await self.waits.position_wait(cid))
        return result

    # who takes it ------------------------------------------------------------------------
    async def preferred_agents(self, conv: Conversation, ticket: Ticket | None = None) -> list[str]:
        """The same agent for the same case, best first: the agent of the ticket the customer came
        back about, this conversation's last and previous agents, then the agents of the customer's
        latest conversations (same browser, then same e-mail)."""
        if ticket is None and conv.ticket_id:
            ticket = await self.tickets.get(conv.ticket_id)
        preferred = [
            ticket.agent.id if ticket and ticket.agent else "",
            conv.last_agent_id,
            conv.previous_agent_id,
        ]
        others: list[str] = []
        if conv.visitor_id:
            others += (await self.lookups.by_visitor(conv.visitor_id))[:10]
        if conv.email and conv.email_verified:
            others += (await self.lookups.by_email(conv.email))[:10]
        for other_id in others:
            if other_id == conv.id:
                continue
            other = await self.convs.get(other_id)
            if other is not None and other.latest_agent_id:
                preferred.append(other.latest_agent_id)
        return list(dict.fromkeys(a for a in preferred if a))

    def is_open(self) -> bool:
        """Whether the business hours say a person can answer now (the shop's calendar)."""
        return self.settings.business_hours.is_open(self.clock.local())

    def _candidates(self, snapshot: list[AgentState], preferred: list[str], problem_type: str) -> list[str]:
        """Preferred agents with room first, then the least-loaded skilled agents with room."""
        skill = self.registry.skill_for(problem_type) or problem_type
        with_room = [s for s in snapshot if s.has_room]
        room_ids = {s.agent.id for s in with_room}
        out = [aid for aid in preferred if aid in room_ids]
        skilled_exists = any(s.agent.handles(skill) for s in snapshot)
        pool = [s for s in with_room if s.agent.handles(skill) or not skilled_exists]
        pool.sort(key=lambda s: (s.load / max(1, s.agent.capacity), s.load, s.agent.name))
        out += [s.agent.id for s in pool if s.agent.id not in out]
        return out

    async def _place(self, cid, preferred, problem_type, priority, now) -> tuple[str, Agent | None]:
        """Preferred or skilled agent, else the queue (someone is around), else offline."""
        routing = (Status.ROUTING,)
        if not self.is_open():
            await self.transitions.park(cid, Status.OFFLINE, 0, routing)
            return Status.OFFLINE, None
        snapshot = await self.agents.snapshot(now)
        for aid in self._candidates(snapshot, preferred, problem_type):
            result = await self.transitions.assign(cid, aid, routing, now)
            if result == 1:
                return Status.ASSIGNED, next(s.agent for s in snapshot if s.agent.id == aid)
            if result == 0:
                break
        if any(s.presence != "offline" for s in snapshot):
            await self.transitions.park(cid, Status.QUEUED, self.queue.score(priority, now), routing)
            return Status.QUEUED, None
        await self.transitions.park(cid, Status.OFFLINE, 0, routing)
        return Status.OFFLINE, None

    async def drain(self) -> int:
        """Give queued conversations to online agents with room; returns how many moved."""
        moved = 0
        async with self._drain_lock:
            ids = await self.queue.ids()
            if not ids or not self.is_open():
                return 0
            snapshot = await self.agents.snapshot()
            if not any(s.has_room for s in snapshot):
                return 0
            for cid in ids:
                conv = await self.convs.get(cid)
                if conv is None or conv.status != Status.QUEUED:
                    continue
                preferred = await self.preferred_agents(conv)
                for aid in self._candidates(snapshot, preferred, conv.problem_type):
                    result = await self.transitions.assign(cid, aid, (Status.QUEUED,))
                    if result == 1:
                        moved += 1
                        next(s for s in snapshot if s.agent.id == aid).load += 1
                        await self.announce_assigned(cid, aid)
                        break
                    if result == 0:
                        break
        if moved:
            await self.waits.queue_changed()
        return moved

    async def announce_assigned(self, cid: str, aid: str, extra: dict[str, Any] | None = None) -> None:
        """Tell the customer who now has the conversation, and that agent's console."""
        agent = await self.agents.get(aid)
        name = agent.name if agent else ""
        tid = await self.convs.ticket_id(cid)
        if tid:
            await self.tickets.set_agent(tid, aid, name)
        await self.events.emit_after_bot_turn(
            cid,
            {
                "type": "handoff",
                "status": Status.ASSIGNED,
                "agent": agent.for_customer(with_id=True) if agent else {"id": aid, "name": name},
                "ticket_id": tid or None,
            },
        )
        message = {
            "type": "assigned",
            "conversation": await self.console.conversation_view(cid),
            **(extra or {}),
        }
        await self.events.notify_agent(aid, message)
