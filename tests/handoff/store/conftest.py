"""Fixtures for the stores' unit tests: a Redis client on the private test Redis (emptied for each
test) and the stores over it, with the hub's default key prefix and state rules."""

from __future__ import annotations

import pytest
import pytest_asyncio
import redis.asyncio as aioredis

from handoff.store import Stores

TTL = 3600


@pytest_asyncio.fixture
async def redis(redis_server):
    redis_server.command("FLUSHALL")
    client = aioredis.from_url(redis_server.url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
def stores(redis) -> Stores:
    return Stores(redis, "sportello:", TTL, heartbeat_timeout=30.0)


async def agent(stores: Stores, name: str = "Serena", capacity: int = 2) -> str:
    """An enabled agent; returns the id."""
    created = await stores.agents.create(
        f"{name.lower()}@test.example", name, "password-123456", [], capacity
    )
    return created.id
