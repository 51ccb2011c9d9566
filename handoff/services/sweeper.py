"""Each process's background sweep: agents gone past their grace period, orphaned bot turns,
tickets past their promised time, and e-mail (replies the customer did not read; the outbox)."""

from __future__ import annotations

import asyncio
import logging

from handoff.services.bot_bridge import BotBridge
from handoff.services.mailer import Mailer
from handoff.services.router import Router

log = logging.getLogger("handoff.sweeper")


class Sweeper:
    def __init__(self, router: Router, bot: BotBridge, mailer: Mailer, interval: float):
        self.router = router
        self.bot = bot
        self.mailer = mailer
        self.interval = interval
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._forever(), name="hub-sweeper")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.wait([self._task], timeout=3)

    async def sweep(self) -> None:
        """One pass: re-queue and drain, then take over bot turns whose process died."""
        try:
            await self.router.requeue_absent()
        except Exception:
            log.warning("sweep failed", exc_info=True)
        try:
            await self.bot.take_over_orphans()
        except Exception:
            log.warning("bot turn sweep failed", exc_info=True)
        try:
            await self.router.flag_overdue_tickets()
        except Exception:
            log.warning("overdue ticket sweep failed", exc_info=True)
        try:
            await self.mailer.check_replies()
            await self.mailer.send_due()
        except Exception:
            log.warning("mail sweep failed", exc_info=True)

    async def _forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.sweep()
