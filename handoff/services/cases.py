"""Cases: what the team knows about a customer's problem beyond one conversation — the case card
details that arrive after a hand-off, the open case a returning customer joins, tickets looked up by
code, and tickets past the reply time promised to the customer.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from handoff.errors import NotFound
from handoff.ids import is_ticket_id
from handoff.services.console import ConsoleQueries
from handoff.services.events import Events
from handoff.services.mailer import Mailer
from handoff.settings import Settings
from handoff.states import Status
from handoff.store import Stores
from handoff.store.records import Ticket

log = logging.getLogger("handoff.cases")


class Cases:
    def __init__(
        self, settings: Settings, stores: Stores, events: Events, console: ConsoleQueries, mailer: Mailer
    ):
        self.settings = settings
        self.convs = stores.conversations
        self.lookups = stores.lookups
        self.indexes = stores.indexes
        self.transitions = stores.transitions
        self.tickets = stores.tickets
        self.events = events
        self.console = console
        self.mailer = mailer

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
            await self.lookups.index_email(cid, fields["email"], time.time())
        if fields:
            await self.convs.set_fields(cid, fields)
        if conv.ticket_id:
            await self.tickets.reopen(conv.ticket_id, cid, merged)
        await self.events.notify_agents({"type": "case_updated", "conversation_id": cid})
        if fields.get("email") and conv.status == Status.OFFLINE:
            await self.mailer.offline_notice(cid)  # the promise, now that we can write to them

    async def open_case_of(self, cid: str, summary: dict[str, Any]) -> Ticket | None:
        """The open case of the customer who wrote this hand-off from a new conversation: the same
        e-mail or the same order number as a case still open (the e-mail or the order number is
        what the customer proves a case with). None for a new case."""
        candidates: list[str] = []
        email = str(summary.get("email") or "").strip().lower()
        if email:
            candidates += await self.lookups.by_email(email)
        order_number = str(summary.get("order_number") or "")
        if order_number:
            candidates += await self.lookups.by_order(order_number)
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
            agent_id = await self.transitions.merge_into(other_id, cid, now)
            if agent_id is None:
                continue
            log.info("conversation %s of case %s joins %s", other_id, ticket.ticket_id, cid)
            joined.append(other_id)
        return joined

    async def ticket(self, ticket_id: Any) -> dict[str, Any]:
        """A ticket as the internal API answers it (the bot looks up a returning customer's code)."""
        tid = ticket_id.strip().upper() if isinstance(ticket_id, str) else ""
        found = await self.tickets.get(tid) if is_ticket_id(tid) else None
        if found is None:
            raise NotFound("ticket_not_found", "no ticket with this code")
        return found.as_dict()

    async def flag_overdue_tickets(self) -> int:
        """Tickets past the reply time promised to the customer are flagged to every console once."""
        flagged = 0
        now = time.time()
        for cid in await self.indexes.offline_ids():
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
