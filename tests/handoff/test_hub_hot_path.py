"""The combined reads of the customer-message and bot-turn hot path (bench/: fewer Redis round trips)."""

from __future__ import annotations

import asyncio
import uuid

import redis.asyncio as aioredis

from handoff.store.conversations import ConversationStore
from handoff.store.keys import Keys
from tests.handoff.helpers import ws_connect, ws_recv


async def test_message_context_and_bot_turn_reads(settings):
    r = aioredis.from_url(settings.redis_url, decode_responses=True)
    try:
        store = ConversationStore(r, Keys(settings.key_prefix), 3600)
        assert await store.message_context("nope", "c1") == (None, None)
        cid = await store.create("v1")
        known, conv = await store.message_context(cid, "c1")
        assert known is None and conv is not None and conv.id == cid
        turn = {"message": "ciao", "text": "ciao", "visitor_id": "v1"}
        appended = await store.append(
            cid, {"type": "message", "from": "customer", "text": "ciao"}, "c1", bot_turn=turn
        )
        assert appended.bot_turn_queued
        known, _ = await store.message_context(cid, "c1")
        assert known == appended.id  # a retry is recognised in the same round trip

        # the first reader takes the lease and gets the turn and the status
        taken, head, status = await store.next_bot_turn_and_status(cid, "me", 5.0)
        assert taken and head["eid"] == appended.id and status == "bot"
        # another owner gets no lease (its reads are not to be used)
        taken, _, _ = await store.next_bot_turn_and_status(cid, "other", 5.0)
        assert not taken
        assert await store.bot_lease_held(cid)
        # without an owner: just the reads; an unknown conversation has no status
        taken, head, status = await store.next_bot_turn_and_status(cid)
        assert taken and head["eid"] == appended.id and status == "bot"
        assert (await store.next_bot_turn_and_status("nope"))[1:] == (None, None)
    finally:
        await r.aclose()


def _xranges(redis_server) -> int:
    """How many XRANGE commands the Redis has run."""
    stats = redis_server.command("INFO", "commandstats")
    stats = stats.decode() if isinstance(stats, bytes) else str(stats)
    for line in stats.splitlines():
        if line.startswith("cmdstat_xrange:"):
            return int(line.split("calls=")[1].split(",")[0])
    return 0


async def test_live_events_follow_the_last_sent_without_reading_the_stream(running, make_hub, redis_server):
    """An event carries the id of the one before it: a socket that has sent exactly up to there
    sends it at once (local events first, the same event through pub/sub ignored), so agents'
    replies and the bot's answers reach the customer without an XRANGE each; in order, once,
    also when they are stored by another hub process."""
    other = await make_hub()  # a second process on the same Redis
    serena = await running.online_agent("Serena", capacity=2)
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    assert (await running.handoff(cid, {"reason": "problem"})).json()["status"] == "assigned"
    url = f"{running.ws}/v1/conversations/{cid}/stream?token={conv['token']}"
    async with ws_connect(url) as ws:
        await ws_recv(ws, lambda m: m["type"] == "handoff" and m.get("status") == "assigned")
        await asyncio.sleep(0.3)  # the socket's first catch-up is done
        before = _xranges(redis_server)
        texts = [f"risposta {i}" for i in range(10)]
        for i, text in enumerate(texts):
            agent_http = (running if i % 2 == 0 else other).http  # the reply is stored by either process
            sent = await agent_http.post(
                f"/v1/agent/conversations/{cid}/messages",
                json={"text": text, "client_id": str(uuid.uuid4())},
                headers=serena.headers,
            )
            assert sent.status_code in (200, 201), sent.text
        got = [await ws_recv(ws, lambda m: m["type"] == "message") for _ in texts]
        assert [m["text"] for m in got] == texts
        assert len({m["id"] for m in got}) == len(texts)
        await asyncio.sleep(0.5)  # anything sent twice would be here by now
        try:
            extra = await ws_recv(ws, lambda m: m["type"] == "message", timeout=0.5)
        except (AssertionError, TimeoutError):  # nothing more came
            extra = None
        assert extra is None, f"sent twice: {extra}"
        assert _xranges(redis_server) - before <= 2, "the socket read the stream for live events"
