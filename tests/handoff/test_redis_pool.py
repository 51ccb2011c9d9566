"""The hub's Redis pool waits for a free connection instead of refusing a command (a burst of
live conversations must not close customers' sockets), and its size follows REDIS_URL."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import BlockingConnectionPool

from handoff.app import REDIS_POOL_SIZE, redis_client


async def test_a_busy_pool_makes_commands_wait_not_fail(redis_server):
    client = redis_client(redis_server.url)
    assert isinstance(client.connection_pool, BlockingConnectionPool)
    assert client.connection_pool.max_connections == REDIS_POOL_SIZE
    await client.aclose()

    small = redis_client(redis_server.url + "?max_connections=2")
    assert small.connection_pool.max_connections == 2
    started = time.monotonic()
    # six commands that each hold a connection for 0.3 s, on a pool of two: they queue, none fails
    results = await asyncio.gather(*(small.blpop([f"pool-test-{i}"], timeout=0.3) for i in range(6)))
    assert results == [None] * 6
    assert time.monotonic() - started >= 0.85  # three rounds of two
    await small.aclose()
