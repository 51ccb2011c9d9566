"""Events: store an event in a conversation's stream, wake every process that listens, and tell the
listeners of this process (the metrics home, handoff/services/metrics.py) what happened."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from handoff.bus import AgentNotice, EventBus, EventStored, Typing
from handoff.services.metrics import FACTS, Fact
from handoff.store import ConversationStore, Transcript
from handoff.store.records import Appended, Stored

log = logging.getLogger("handoff.events")


class Listener(Protocol):
    async def on_event(self, cid: str, event: dict[str, Any]) -> None: ...

    async def on_fact(self, fact: Fact) -> None: ...


class Events:
    """The one way services add to a conversation's transcript and tell sockets about it, and the
    one way anything that happened reaches the listeners."""

    def __init__(self, transcript: Transcript, conversations: ConversationStore, bus: EventBus):
        self.transcript = transcript
        self.conversations = conversations
        self.bus = bus
        self.listeners: list[Listener] = []

    def listen(self, listener: Listener) -> None:
        self.listeners.append(listener)

    async def emit(self, cid: str, event: dict[str, Any], client_id: str | None = None) -> Appended:
        """Store an event (once per client_id) and publish it."""
        appended = await self.transcript.append(cid, event, client_id)
        if appended.new:
            await self.published(cid, appended)
        return appended

    async def emit_after_bot_turn(self, cid: str, event: dict[str, Any]) -> None:
        """Store an event after the bot's answer in progress, if any (so the bot's "Ti passo a
        Serena…" comes before "Serena si è unita"), else now."""
        await self.published_all(cid, await self.transcript.append_after_bot_turn(cid, event))

    async def published(self, cid: str, appended: Appended) -> None:
        """A new event was stored (by `emit` or by a store's script): deliver it and tell the
        listeners."""
        await self._out(EventStored(cid, appended.event, appended.status, appended.agent_id, appended.prev))

    async def published_all(self, cid: str, stored: Stored) -> None:
        prev = stored.prev
        for event in stored.events:
            await self._out(EventStored(cid, event, stored.status, stored.agent_id, prev))
            prev = event["id"]

    async def _out(self, message: EventStored) -> None:
        """This process's customer sockets first, then every process through pub/sub, then the
        listeners."""
        await self.bus.deliver_local(message)
        await self.bus.publish(message)
        for listener in self.listeners:
            try:
                await listener.on_event(message.conversation_id, message.event)
            except Exception:
                log.warning("a listener failed on an event of %s", message.conversation_id, exc_info=True)

    async def fact(self, cid: str, name: str, **data: Any) -> None:
        """Something happened that is not a transcript event (see handoff/services/metrics.py)."""
        if name not in FACTS:
            raise ValueError(f"unknown fact {name!r}")
        fact = Fact(cid, name, data)
        for listener in self.listeners:
            try:
                await listener.on_fact(fact)
            except Exception:
                log.warning("a listener failed on fact %s of %s", name, cid, exc_info=True)

    async def typing(self, cid: str, sender: str, agent: dict[str, Any] | None = None) -> None:
        """Someone types in a conversation; a customer's typing is shown to the assigned agent."""
        agent_id = await self.conversations.agent_id(cid) if sender == "customer" else ""
        await self.bus.publish(Typing(cid, sender, agent, agent_id))

    async def notify_agent(self, agent_id: str, message: dict[str, Any]) -> None:
        await self.bus.publish(AgentNotice(message, agent_id))

    async def notify_agents(self, message: dict[str, Any]) -> None:
        await self.bus.publish(AgentNotice(message, None))
