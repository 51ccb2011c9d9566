"""Cases: what the team knows about a customer's problem beyond one conversation — the case card
details that arrive after a hand-off, the open case a returning customer joins, tickets looked up by
code, and tickets past the reply time promised to the customer.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from handoff.errors import ClientError, NotFound, RateLimited
from handoff.ids import is_ticket_id
from handoff.services.console import ConsoleQueries
from handoff.services.events import Events
from handoff.services.mailer import Mailer
from handoff.settings import Settings
from handoff.states import Status
from handoff.store import Stores
from handoff.store.records import Conversation, Ticket

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
        self.limits = stores.limits
        self.events = events
        self.console = console
        self.mailer = mailer

    async def add_to_case(self, cid: str, summary: dict[str, Any]) -> bool:
        """Details that arrive after the hand-off (e.g. the order number a waiting customer wrote) go
        on the case card where it lacks them; consoles are told to refresh it. True when an address
        given now carries the offline promise by e-mail (mailed within the caps)."""
        merged = await self.convs.merge_summary(cid, summary)
        conv = await self.convs.get(cid)
        if conv is None:
            return False
        fields = {
            name: merged[name]
            for name in ("order_number", "customer_name", "email", "problem_type")
            if merged.get(name) and not getattr(conv, name)
        }
        if fields.get("email"):
            fields["email"] = (
                str(fields["email"]).strip().lower()
            )  # a claim: not indexed, mailed within the caps
        if fields:
            await self.convs.set_fields(cid, fields)
        if conv.ticket_id:
            await self.tickets.reopen(conv.ticket_id, cid, merged)
        await self.events.notify_agents({"type": "case_updated", "conversation_id": cid})
        if fields.get("email") and conv.status == Status.OFFLINE:
            return await self.mailer.offline_notice(cid)  # the promise, now that we can write to them
        return False

    async def open_case_of(
        self, conv: Conversation, summary: dict[str, Any]
    ) -> tuple[Ticket | None, str | None]:
        """The open case of the customer who wrote this hand-off from a new conversation, joined only
        on proof they hold: the same browser (their visitor token), or the order proven theirs
        (the bot checked a second fact the shop holds: `order_verified`). An e-mail or an order
        number they merely typed is a claim: it joins nothing, and comes back as the claim to show
        the agent ("T6QYJ5XKA (e-mail, non verificato)"), never as the other case's content."""
        if conv.visitor_id:
            for other_id in await self.lookups.by_visitor(conv.visitor_id):
                ticket = await self._open_ticket_of(other_id, conv.id)
                if ticket is not None:
                    return ticket, None
        order_number = str(summary.get("order_number") or "")
        if order_number and summary.get("order_verified"):
            for other_id in await self.lookups.by_order(order_number):
                ticket = await self._open_ticket_of(other_id, conv.id)
                if ticket is not None:
                    return ticket, None
        claims = []
        email = str(summary.get("email") or "").strip().lower()
        if email:
            claims += [(other, "e-mail") for other in await self.lookups.by_email(email)]
        if order_number:
            claims += [(other, "ordine") for other in await self.lookups.by_order(order_number)]
        for other_id, by in claims:
            ticket = await self._open_ticket_of(other_id, conv.id)
            if ticket is not None:
                return None, f"{ticket.ticket_id} ({by}, non verificato)"
        return None, None

    async def _open_ticket_of(self, other_id: str, cid: str) -> Ticket | None:
        if other_id == cid:
            return None
        tid = await self.convs.ticket_id(other_id)
        ticket = await self.tickets.get(tid) if tid else None
        return ticket if ticket is not None and ticket.status == "open" else None

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

    async def order_lookup(self, cid: str, kind: Any) -> dict[str, Any]:
        """An order number is a key to someone's name, address and purchases, and in real shops
        order numbers are sequential: the bot asks here before each lookup, and says each failed
        proof of an order (like a failed login). Counted per conversation, per visitor (browser)
        and per origin (the address it started from), in every process; past a limit, 429."""
        if kind not in ("lookup", "failed_proof"):
            raise ClientError("invalid_kind", "kind must be lookup or failed_proof")
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "unknown conversation")
        s = self.settings
        if kind == "lookup":
            checks = [
                ("order-conv", cid, s.order_lookups_per_conversation),
                ("order-visitor", conv.visitor_id or cid, s.order_lookups_per_visitor),
                ("order-origin", conv.origin or cid, s.order_lookups_per_origin),
            ]
        else:
            checks = [
                ("proof-visitor", conv.visitor_id or cid, s.order_proofs_failed_per_visitor),
                ("proof-origin", conv.origin or cid, s.order_proofs_failed_per_origin),
            ]
        for name, ident, limit in checks:
            wait = await self.limits.hit(name, ident, limit, window=3600)
            if wait is not None:
                log.warning("order %s limit reached (%s) for conversation %s", kind, name, cid)
                raise RateLimited("too many order lookups; a person will help", wait)
        return {"allowed": True}

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
