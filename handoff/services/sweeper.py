"""Each process's background sweep: agents gone past their grace period, orphaned bot turns,
tickets past their promised time, e-mail (replies the customer did not read; the outbox), and the
shared indexes a dead process left behind its conversation (see handoff/store/indexes.py)."""

from __future__ import annotations

import asyncio
import logging
import time

from handoff.services.bot_bridge import BotBridge
from handoff.services.cases import Cases
from handoff.services.mailer import Mailer
from handoff.services.presence import Presence
from handoff.store import Stores

log = logging.getLogger("handoff.sweeper")

# a transition still in the journal this long after it started has lost its process
JOURNAL_GRACE_SECONDS = 5.0


class Sweeper:
    def __init__(
        self,
        stores: Stores,
        presence: Presence,
        cases: Cases,
        bot: BotBridge,
        mailer: Mailer,
        interval: float,
    ):
        self.indexes = stores.indexes
        self.agents = stores.agents
        self.presence = presence
        self.cases = cases
        self.bot = bot
        self.mailer = mailer
        self.interval = interval
        self._task: asyncio.Task | None = None
        # (agent, conversation, synced revision) found in a load while not the agent's: dropped
        # when found again, unchanged, by the next sweep (a reservation lives for milliseconds)
        self._suspects: set[tuple[str, str, str]] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._forever(), name="hub-sweeper")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.wait([self._task], timeout=3)

    async def sweep(self) -> None:
        """One pass: repair the indexes, re-queue and drain, then take over bot turns whose process
        died, then tickets and e-mail; a step that fails is logged and the next one still runs."""
        steps = [
            ("index repair", self.repair_indexes),
            ("re-queue and drain", self.presence.requeue_absent),
            ("bot turn sweep", self.bot.take_over_orphans),
            ("overdue ticket sweep", self.cases.flag_overdue_tickets),
            ("mail sweep", self._mail),
        ]
        for name, step in steps:
            try:
                await step()
            except Exception:
                log.warning("%s failed", name, exc_info=True)

    async def _mail(self) -> None:
        await self.mailer.check_replies()
        await self.mailer.send_due()

    async def repair_indexes(self) -> int:
        """Sync again the transitions a dead process left in the journal, and drop from agents'
        loads the conversations that are not theirs (a reservation whose process died); returns
        how many loads were corrected."""
        indexes = self.indexes
        await indexes.resync_journal(time.time() - JOURNAL_GRACE_SECONDS)
        suspects: set[tuple[str, str, str]] = set()
        dropped = 0
        for agent in await self.agents.all():
            for cid, theirs, rev in await indexes.loads_audit(agent.id):
                if theirs:
                    continue
                seen = (agent.id, cid, rev)
                if seen not in self._suspects:
                    suspects.add(seen)
                elif await indexes.drop_stale_load(agent.id, cid, rev):
                    dropped += 1
                    log.info("dropped conversation %s from %s's load (not theirs)", cid, agent.id)
        self._suspects = suspects
        return dropped

    async def _forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.sweep()
