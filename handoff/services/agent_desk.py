"""What agents do: claim, reply, note, transfer, resolve; presence and their console sockets."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from handoff import validation
from handoff.bus import AgentNotice, BusMessage, EventStored, Typing
from handoff.errors import ClientError, NotFound, RateLimited
from handoff.ids import is_conversation_id
from handoff.responses import Responses
from handoff.services import metrics
from handoff.services.auth import Auth
from handoff.services.bot_bridge import BotBridge
from handoff.services.console import ConsoleQueries
from handoff.services.events import Events
from handoff.services.mailer import Mailer
from handoff.services.presence import Presence
from handoff.services.router import Router
from handoff.services.waits import Waits
from handoff.settings import Settings
from handoff.states import Status
from handoff.store import Stores
from handoff.store.agents import PRESENCE, Agent
from handoff.store.records import Conversation

log = logging.getLogger("handoff.agents")
LOGIN_HASHES_AT_ONCE = 2  # argon2 uses 64 MiB and a core for ~0.1 s per attempt
LOGIN_QUEUE = 16  # attempts waiting for a hash slot; more are refused with 429
REVOKED = "revoked"  # bus notice: an agent's tokens changed (sign-out, disabled, new password)


class AgentDesk:
    def __init__(
        self,
        settings: Settings,
        stores: Stores,
        events: Events,
        router: Router,
        waits: Waits,
        presence: Presence,
        bot: BotBridge,
        console: ConsoleQueries,
        auth: Auth,
        responses: Responses,
        mailer: Mailer,
    ):
        self.settings = settings
        self.responses = responses
        self.mailer = mailer
        self.stores = stores
        self.convs = stores.conversations
        self.transitions = stores.transitions
        self.indexes = stores.indexes
        self.notes = stores.notes
        self.rules = stores.rules
        self.agents = stores.agents
        self.tickets = stores.tickets
        self.events = events
        self.router = router
        self.waits = waits
        self.presence = presence
        self.bot = bot
        self.console = console
        self.auth = auth
        self._hashing = asyncio.Semaphore(LOGIN_HASHES_AT_ONCE)
        self._waiting = 0

    def _text(self, value: Any, allow_empty: bool = False) -> str:
        return validation.text(value, self.settings.max_message_length, allow_empty=allow_empty)

    async def _assigned_to(self, cid: str, agent: Agent) -> Conversation:
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "unknown conversation")
        if conv.status not in self.rules.holds_agent or conv.agent_id != agent.id:
            raise ClientError("not_assigned", "this conversation is not assigned to you", 409)
        return conv

    async def _note(self, cid: str, agent: Agent, text: str, ts: float, **extra: Any) -> dict[str, Any]:
        note = {"text": text, "agent": {"id": agent.id, "name": agent.name}, "ts": ts, **extra}
        await self.notes.add(cid, note)
        return note

    # the conversation actions --------------------------------------------------------------
    async def claim(self, cid: str, agent: Agent) -> dict[str, Any]:
        if not await self.convs.exists(cid):
            raise NotFound("conversation_not_found", "unknown conversation")
        await self.agents.touch(agent.id)  # claiming is a sign of life: the grace period starts now
        result = await self.transitions.assign(cid, agent.id, tuple(self.rules.claimable))
        if result == -1:
            raise ClientError(
                "at_capacity", "you are at your capacity; resolve or transfer a conversation first", 409
            )
        if result != 1:
            raise ClientError("not_claimable", "this conversation is not waiting for an agent", 409)
        await self.router.announce_assigned(cid, agent.id)
        await self.waits.queue_changed()
        return await self.console.conversation_view(cid)

    async def message(self, cid: str, agent: Agent, body: dict[str, Any]) -> dict[str, Any]:
        """A reply to the customer, stored once per client_id."""
        client_id = validation.client_id(body.get("client_id"))
        text = self._text(body.get("text"))
        await self._assigned_to(cid, agent)
        event = {
            "type": "message",
            "from": "agent",
            "text": text,
            "agent": agent.for_customer(),
            "client_id": client_id,
        }
        appended = await self.events.emit(cid, event, client_id=f"agent:{client_id}")
        await self.convs.agent_answered(cid)
        if appended.new:
            await self.mailer.agent_replied(cid)  # by e-mail if the customer does not read it here
        return {"type": "ack", "client_id": client_id, "id": appended.id}

    async def mark_read(self, cid: str, agent: Agent) -> dict[str, Any]:
        """The agent has read the conversation up to now (its unread count goes back to 0)."""
        conv = await self.convs.get(cid)
        if conv is None or not conv.handed_off:
            raise NotFound("conversation_not_found", "unknown conversation")
        await self.agents.mark_read(agent.id, cid, conv.customer_count)
        return {"conversation_id": cid, "unread": 0}

    async def add_note(self, cid: str, agent: Agent, text: Any) -> dict[str, Any]:
        """An internal note (never shown to the customer) on a conversation assigned to you,
        pushed to every console."""
        text = self._text(text)
        await self._assigned_to(cid, agent)
        note = await self._note(cid, agent, text, time.time())
        await self.events.notify_agents({"type": "note", "conversation_id": cid, "note": note})
        return note

    async def transfer(
        self, cid: str, agent: Agent, to_id: Any, note: Any = None, reason: Any = None
    ) -> dict[str, Any]:
        """Hand the conversation to a colleague: `note` is for the colleague only; the customer is
        told who writes now (domain.yml: utter_hub_transferred), with `reason` if the agent gave one."""
        to_id = validation.agent_id(to_id)
        if note is not None:
            note = self._text(note, allow_empty=True)
        if reason is not None:
            reason = validation.text(reason, 200, allow_empty=True).strip().rstrip(".")
        await self._assigned_to(cid, agent)
        return await self._hand_over(cid, agent, to_id, note, reason)

    async def reassign(self, cid: str, supervisor: Agent, to_id: Any, reason: Any = None) -> dict[str, Any]:
        """A supervisor moves a conversation from whoever has it to `to_id`: the same as that
        agent transferring it (the customer is told who writes now), with a note saying who moved it."""
        to_id = validation.agent_id(to_id)
        if reason is not None:
            reason = validation.text(reason, 200, allow_empty=True).strip().rstrip(".")
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "unknown conversation")
        holder = await self.agents.get(conv.agent_id) if conv.status in self.rules.holds_agent else None
        if holder is None:
            raise ClientError(
                "not_assigned", "nobody has this conversation: it can only be taken from the queue", 409
            )
        note = f"Riassegnata da {supervisor.name}" + (f": {reason}" if reason else "")
        return await self._hand_over(cid, holder, to_id, note, reason or None)

    async def _hand_over(
        self, cid: str, agent: Agent, to_id: str, note: str | None, reason: str | None
    ) -> dict[str, Any]:
        target = await self.agents.get(to_id)
        if target is None or not target.takes_conversations:
            raise NotFound("agent_not_found", "unknown agent")
        if target.id == agent.id:
            raise ClientError("invalid_agent_id", "you cannot transfer a conversation to yourself")
        if await self.agents.presence(target.id) == "offline":
            raise ClientError("agent_offline", f"{target.name} is offline", 409)
        result = await self.transitions.transfer(cid, agent.id, target.id)
        if result == -1:
            raise ClientError("at_capacity", f"{target.name} is at capacity", 409)
        if result != 1:
            raise ClientError("not_assigned", "this conversation is not assigned to you", 409)
        if note:
            await self._note(cid, agent, note, time.time(), transfer_to=target.id)
        conv = await self.convs.get(cid)
        voice = conv.voice if conv else {}
        told = self.responses.render(
            "utter_hub_transferred_reason" if reason else "utter_hub_transferred",
            voice,
            agent_name=target.name,
            previous_agent_name=agent.name,
            reason=reason or "",
        )
        await self.events.emit(cid, {"type": "message", "from": "bot", **told})
        transfer = {
            "from": {"id": agent.id, "name": agent.name},
            "to": {"id": target.id, "name": target.name},
            "note": note or "",
        }
        await self.router.announce_assigned(cid, target.id, {"transfer": transfer})
        await self.events.notify_agent(
            agent.id, {"type": "transferred", "conversation_id": cid, "transfer": transfer}
        )
        await self.router.drain()
        return await self.console.conversation_view(cid)

    async def resolve(
        self, cid: str, agent: Agent, note: Any = None, seen: Any = None, tag: Any = None
    ) -> dict[str, Any]:
        """Back to the bot, which closes the loop ("Posso fare ancora altro per te?").

        `seen` is the last event the agent saw: if the customer wrote after it, nothing is
        resolved (409 unseen_message), so no message is left unanswered by a race. `tag` says how
        it ended (solved, replacement, refund, no_reply): stored with the case."""
        if note is not None:
            note = self._text(note, allow_empty=True)
        seen = validation.stream_id(seen)
        tag = validation.outcome(tag)
        await self._assigned_to(cid, agent)
        now = time.time()
        outcome, assigned_at = await self.transitions.resolve(cid, agent.id, now, seen, tag or "")
        if outcome == -1:
            raise ClientError(
                "unseen_message", "the customer has written since: read it before resolving", 409
            )
        if outcome != 1:
            raise ClientError("not_assigned", "this conversation is not assigned to you", 409)
        await self.events.fact(
            cid,
            metrics.RESOLVED,
            agent_id=agent.id,
            handling_seconds=(now - assigned_at) if assigned_at else None,
            outcome=tag or "",
        )
        tid = await self.convs.ticket_id(cid)
        if tid:
            await self.tickets.close(tid, now, tag or "")
        if note:
            await self._note(cid, agent, note, now)
        await self.events.emit(cid, {"type": "resolved"})
        await self.events.notify_agent(agent.id, {"type": "resolved", "conversation_id": cid})
        self.bot.after_resolve(cid)
        await self.router.drain()
        return await self.console.conversation_view(cid)

    async def release(self, cid: str, agent: Agent) -> dict[str, Any]:
        """Keep a ticket open without holding it: back to the tickets list (offline), at its place,
        e.g. after answering by e-mail while the customer's reply is awaited."""
        conv = await self._assigned_to(cid, agent)
        held = tuple(self.rules.holds_agent)
        if not await self.transitions.park(cid, Status.OFFLINE, 0, held, expected_agent=agent.id):
            raise ClientError("not_assigned", "this conversation is not assigned to you", 409)
        await self.indexes.keep_offline_place(cid, conv.handoff_at or time.time())
        await self.events.notify_agents({"type": "released", "conversation_id": cid})
        await self.waits.queue_changed()
        return await self.console.conversation_view(cid)

    async def typing(self, cid: Any, agent: Agent) -> None:
        """The agent types in one of their conversations (the customer sees "Serena sta scrivendo")."""
        if (
            not isinstance(cid, str)
            or not is_conversation_id(cid)
            or await self.convs.agent_id(cid) != agent.id
        ):
            raise ClientError("not_assigned", "not your conversation")
        await self.events.typing(cid, "agent", {"name": agent.name})

    # sessions, presence and consoles ---------------------------------------------------------
    async def login(self, email: Any, password: Any, ip: str) -> Agent:
        """The agent for these credentials (the same 401 for every kind of failure)."""
        if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
            raise ClientError("invalid_credentials", "email and password are required")
        if len(email) > 254 or len(password) > 1024:
            raise ClientError("invalid_credentials", "wrong e-mail or password", 401)
        settings, limits = self.settings, self.stores.limits
        # every attempt costs a password hash: limited for everyone, per address, per account+address
        for name, ident, limit in (
            ("login-all", "-", settings.rate_logins_global_per_minute),
            ("login-ip", ip, settings.rate_logins_per_ip_per_minute),
            ("login", f"{email.strip().lower()}|{ip}", settings.rate_logins_per_minute),
        ):
            wait = await limits.hit(name, ident, limit)
            if wait is not None:
                raise RateLimited("too many login attempts; retry later", wait)
        if self._hashing.locked() and self._waiting >= LOGIN_QUEUE:
            raise RateLimited("too many logins at this moment; retry in a second", 1)
        self._waiting += 1
        try:
            async with self._hashing:  # a few password hashes at a time: CPU and memory stay bounded
                agent = await self.agents.authenticate(email, password)
        finally:
            self._waiting -= 1
        if agent is None:
            raise ClientError("invalid_credentials", "wrong e-mail or password", 401)
        return agent

    async def sign_out(self, agent: Agent, token: dict[str, Any]) -> None:
        """Revoke this token; the agent's open consoles re-check theirs at once."""
        await self.auth.sign_out(token)
        await self.events.notify_agent(agent.id, {"type": REVOKED})

    def subscribe(
        self, agent: Agent, post: Callable[[dict], None], recheck: Callable[[], Awaitable[None]]
    ) -> Callable[[], None]:
        """Live frames for an agent's console: notices for them or for everyone, the events of
        their conversations and of conversations waiting for a person (queued or offline), and
        their customers typing. A revocation (sign-out, disabled, new password) makes the socket
        `recheck` its token at once. Returns the function that unsubscribes."""

        async def on_bus(message: BusMessage) -> None:
            if isinstance(message, AgentNotice) and message.message.get("type") == REVOKED:
                if message.agent_id == agent.id:
                    await recheck()
            elif isinstance(message, EventStored):
                if message.agent_id == agent.id or message.status in self.rules.waiting:
                    post(
                        {"type": "event", "conversation_id": message.conversation_id, "event": message.event}
                    )
            elif isinstance(message, Typing):
                if message.sender == "customer" and message.agent_id == agent.id:
                    post({"type": "typing", "conversation_id": message.conversation_id, "from": "customer"})
            elif isinstance(message, AgentNotice) and message.agent_id in (None, agent.id):
                post(message.message)

        return self.events.bus.listen_agents(on_bus)

    # presence and consoles ----------------------------------------------------------------------
    async def set_presence(self, agent: Agent, status: Any, allowed: tuple[str, ...] = PRESENCE) -> None:
        if status not in allowed:
            raise ClientError(
                "invalid_presence", f"status must be {', '.join(allowed[:-1])} or {allowed[-1]}"
            )
        await self.presence.agent_presence(agent.id, status)

    def reply_targets(self) -> dict[str, float]:
        """How long a customer may wait for a person's reply: amber, then red in the console."""
        return {"amber": self.settings.reply_amber_seconds, "red": self.settings.reply_red_seconds}

    async def me(self, agent: Agent) -> dict[str, Any]:
        return {
            **agent.public(),
            "presence": await self.agents.presence(agent.id),
            "load": await self.agents.load(agent.id),
            "reply_targets": self.reply_targets(),
            "states": self.rules.as_dict(),
            "lists": list(self.console.list_names()),
        }

    async def console_opened(self, agent: Agent, socket_id: str) -> None:
        """A console socket opened (any process): the agent is online and the queue drains to them."""
        await self.agents.socket_alive(agent.id, socket_id)
        await self.presence.agent_presence(agent.id, "online")

    async def console_alive(self, agent: Agent, socket_id: str) -> None:
        await self.agents.socket_alive(agent.id, socket_id)

    async def console_closed(self, agent: Agent, socket_id: str) -> None:
        """Offline (the grace period starts) only when no console of this agent is open anywhere."""
        if await self.agents.socket_closed(agent.id, socket_id):
            await self.agents.mark_gone(agent.id)
            await self.events.notify_agents({"type": "agents", "agents": await self.console.agents_view()})
