"""The composition root: builds the stores, the bus and the services, and wires them together.

Nothing here has behaviour of its own; each service's constructor says what it needs (see
handoff/services/__init__.py and docs/architecture.md for who calls whom).
"""

from __future__ import annotations

import asyncio
import time

from handoff.bus import EventBus
from handoff.clock import Clock
from handoff.rasa import RasaClient
from handoff.responses import Responses
from handoff.services.agent_desk import AgentDesk
from handoff.services.auth import Auth
from handoff.services.bot_bridge import BotBridge
from handoff.services.cases import Cases
from handoff.services.console import ConsoleQueries
from handoff.services.content import Content
from handoff.services.customers import Customers
from handoff.services.events import Events
from handoff.services.mailer import Mailer
from handoff.services.metrics import Metrics
from handoff.services.presence import Presence
from handoff.services.ratings import Ratings
from handoff.services.reports import Reports
from handoff.services.router import Router
from handoff.services.sweeper import Sweeper
from handoff.services.team import Team
from handoff.services.waits import Waits
from handoff.settings import Settings
from handoff.states import RULES, Rules
from handoff.store import Stores
from handoff.tokens import Signer
from sportello.problems import Registry


class Hub:
    """Every service of one hub process, over one Redis client and one Rasa client."""

    def __init__(
        self,
        settings: Settings,
        redis,
        responses: Responses,
        rasa: RasaClient,
        registry: Registry,
        canned_selection: list[dict[str, str]] | None = None,
        clock: Clock | None = None,
        rules: Rules = RULES,
    ):
        self.settings = settings
        self.responses = responses
        self.rasa = rasa
        self.registry = registry
        self.clock = clock or Clock(settings.tz)
        self.stores = stores = Stores(
            redis, settings.key_prefix, settings.retention_seconds, settings.heartbeat_timeout, rules
        )
        self.bus = EventBus(redis, stores.keys.channel())
        self.events = Events(stores.transcript, stores.conversations, self.bus)
        self.metrics = Metrics(stores.stats, self.clock, stores.conversations)
        self.events.listen(self.metrics)
        self.content = Content(stores.content, responses, self.bus)
        self.auth = Auth(
            Signer(settings.secret), stores.agents, settings.retention_seconds, settings.agent_token_ttl
        )
        self.console = ConsoleQueries(stores, registry, responses, canned_selection, settings)
        self.mailer = Mailer(settings, stores, responses, self.auth, self.events)
        self.cases = Cases(settings, stores, self.events, self.console, self.mailer)
        self.waits = Waits(settings, stores, self.events, self.console, responses, self.mailer)
        self.router = Router(
            settings,
            stores,
            self.events,
            self.console,
            registry,
            self.mailer,
            self.cases,
            self.waits,
            self.clock,
        )
        self.presence = Presence(
            settings, stores, self.events, self.console, self.router, self.waits, responses
        )
        self.bot = BotBridge(
            settings, stores, rasa, responses, self.events, self.router, self.waits, self.cases
        )
        self.customers = Customers(settings, stores, self.auth, self.events, self.bot, responses)
        self.desk = AgentDesk(
            settings,
            stores,
            self.events,
            self.router,
            self.waits,
            self.presence,
            self.bot,
            self.console,
            self.auth,
            responses,
            self.mailer,
        )
        self.ratings = Ratings(stores, self.events)
        self.team = Team(stores, self.events, self.console)
        self.reports = Reports(settings, stores, self.clock)
        self.sweeper = Sweeper(
            stores, self.presence, self.cases, self.bot, self.mailer, settings.sweep_interval
        )

    async def start(self, sweeper: bool = True) -> None:
        await self.bus.start()
        await self.content.start()  # a shipped release's words, if one is live
        if sweeper:
            self.sweeper.start()

    async def stop(self) -> None:
        self.content.stop()
        await self.sweeper.stop()
        await self.bot.stop()
        await self.bus.stop()

    async def idle(self, timeout: float = 5.0) -> None:
        """Wait until no background work (bot turns, resolves) is pending — for tests and shutdown."""
        deadline = time.monotonic() + timeout
        while self.bot.busy and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
