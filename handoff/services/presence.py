"""Agents' presence: online, away or offline as they say or as their consoles show, and what happens
to the conversations of an agent gone past the grace period (back to the queue, the customer told).
"""

from __future__ import annotations

import time

from handoff.responses import Responses
from handoff.services.console import ConsoleQueries
from handoff.services.events import Events
from handoff.services.router import Router
from handoff.services.waits import Waits
from handoff.settings import Settings
from handoff.states import Status
from handoff.store import Stores


class Presence:
    def __init__(
        self,
        settings: Settings,
        stores: Stores,
        events: Events,
        console: ConsoleQueries,
        router: Router,
        waits: Waits,
        responses: Responses,
    ):
        self.settings = settings
        self.convs = stores.conversations
        self.agents = stores.agents
        self.queue = stores.queue
        self.transitions = stores.transitions
        self.rules = stores.rules
        self.events = events
        self.console = console
        self.router = router
        self.waits = waits
        self.responses = responses

    async def agent_presence(self, aid: str, status: str) -> None:
        """An agent says online, away or offline; online drains the queue to them."""
        await self.agents.set_presence(aid, status)
        await self.events.notify_agents({"type": "agents", "agents": await self.console.agents_view()})
        if status == "online":
            await self.router.drain()

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
                held = tuple(self.rules.holds_agent)
                if await self.transitions.park(cid, Status.QUEUED, score, held, expected_agent=agent.id):
                    requeued += 1
                    wait = await self.waits.position_wait(cid)
                    await self.convs.set_fields(
                        cid, {"queue_position": wait["queue_position"], "eta_minutes": wait["eta_minutes"]}
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
                            "status": Status.QUEUED,
                            "ticket_id": conv.ticket_id or None,
                            **wait,
                            "reason": "agent_unavailable",
                        },
                    )
                    await self.events.notify_agent(agent.id, {"type": "unassigned", "conversation_id": cid})
        if requeued:
            await self.waits.queue_changed()
        await self.router.drain()
        await self.waits.queue_changed(notify_agents=False)  # waits move with time and presence too
