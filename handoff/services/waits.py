"""What customers waiting in the queue are told: their position and the estimated wait, pushed
whenever either changes; past a long wait, the offer to leave and be answered by e-mail without
losing their place (`/email_instead`, `/keep_waiting`).
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from handoff import policy
from handoff.responses import Responses
from handoff.services.console import ConsoleQueries
from handoff.services.events import Events
from handoff.services.mailer import Mailer
from handoff.settings import Settings
from handoff.states import Status
from handoff.store import Stores


class Waits:
    def __init__(
        self,
        settings: Settings,
        stores: Stores,
        events: Events,
        console: ConsoleQueries,
        responses: Responses,
        mailer: Mailer,
    ):
        self.settings = settings
        self.convs = stores.conversations
        self.agents = stores.agents
        self.queue = stores.queue
        self.stats = stores.stats
        self.transitions = stores.transitions
        self.indexes = stores.indexes
        self.events = events
        self.console = console
        self.responses = responses
        self.mailer = mailer
        self._positions_lock = asyncio.Lock()

    async def wait(self, position: int) -> dict[str, Any]:
        """Queue position and estimated wait (the recent handling time × position ÷ agents online):
        seconds, the minutes customers are told, and the phrase for them from domain.yml ("circa
        un minuto" / "circa 3 minuti": `wait`). With nobody online (everyone away) the wait is
        unknown: None, and the responses say so (their `_unknown_wait` twins)."""
        working = sum(1 for s in await self.agents.snapshot() if s.presence == "online")
        if working == 0:
            # everyone who could answer is away: nobody knows when someone comes back, so the wait
            # is not invented ("circa un minuto"); `wait` None picks the words for an unknown wait
            return {"queue_position": position, "eta_seconds": None, "eta_minutes": None, "wait": None}
        average = await self.stats.average_handling(self.settings.default_handling_seconds)
        seconds = math.ceil(average * position / max(1, working))
        minutes = policy.eta_minutes(seconds)
        phrase = self.responses.text(policy.wait_response(minutes), eta_minutes=minutes)
        return {"queue_position": position, "eta_seconds": seconds, "eta_minutes": minutes, "wait": phrase}

    async def position_wait(self, cid: str) -> dict[str, Any]:
        """The wait of a queued conversation at its place now."""
        return await self.wait(await self.queue.position(cid) or 1)

    async def queue_changed(self, notify_agents: bool = True) -> None:
        """Push the queue to agents, and new positions or waits to the customers still waiting
        (also called by each sweep: the wait changes as agents come and go, not only the position)."""
        if notify_agents:
            await self.events.notify_agents({"type": "queue", "items": await self.console.queue_items()})
        async with self._positions_lock:
            for position, cid in enumerate(await self.queue.ids(), start=1):
                wait = await self.wait(position)
                if wait["eta_minutes"] is None or wait["eta_minutes"] > self.settings.wait_offer_minutes:
                    await self.offer_email(cid, wait)  # once per hand-off; at once when nobody is online
                told = await self.convs.told_wait(cid)
                if told == (str(position), str(wait["eta_minutes"])):
                    continue
                await self.convs.set_fields(
                    cid, {"queue_position": position, "eta_minutes": wait["eta_minutes"]}
                )
                event = {
                    "type": "handoff",
                    "status": Status.QUEUED,
                    "ticket_id": await self.convs.ticket_id(cid) or None,
                    **wait,
                }
                await self.events.emit_after_bot_turn(cid, event)

    # no endless wait ----------------------------------------------------------------------
    async def offer_email(self, cid: str, wait: dict[str, Any]) -> None:
        """A wait past HUB_WAIT_OFFER_MINUTES: offer, once per hand-off, to leave and be answered
        by e-mail without losing the place (buttons /email_instead, /keep_waiting)."""
        conv = await self.convs.get(cid)
        if not self.mailer.enabled or conv is None or conv.status != Status.QUEUED:
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
        if conv is None or conv.status != Status.QUEUED:
            return
        if await self.transitions.park(cid, Status.OFFLINE, 0, (Status.QUEUED,)):
            await self.indexes.keep_offline_place(cid, conv.handoff_at or time.time())
            await self.convs.set_fields(cid, {"buttons": [], "queue_position": "", "eta_minutes": ""})
            values = {"ticket_id": conv.ticket_id, "email": conv.email}
            name = "utter_hub_email_instead" if conv.email else "utter_hub_email_instead_ask"
            told = self.responses.render(name, conv.voice, **values)
            await self.events.emit(cid, {"type": "message", "from": "bot", **told})
            await self.events.emit(
                cid,
                {
                    "type": "handoff",
                    "status": Status.OFFLINE,
                    "ticket_id": conv.ticket_id or None,
                    "reason": "email_instead",
                },
            )
            await self.mailer.offline_notice(cid)
            await self.queue_changed()

    async def keep_waiting(self, cid: str) -> None:
        """The customer stays in the queue: told the position and wait again."""
        conv = await self.convs.get(cid)
        if conv is None or conv.status != Status.QUEUED:
            return
        await self.convs.set_fields(cid, {"buttons": []})
        wait = await self.position_wait(cid)
        told = self.responses.render("utter_hub_keep_waiting", conv.voice, **wait)
        await self.events.emit(cid, {"type": "message", "from": "bot", **told})
