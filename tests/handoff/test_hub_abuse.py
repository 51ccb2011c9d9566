"""Abuse: oversize bodies and frames, sockets and requests that go idle, floods of guesses."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
import uuid

import pytest
from websockets.exceptions import ConnectionClosed

from tests.handoff.helpers import INTERNAL_TOKEN, SECRET, ws_connect
from tests.support.hub_process import HubProcess


async def test_oversize_bodies_and_frames_are_refused_and_nothing_is_stored(running):
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    big = json.dumps({"text": "x" * 70_000, "client_id": str(uuid.uuid4())})
    response = await running.http.post(
        f"/v1/conversations/{cid}/messages", content=big, headers={"Authorization": f"Bearer {conv['token']}"}
    )
    assert (response.status_code, response.json()["error"]) == (413, "too_large")
    url = f"{running.ws}/v1/conversations/{cid}/stream?token={conv['token']}"
    async with ws_connect(url, max_size=None) as ws:
        await ws.send(json.dumps({"type": "message", "text": "y" * 20_000, "client_id": str(uuid.uuid4())}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd.code == 1009  # message too big: the documented close
    assert await running.events(conv) == []


async def _raw_upgrade(port: int, path: str):
    """A WebSocket client that completes the handshake and then never reads: no pong, ever."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: hub\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status = await reader.readline()
    assert b"101" in status, status
    return reader, writer


async def test_sockets_that_stop_answering_are_closed_in_time(make_hub):
    hub = await make_hub(ws_ping_interval=0.3, ws_ping_timeout=0.3)
    conv = await hub.new_conversation()
    reader, writer = await _raw_upgrade(
        hub.port, f"/v1/conversations/{conv['conversation_id']}/stream?token={conv['token']}"
    )
    started = time.monotonic()
    while await reader.read(4096):  # the server pings, we never answer; it must hang up
        if time.monotonic() - started > 5:
            pytest.fail("a socket that never answers pings was kept open")
    assert time.monotonic() - started < 3
    writer.close()
    assert (await hub.http.get("/v1/health")).status_code == 200


async def test_requests_that_never_finish_arriving_are_closed_in_time(redis_server, fake_rasa):
    """Slowloris against a real hub process: headers that never end are cut at HUB_REQUEST_TIMEOUT.
    (A body that stalls half-way is not: Sanic does not time it out; docs/operations.md puts the
    hub behind a proxy that buffers bodies, and docs/security.md says so.)"""
    env = {
        "REDIS_URL": redis_server.url,
        "RASA_URL": fake_rasa.url,
        "HUB_SECRET": SECRET,
        "HUB_INTERNAL_TOKEN": INTERNAL_TOKEN,
        "HUB_REQUEST_TIMEOUT": "1",
    }
    with HubProcess(env) as hub:
        for opening in (
            b"GET /v1/health HTTP/1.1\r\nHost: hub\r\nX-Slow: 1\r\n",
            b"POST /v1/conversations HTTP/1.1\r\nHost: hub\r\nContent-Le",
        ):
            reader, writer = await asyncio.open_connection("127.0.0.1", hub.port)
            writer.write(opening)
            await writer.drain()
            started = time.monotonic()
            data = await asyncio.wait_for(reader.read(), 5)
            assert time.monotonic() - started < 3, "a slow request was kept open"
            assert data == b"" or data.split(b" ")[1] == b"408", data[:80]
            writer.close()


async def test_a_flood_of_guessed_ids_and_forged_tokens_finds_nothing(running):
    mine = await running.new_conversation()
    await running.say(mine, "privato")
    serena = await running.online_agent("Serena")
    forged = [mine["token"][:-2] + "xx", mine["visitor_token"], serena.token, "a.b.c", "x"]
    codes = []
    for i in range(200):
        token = forged[i % len(forged)]
        response = await running.http.get(
            f"/v1/conversations/{mine['conversation_id']}/events",
            headers={"Authorization": f"Bearer {token}"},
        )
        codes.append(response.status_code)
    assert set(codes) == {401}
    agent_guesses = {(await serena.get(f"/conversations/{uuid.uuid4().hex}")).status_code for _ in range(100)}
    assert agent_guesses == {404}
