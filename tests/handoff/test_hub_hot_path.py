"""The hot path of live events (bench/: fewer Redis round trips). The combined reads of the customer
message and the bot turn are tested with their stores (tests/handoff/store/)."""

from __future__ import annotations

import asyncio
import uuid

from tests.handoff.helpers import ws_connect, ws_recv


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
