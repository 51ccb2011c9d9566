"""Routing: who takes a hand-off, the queue and its ETA, draining it, agents gone past their grace.

The router owns every routing policy: the preferred agents of a returning customer, the priority,
skills and capacity, business hours, queue order and the ETA customers are told.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from typing import Any

from bot.problems import Registry
from handoff import policy, validation
from handoff.errors import ClientError, NotFound
from handoff.ids import is_ticket_id
from handoff.responses import Responses
from handoff.services.console import ConsoleQueries
from handoff.services.events import Events
from handoff.services.mailer import Mailer
from handoff.settings import Settings
from handoff.store import Stores
from handoff.store.agents import Agent, AgentState
from handoff.store.records import Conversation, Ticket

log = logging.getLogger("handoff.router")


class Router:
    def __init__(
        self,
        settings: Settings,
        stores: Stores,
        events: Events,
        console: ConsoleQueries,
        registry: Registry,
        responses: Responses,
        mailer: Mailer,
    ):
        self.settings = settings
        self.responses = responses
        self.mailer = mailer
        self.convs = stores.conversations
        self.agents = stores.agents
        self.tickets = stores.tickets
        self.queue = stores.queue
        self.events = events
        self.console = console
        self.registry = registry
        self._drain_lock = asyncio.Lock()
        self._positions_lock = asyncio.Lock()

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
        outcome, previous = await self.convs.begin_handoff(cid, now)
        if outcome == "missing":
            raise NotFound("conversation_not_found", "unknown conversation")
        if outcome == "routing":
            await self._wait_for_routing(cid)
            outcome = "open"
        if outcome == "open":
            if summary:
                await self.add_to_case(cid, summary)
            return await self.handoff_state(cid)
        try:
            return await self._route(cid, reason, summary, ticket_id, priority, now)
        except Exception:
            await self.convs.set_fields(cid, {"status": previous if previous in ("bot", "") else "bot"})
            raise

    async def add_to_case(self, cid: str, summary: dict[str, Any]) -> None:
        """Details that arrive after the hand-off (e.g. the order number a waiting customer wrote) go
        on the case card where it lacks them; consoles are told to refresh it."""
        merged = await self.convs.merge_summary(cid, summary)
        conv = await self.convs.get(cid)
        if conv is None:
            return
        fields = {
            name: merged[name]
            for name in ("order_number", "customer_name", "email", "problem_type")
            if merged.get(name) and not getattr(conv, name)
        }
        if fields.get("email"):
            fields["email"] = str(fields["email"]).strip().lower()
            await self.convs.index_email(cid, fields["email"], time.time())
        if fields:
            await self.convs.set_fields(cid, fields)
        if conv.ticket_id:
            await self.tickets.reopen(conv.ticket_id, cid, merged)
        await self.events.notify_agents({"type": "case_updated", "conversation_id": cid})
        if fields.get("email") and conv.status == "offline":
            await self.mailer.offline_notice(cid)  # the promise, now that we can write to them

    async def _wait_for_routing(self, cid: str) -> None:
        for _ in range(500):
            await asyncio.sleep(0.01)
            if await self.convs.status(cid) != "routing":
                return
        raise ClientError("handoff_in_progress", "a hand-off is being routed; retry shortly", 409)

    async def _route(self, cid, reason, summary, ticket_id, requested_priority, now) -> dict[str, Any]:
        conv = await self.convs.get(cid) or Conversation(cid)
        merged = {**conv.summary, **summary}
        ticket = await self.tickets.get(ticket_id) if ticket_id else None
        if ticket is None:
            ticket = await self.open_case_of(cid, merged)
        if ticket is not None:
            # one case per customer: what the case knew (name, order…) comes along, and the case's
            # other open conversations close into this one, so it counts once for the agent
            merged = {**{k: v for k, v in ticket.summary.items() if v not in (None, "", [])}, **merged}
            joined = await self.join_case(ticket, cid, now)
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
        if email:
            await self.convs.index_email(cid, email, now)
        order_number = str(merged.get("order_number") or "")
        if order_number:
            await self.convs.index_order(cid, order_number, now)
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
            },
        )
        conv.email = email
        preferred = await self.preferred_agents(conv, ticket)
        status, agent = await self._place(cid, preferred, merged.get("problem_type") or "", priority, now)
        result: dict[str, Any] = {"status": status, "agent": None, "ticket_id": tid}
        event: dict[str, Any] = {"type": "handoff", "status": status, "ticket_id": tid, "reason": reason}
        if agent is not None:
            await self.tickets.set_agent(tid, agent.id, agent.name)
            result["agent"] = event["agent"] = agent.for_customer(with_id=True)
        if status == "queued":
            position = await self.queue.position(cid) or 1
            wait = await self.wait(position)
            result.update(wait)
            event.update(wait)
            await self.convs.set_fields(cid, {"queue_position": position, "eta_minutes": wait["eta_minutes"]})
        if status == "offline":
            # how the promise will be kept: by e-mail (to this address), once we have one, or here
            placed = await self.convs.get(cid) or conv
            result["reply_by"] = self.mailer.reply_by(placed)
            if placed.email:
                result["email"] = placed.email
            await self.mailer.offline_notice(cid)
        await self.events.emit_after_bot_turn(cid, event)
        if agent is not None:
            view = await self.console.conversation_view(cid)
            await self.events.notify_agent(agent.id, {"type": "assigned", "conversation": view})
        # consoles showing the case's earlier conversation move on to this one, now that it is placed
        for other_id in joined:
            await self.events.notify_agents({"type": "merged", "conversation_id": other_id, "into": cid})
        if status in ("queued", "offline") or joined:
            await self.queue_changed()
        return result

    async def open_case_of(self, cid: str, summary: dict[str, Any]) -> Ticket | None:
        """The open case of the customer who wrote this hand-off from a new conversation: the same
        e-mail or the same order number as a case still open (the e-mail or the order number is
        what the customer proves a case with). None for a new case."""
        candidates: list[str] = []
        email = str(summary.get("email") or "").strip().lower()
        if email:
            candidates += await self.convs.email_conversations(email)
        order_number = str(summary.get("order_number") or "")
        if order_number:
            candidates += await self.convs.order_conversations(order_number)
        for other_id in dict.fromkeys(candidates):
            if other_id == cid:
                continue
            tid = await self.convs.ticket_id(other_id)
            ticket = await self.tickets.get(tid) if tid else None
            if ticket is not None and ticket.status == "open":
                return ticket
        return None

    async def join_case(self, ticket: Ticket, cid: str, now: float) -> list[str]:
        """Close the case's other open conversations into `cid` (before it is placed, so the case
        counts once against the agent's capacity); returns them, for the agents to be told once
        `cid` is placed."""
        joined = []
        for other_id in ticket.conversations:
            if other_id == cid:
                continue
            agent_id = await self.convs.merge_into(other_id, cid, now)
            if agent_id is None:
                continue
            log.info("conversation %s of case %s joins %s", other_id, ticket.ticket_id, cid)
            joined.append(other_id)
        return joined

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
        if conv.status == "queued":
            result.update(await self.wait(await self.queue.position(cid) or 1))
        return result

    async def ticket(self, ticket_id: Any) -> dict[str, Any]:
        """A ticket as the internal API answers it (the bot looks up a returning customer's code)."""
        tid = ticket_id.strip().upper() if isinstance(ticket_id, str) else ""
        found = await self.tickets.get(tid) if is_ticket_id(tid) else None
        if found is None:
            raise NotFound("ticket_not_found", "no ticket with this code")
        return found.as_dict()

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
            others += (await self.convs.visitor_conversations(conv.visitor_id))[:10]
        if conv.email:
            others += (await self.convs.email_conversations(conv.email))[:10]
        for other_id in others:
            if other_id == conv.id:
                continue
            other = await self.convs.get(other_id)
            if other is not None and other.latest_agent_id:
                preferred.append(other.latest_agent_id)
        return list(dict.fromkeys(a for a in preferred if a))

    def is_open(self) -> bool:
        return self.settings.business_hours.is_open(datetime.now(self.settings.tz))

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
        if not self.is_open():
            await self.convs.park(cid, "offline", 0, ("routing",))
            return "offline", None
        snapshot = await self.agents.snapshot(now)
        for aid in self._candidates(snapshot, preferred, problem_type):
            result = await self.convs.assign(cid, aid, ("routing",), now)
            if result == 1:
                return "assigned", next(s.agent for s in snapshot if s.agent.id == aid)
            if result == 0:
                break
        if any(s.presence != "offline" for s in snapshot):
            await self.convs.park(cid, "queued", self.queue.score(priority, now), ("routing",))
            return "queued", None
        await self.convs.park(cid, "offline", 0, ("routing",))
        return "offline", None

    # the queue ------------------------------------------------------------------------------
    async def wait(self, position: int) -> dict[str, Any]:
        """Queue position and estimated wait: seconds, the minutes customers are told, and the
        phrase for them from domain.yml ("circa un minuto" / "circa 3 minuti": `wait`)."""
        working = sum(1 for s in await self.agents.snapshot() if s.presence == "online")
        seconds = await self.queue.eta_seconds(position, working)
        minutes = policy.eta_minutes(seconds)
        phrase = self.responses.text(policy.wait_response(minutes), eta_minutes=minutes)
        return {"queue_position": position, "eta_seconds": seconds, "eta_minutes": minutes, "wait": phrase}

    async def queue_changed(self, notify_agents: bool = True) -> None:
        """Push the queue to agents, and new positions or waits to the customers still waiting
        (also called by each sweep: the wait changes as agents come and go, not only the position)."""
        if notify_agents:
            await self.events.notify_agents({"type": "queue", "items": await self.console.queue_items()})
        async with self._positions_lock:
            for position, cid in enumerate(await self.queue.ids(), start=1):
                wait = await self.wait(position)
                if wait["eta_minutes"] > self.settings.wait_offer_minutes:
                    await self.offer_email(cid, wait)  # once per hand-off
                told = await self.convs.told_wait(cid)
                if told == (str(position), str(wait["eta_minutes"])):
                    continue
                await self.convs.set_fields(
                    cid, {"queue_position": position, "eta_minutes": wait["eta_minutes"]}
                )
                event = {
                    "type": "handoff",
                    "status": "queued",
                    "ticket_id": await self.convs.ticket_id(cid) or None,
                    **wait,
                }
                await self.events.emit_after_bot_turn(cid, event)

    # no endless wait ----------------------------------------------------------------------
    async def offer_email(self, cid: str, wait: dict[str, Any]) -> None:
        """A wait past HUB_WAIT_OFFER_MINUTES: offer, once per hand-off, to leave and be answered
        by e-mail without losing the place (buttons /email_instead, /keep_waiting)."""
        conv = await self.convs.get(cid)
        if not self.mailer.enabled or conv is None or conv.status != "queued":
            return
        if conv.offered_email_for == str(conv.handoff_at):
            return
        offer = self.responses.render("utter_hub_offer_email", conv.voice, **wait)
        await self.convs.set_fields(
            cid, {"offered_email_for": str(conv.handoff_at), "buttons": offer.get("buttons") or []}
        )
        await self.events.emit_after_bot_turn(cid, {"type": "message", "from": "bot", **offer})

    async def email_instead(self, cid: str) -> None:
        """The customer chose e-mail over waiting: the conversation becomes a ticket in the
        offline list, at the place of its hand-off (oldest first), with the same case card."""
        conv = await self.convs.get(cid)
        if conv is None or conv.status != "queued":
            return
        if await self.convs.park(cid, "offline", 0, ("queued",)):
            await self.convs.keep_offline_place(cid, conv.handoff_at or time.time())
            await self.convs.set_fields(cid, {"buttons": [], "queue_position": "", "eta_minutes": ""})
            values = {"ticket_id": conv.ticket_id, "email": conv.email}
            name = "utter_hub_email_instead" if conv.email else "utter_hub_email_instead_ask"
            told = self.responses.render(name, conv.voice, **values)
            await self.events.emit(cid, {"type": "message", "from": "bot", **told})
            await self.events.emit(
                cid,
                {
                    "type": "handoff",
                    "status": "offline",
                    "ticket_id": conv.ticket_id or None,
                    "reason": "email_instead",
                },
            )
            await self.mailer.offline_notice(cid)
            await self.queue_changed()

    async def keep_waiting(self, cid: str) -> None:
        """The customer stays in the queue: told the position and wait again."""
        conv = await self.convs.get(cid)
        if conv is None or conv.status != "queued":
            return
        await self.convs.set_fields(cid, {"buttons": []})
        wait = await self.wait(await self.queue.position(cid) or 1)
        told = self.responses.render("utter_hub_keep_waiting", conv.voice, **wait)
        await self.events.emit(cid, {"type": "message", "from": "bot", **told})

    async def flag_overdue_tickets(self) -> int:
        """Tickets past the reply time promised to the customer are flagged to every console once."""
        flagged = 0
        now = time.time()
        for cid in await self.convs.offline_ids():
            conv = await self.convs.get(cid)
            if conv is None or not conv.handoff_at or conv.waiting_since is None:
                continue
            if now <= conv.handoff_at + self.settings.ticket_promise_seconds:
                continue
            if await self.convs.flag_once(cid, f"overdue:{conv.handoff_at}"):
                flagged += 1
                view = await self.console.conversation_view(cid)
                await self.events.notify_agents({"type": "ticket_overdue", "conversation": view})
        return flagged

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
                if conv is None or conv.status != "queued":
                    continue
                preferred = await self.preferred_agents(conv)
                for aid in self._candidates(snapshot, preferred, conv.problem_type):
                    result = await self.convs.assign(cid, aid, ("queued",))
                    if result == 1:
                        moved += 1
                        next(s for s in snapshot if s.agent.id == aid).load += 1
                        await self.announce_assigned(cid, aid)
                        break
                    if result == 0:
                        break
        if moved:
            await self.queue_changed()
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
                "status": "assigned",
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

    # presence ---------------------------------------------------------------------------------
    async def agent_presence(self, aid: str, status: str) -> None:
        """An agent says online, away or offline; online drains the queue to them."""
        await self.agents.set_presence(aid, status)
        await self.events.notify_agents({"type": "agents", "agents": await self.console.agents_view()})
        if status == "online":
            await self.drain()

    async def requeue_absent(self) -> None:
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
                    await self.agents.forget_conversation(agent.id, cid)
                    continue
                score = self.queue.score(conv.priority, conv.handoff_at or now)
                if await self.convs.park(cid, "queued", score, ("assigned",), expected_agent=agent.id):
                    requeued += 1
                    position = await self.queue.position(cid) or 1
                    wait = await self.wait(position)
                    await self.convs.set_fields(
                        cid, {"queue_position": position, "eta_minutes": wait["eta_minutes"]}
                    )
                    # the customer is told in words (domain.yml), then the hand-off state changes
                    told = self.responses.render(
                        "utter_hub_agent_unavailable", conv.voice, agent_name=agent.name, **wait
                    )
                    await self.events.emit_after_bot_turn(cid, {"type": "message", "from": "bot", **told})
                    await self.events.emit_after_bot_turn(
                        cid,
                        {
                            "type": "handoff",
                            "status": "queued",
                            "ticket_id": conv.ticket_id or None,
                            **wait,
                            "reason": "agent_unavailable",
                        },
                    )
                    await self.events.notify_agent(agent.id, {"type": "unassigned", "conversation_id": cid})
        if requeued:
            await self.queue_changed()
        await self.drain()
        await self.queue_changed(notify_agents=False)  # waits move with time and presence too
