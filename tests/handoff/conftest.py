"""Fixtures for the hub's tests: a private redis-server, a stand-in Rasa, the hub on a free port."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import pytest
import pytest_asyncio

from handoff.settings import Settings
from tests.handoff.helpers import INTERNAL_TOKEN, SECRET, RunningHub
from tests.support.fake_rasa import FakeRasa
from tests.support.redis_server import RedisServer

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_collection_modifyitems(items):
    for item in items:
        if inspect.iscoroutinefunction(getattr(item, "function", None)):
            item.add_marker(pytest.mark.asyncio)


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def fake_rasa():
    rasa = FakeRasa().start()
    yield rasa
    rasa.stop()


@pytest.fixture
def settings(redis_server, fake_rasa) -> Settings:
    redis_server.command("FLUSHALL")
    return Settings(
        internal_token=INTERNAL_TOKEN,
        secret=SECRET,
        redis_url=redis_server.url,
        rasa_url=fake_rasa.url,
        rasa_timeout=1.0,
        domain_path=FIXTURES / "domain.yml",
        canned_path=FIXTURES / "no-canned-file.yml",
        heartbeat_timeout=30.0,
        grace_seconds=60.0,
        sweep_interval=0.2,
        rate_conversations_per_minute=1000,
        rate_messages_per_minute=1000,
        rate_logins_per_minute=1000,
        rate_logins_per_ip_per_minute=1000,
        rate_logins_global_per_minute=1000,
        welcome=False,  # most tests count events from the customer's first message; test_hub_waiting checks it
    )


@pytest_asyncio.fixture
async def running(settings):
    hub = await RunningHub(settings).start()
    yield hub
    await hub.stop()


@pytest_asyncio.fixture
async def make_hub(settings):
    """Start extra hubs (other settings, or a second hub on the same Redis; `clock=` and `rules=`
    go to create_app); all stopped at the end."""
    started: list[RunningHub] = []

    async def start(clock=None, rules=None, **overrides) -> RunningHub:
        options = {k: v for k, v in (("clock", clock), ("rules", rules)) if v is not None}
        hub = await RunningHub(settings.with_overrides(**overrides), **options).start()
        started.append(hub)
        return hub

    yield start
    for hub in reversed(started):
        await hub.stop()
