"""Events: store an event in a conversation's stream and wake every process that listens."""

from __future__ import annotations

from typing import Any

from handoff.bus import AgentNotice, EventBus, EventStored, Typing
from handoff.store import ConversationStore
from handoff.store.records import Appended, Stored


class Events:
    """The one way services add to a conversation's transcript and tell sockets about it."""

    def __init__(self, conversations: ConversationStore, bus: EventBus):
        self.conversations = conversations
        self.bus = bus

    async def emit(self, cid: str, event: dict[str, Any], client_id: str | None = None) -> Appended:
        """Store an event (once per client_id) and publish it."""
        appended = await self.conversations.append(cid, event, client_id)
        if appended.new:
            await self.published(cid, appended)
        return appended

    async def emit_after_bot_turn(self, cid: str, event: dict[str, Any]) -> None:
        """Store an event after the bot's answer in progress, if any (so the bot's "Ti passo a
        Serena…" comes before "Serena si è unita"), else now."""
        await self.published_all(cid, await self.conversations.append_after_bot_turn(cid, event))

    async def published(self, cid: str, appended: Appended) -> None:
        await self._out(EventStored(cid, appended.event, appended.status, appended.agent_id, appended.prev))

    async def published_all(self, cid: str, stored: Stored) -> None:
        prev = stored.prev
        for event in stored.events:
            await self._out(EventStored(cid, event, stored.status, stored.agent_id, prev))
            prev = event["id"]

    async def _out(self, message: EventStored) -> None:
        """This process's customer sockets first, then every process through pub/sub."""
        await self.bus.deliver_local(message)
        await self.bus.publish(message)

    async def typing(self, cid: str, sender: str, agent: dict[str, Any] | None = None) -> None:
        """Someone types in a conversation; a customer's typing is shown to the assigned agent."""
        agent_id = await self.conversations.agent_id(cid) if sender == "customer" else ""
        await self.bus.publish(Typing(cid, sender, agent, agent_id))

    async def notify_agent(self, agent_id: str, message: dict[str, Any]) -> None:
        await self.bus.publish(AgentNotice(message, agent_id))

    async def notify_agents(self, message: dict[str, Any]) -> None:
        await self.bus.publish(AgentNotice(message, None))
