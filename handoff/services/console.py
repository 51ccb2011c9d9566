"""What the agent console sees: conversation summaries, details with the case card, history, agents."""

from __future__ import annotations

import time
from typing import Any

from handoff.errors import ClientError, NotFound
from handoff.responses import Responses
from handoff.settings import Settings
from handoff.states import Status
from handoff.store import Stores
from handoff.store.agents import Agent
from handoff.store.records import Conversation
from sportello.problems import Registry

RESOLVED = "resolved"  # the list of what the agent resolved (an event, not a state: see handoff/states.py)


class ConsoleQueries:
    """Read-only views for agents (labels from the problem registry)."""

    def __init__(
        self,
        stores: Stores,
        registry: Registry,
        responses: Responses,
        canned_selection: list[dict[str, str]] | None = None,
        settings: Settings | None = None,
    ):
        self.settings = settings or Settings(secret="-" * 32, internal_token="-" * 24)
        self.responses = responses
        self.canned_selection = canned_selection  # from the canned file, if any
        self.convs = stores.conversations
        self.transcript = stores.transcript
        self.notes = stores.notes
        self.pages = stores.pages
        self.lookups = stores.lookups
        self.indexes = stores.indexes
        self.agents = stores.agents
        self.tickets = stores.tickets
        self.queue = stores.queue
        self.stats = stores.stats
        self.rules = stores.rules
        self.registry = registry

    async def conversation_view(self, cid: str) -> dict[str, Any]:
        """The summary of a conversation that lists and notifications carry."""
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "unknown conversation")
        return await self._view(conv)

    async def _view(self, conv: Conversation) -> dict[str, Any]:
        agent = None
        if conv.agent_id:
            found = await self.agents.get(conv.agent_id)
            agent = {"id": conv.agent_id, "name": found.name if found else ""}
        view = {
            "id": conv.id,
            "status": conv.status,
            "agent": agent,
            "priority": conv.priority,
            "mood": conv.mood or None,
            "mood_label": self.registry.mood_label(conv.mood),
            "problem_type": conv.problem_type or None,
            "problem_label": self.registry.problem_label(conv.problem_type),
            "order_number": conv.order_number or None,
            "customer_name": conv.customer_name or None,
            "email": conv.email or None,
            "ticket_id": conv.ticket_id or None,
            "reason": conv.reason or None,
            "created_at": conv.created_at,
            "handoff_at": conv.handoff_at,
            "resolved_at": conv.resolved_at,
            "rating": conv.rating,
            "outcome": conv.outcome or None,
            "merged_into": conv.merged_into or None,
            # the oldest customer message no person has answered yet (None: nobody is waiting)
            "waiting_since": conv.waiting_since,
            "customer_count": conv.customer_count,
        }
        if conv.status == self.rules.tickets and conv.handoff_at:
            # a ticket: the reply promised to the customer, and whether that time has passed
            view["reply_by"] = conv.handoff_at + self.settings.ticket_promise_seconds
            view["overdue"] = conv.waiting_since is not None and time.time() > view["reply_by"]
        if conv.status in self.rules.holds_agent or conv.status == self.rules.tickets:
            # how what an agent writes now reaches the customer: on the page they have open (`chat`),
            # by e-mail (`email`: not on the page, an address, mail configured), or when they come back
            online = await self.pages.connected(conv.id)
            view["customer_online"] = online
            view["reply_channel"] = (
                "chat" if online else "email" if conv.email and self.settings.mail_enabled else "later"
            )
        if conv.status == self.rules.queue:
            view["queue_position"] = await self.queue.position(conv.id)
        last = await self.transcript.last_events(conv.id, 10)
        preview = next((e for e in reversed(last) if e.get("type") == "message"), None)
        view["last_message"] = (
            {"from": preview.get("from"), "text": preview.get("text", "")[:200], "ts": preview.get("ts")}
            if preview
            else None
        )
        return view

    async def queue_items(self, agent: Agent | None = None) -> list[dict[str, Any]]:
        """The waiting conversations, in queue order, with their positions."""
        items = []
        for position, cid in enumerate(await self.queue.ids(), start=1):
            try:
                view = await self.conversation_view(cid)
            except NotFound:
                continue
            view["queue_position"] = position
            items.append(view)
        return await self._unread(items, agent) if agent else items

    async def _unread(self, items: list[dict[str, Any]], agent: Agent) -> list[dict[str, Any]]:
        """Each item with what this agent has read of it (`read`) and what not yet (`unread`)."""
        marks = await self.agents.read_marks(agent.id)
        for item in items:
            item["read"] = marks.get(item["id"], 0)
            item["unread"] = max(0, int(item.get("customer_count") or 0) - item["read"])
        return items

    def list_names(self) -> tuple[str, ...]:
        """The lists agents can ask for (`GET /v1/agent/conversations?status=…`): the queue, theirs
        (the states that hold an agent), the tickets, what they resolved."""
        return (str(self.rules.queue), str(Status.ASSIGNED), RESOLVED, str(self.rules.tickets))

    async def list_conversations(
        self, agent: Agent, status: str, scope: str = "mine"
    ) -> list[dict[str, Any]]:
        if scope not in ("mine", "all"):
            raise ClientError("invalid_scope", "scope must be mine or all")
        names = self.list_names()
        if status not in names:
            raise ClientError("invalid_status", f"status must be {', '.join(names[:-1])} or {names[-1]}")
        if status == self.rules.queue:
            return await self.queue_items(agent)
        if status == Status.ASSIGNED:
            if scope == "all":
                ids = [
                    cid
                    for other in await self.agents.all()
                    for cid in await self.agents.conversations(other.id)
                ]
            else:
                ids = await self.agents.conversations(agent.id)
        elif status == self.rules.tickets:
            ids = await self.indexes.offline_ids()
        else:
            ids = await self.indexes.resolved_ids(agent.id)
        out = []
        for cid in ids:
            try:
                out.append(await self.conversation_view(cid))
            except NotFound:
                continue
        return await self._unread(out, agent)

    async def conversation_detail(self, cid: str) -> dict[str, Any]:
        """Transcript, case card, notes and the customer's history: for conversations handed off to
        the team. A chat that only ever talked to the bot is not the team's to read."""
        conv = await self.convs.get(cid)
        if conv is None or not conv.handed_off:
            raise NotFound("conversation_not_found", "unknown conversation")
        mood = conv.mood or conv.summary.get("mood")
        case_card = {
            **conv.summary,
            "reason": conv.reason or None,
            "mood": mood,
            "mood_label": self.registry.mood_label(mood),
            "problem_label": self.registry.problem_label(
                conv.summary.get("problem_type") or conv.problem_type
            ),
            "priority": conv.priority,
            "ticket_id": conv.ticket_id or None,
            # what the customer proved: how the order was shown to be theirs ('' not proved) and
            # whether the e-mail is the order's; a case they named without proof (`claimed_case`)
            "order_verified": conv.order_verified or None,
            "email_verified": conv.email_verified,
        }
        return {
            "conversation": await self._view(conv),
            "transcript": await self.transcript.events(cid),
            "earlier": await self.earlier(conv),
            "case_card": case_card,
            "notes": await self.notes.all(cid),
            "history": await self.history(conv),
        }

    async def earlier(self, conv: Conversation) -> list[dict[str, Any]]:
        """The case's earlier conversations (the customer came back from a new chat), oldest first,
        with their transcripts: one timeline for the agent, nothing to ask again."""
        if not conv.ticket_id:
            return []
        ticket = await self.tickets.get(conv.ticket_id)
        out = []
        for other_id in ticket.conversations if ticket else []:
            if other_id == conv.id:
                continue
            other = await self.convs.get(other_id)
            if other is None:
                continue
            out.append(
                {
                    "conversation_id": other.id,
                    "created_at": other.created_at,
                    "transcript": await self.transcript.events(other.id),
                }
            )
        out.sort(key=lambda item: item["created_at"])
        return out

    async def history(self, conv: Conversation) -> list[dict[str, Any]]:
        """The customer's earlier cases, newest first, one entry per case (a ticket and its
        conversations), found by browser and by e-mail; chats that never reached a person and the
        current case are left out. Each entry opens the case's latest conversation."""
        ids: list[str] = []
        if conv.visitor_id:
            ids += await self.lookups.by_visitor(conv.visitor_id)
        if conv.email and conv.email_verified:  # a typed address opens no one's history
            ids += await self.lookups.by_email(conv.email)
        cases: dict[str, dict[str, Any]] = {}
        for other_id in dict.fromkeys(ids):
            other = await self.convs.get(other_id)
            if other is None or not other.handed_off or other.id == conv.id:
                continue  # bot-only chats are not history an agent needs
            key = other.ticket_id or other.id
            if key in cases or (conv.ticket_id and key == conv.ticket_id):
                continue  # seen, or the current case (its conversations are inline: `earlier`)
            count = 1
            if other.ticket_id:
                ticket = await self.tickets.get(other.ticket_id)
                if ticket is not None and ticket.conversations:
                    count = len(ticket.conversations)
                    latest = await self.convs.get(ticket.conversations[-1])
                    other = latest if latest is not None else other
            agent = await self.agents.get(other.latest_agent_id) if other.latest_agent_id else None
            cases[key] = {
                "conversation_id": other.id,  # the latest conversation of the case: what opens
                "ticket_id": other.ticket_id or None,
                "created_at": other.created_at,
                "state": self._state(other),
                "problem_type": other.problem_type or None,
                "problem_label": self.registry.problem_label(other.problem_type),
                "order_number": other.order_number or None,
                "agent": {"id": agent.id, "name": agent.name} if agent else None,
                "rating": other.rating,
                "outcome": other.outcome or None,
                "conversations": count,
            }
        return sorted(cases.values(), key=lambda item: -item["created_at"])

    def _state(self, conv: Conversation) -> str:
        """Where a case stands, in the console's words: waiting, with_agent, resolved."""
        if conv.status in self.rules.waiting or conv.status == Status.ROUTING:
            return "waiting"
        if conv.status in self.rules.holds_agent:
            return "with_agent"
        return "resolved"  # back with the bot after an agent (or closed into a newer chat)

    async def agents_view(self) -> list[dict[str, Any]]:
        """Every enabled agent with presence and load (the transfer list, the `agents` frame)."""
        return [state.as_dict() for state in await self.agents.snapshot()]

    async def canned(self, cid: str | None = None) -> list[dict[str, str]]:
        """Canned replies for the composer: `utter_canned_*` of domain.yml (picked by the canned
        file), in the register of conversation `cid` when given (Lei for a formal customer)."""
        conv = await self.convs.get(cid) if cid else None
        return self.responses.canned(self.canned_selection, conv.voice if conv else None)

    async def csat(self) -> dict[str, Any]:
        agents = []
        for agent in await self.agents.all():
            stats = await self.stats.csat_of(agent.id)
            agents.append({"id": agent.id, "name": agent.name, **stats.as_dict()})
        return {"overall": (await self.stats.csat()).as_dict(), "agents": agents}
