"""Fixtures for the bot's tests."""

from __future__ import annotations

import socket

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestServer

from bot.actions.api.orders import DemoOrderStore, set_order_store
from bot.actions.config import DEFAULT_DEMO_ORDERS
from tests.bot.helpers import PINNED_TODAY, StandInHub


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    """The shop's "today" is pinned for every test (SPORTELLO_TODAY): the demo orders' dates are
    relative (`today-12`), so what the bot says must not depend on the day the suite runs. A test
    that needs another day sets its own; one about the real clock removes it."""
    monkeypatch.setenv("SPORTELLO_TODAY", PINNED_TODAY.isoformat())
    return PINNED_TODAY


@pytest.fixture(autouse=True)
def demo_orders():
    """Every test starts from the demo order file, in a fresh store."""
    store = DemoOrderStore(DEFAULT_DEMO_ORDERS)
    set_order_store(store)
    yield store
    set_order_store(None)


@pytest_asyncio.fixture(autouse=True)
async def hub(monkeypatch):
    """A stand-in hub on a free port; the actions are pointed at it (every test: the actions ask
    the hub before each order lookup, and never a hub that happens to run on this machine)."""
    stand_in = StandInHub()
    server = TestServer(stand_in.app(), host="127.0.0.1")
    await server.start_server()
    monkeypatch.setenv("HUB_URL", str(server.make_url("")).rstrip("/"))
    monkeypatch.setenv("HUB_INTERNAL_TOKEN", "test-internal-token-4f9a2c7e")
    yield stand_in
    await server.close()


@pytest.fixture
def hub_down(monkeypatch):
    """The hub's address answers nothing (a closed port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("HUB_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("HUB_INTERNAL_TOKEN", "test-internal-token-4f9a2c7e")
    monkeypatch.setenv("HUB_TIMEOUT", "1")
