"""Faults with the real processes: a hub killed mid-conversation, Redis restarted, Redis down.

Promise (docs/security.md): a message acknowledged is never lost nor stored twice; while Redis is
away the hub answers 503 with Retry-After, never 500; once it is back, no request fails.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest

from tests.handoff.helpers import INTERNAL_TOKEN, SECRET, ws_connect
from tests.support.hub_process import HubProcess
from tests.support.redis_server import RedisServer


def hub_env(redis_url: str, rasa_url: str) -> dict[str, str]:
    return {
        "REDIS_URL": redis_url,
        "RASA_URL": rasa_url,
        "HUB_SECRET": SECRET,
        "HUB_INTERNAL_TOKEN": INTERNAL_TOKEN,
        "HUB_RATE_CONVERSATIONS_PER_MINUTE": "10000",
        "HUB_RATE_MESSAGES_PER_MINUTE": "10000",
        "HUB_SWEEP_INTERVAL": "0.3",
    }


class Customer:
    """A widget's behaviour over a WebSocket: an outbox resent with the same client ids after a
    reconnect, resuming from the last event id seen."""

    def __init__(self, conv: dict):
        self.conv = conv
        self.outbox: dict[str, str] = {}
        self.acked: dict[str, str] = {}
        self.last: str | None = None

    async def session(self, hub: HubProcess, texts: list[str], kill_at: int | None = None) -> None:
        """Send `texts` one by one, each acknowledged before the next; with `kill_at`, the hub is
        killed (SIGKILL) right after that message is sent, before its ack can arrive, and the rest
        stay in the outbox for the next session."""
        url = (
            f"{hub.ws_url}/v1/conversations/{self.conv['conversation_id']}/stream?token={self.conv['token']}"
        )
        if self.last:
            url += f"&after={self.last}"
        async with ws_connect(url) as ws:
            pending = list(self.outbox.items())  # resent with the same client ids
            for text in texts:
                client_id = str(uuid.uuid4())
                self.outbox[client_id] = text
                pending.append((client_id, text))
            for number, (client_id, text) in enumerate(pending):
                await ws.send(json.dumps({"type": "message", "text": text, "client_id": client_id}))
                if number == kill_at:
                    hub.kill()
                    return
                while client_id in self.outbox:
                    frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
                    if frame.get("type") == "ack":
                        self.acked[frame["client_id"]] = self.outbox.pop(frame["client_id"], "")
                    if frame.get("id") and frame.get("type") != "ack":
                        self.last = frame["id"]


async def test_a_hub_killed_mid_conversation_loses_and_duplicates_nothing(redis_server, fake_rasa):
    env = hub_env(redis_server.url, fake_rasa.url)
    first, second = HubProcess(env).start(), HubProcess(env).start()
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            conv = (await http.post(f"{first.url}/v1/conversations", json={})).json()
            await http.post(
                f"{first.url}/v1/internal/conversations/{conv['conversation_id']}/handoff",
                json={"reason": "problem"},
                headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
            )  # human mode: the messages wait for a person, no bot turns in the way
            customer = Customer(conv)
            await customer.session(first, [f"messaggio {i}" for i in range(20)], kill_at=8)
            assert first.process is None, "the first process was not killed"
            acked_before = dict(customer.acked)
            await customer.session(second, [f"dopo {i}" for i in range(5)])
            events = (
                await http.get(
                    f"{second.url}/v1/conversations/{conv['conversation_id']}/events",
                    params={"token": conv["token"]},
                )
            ).json()["events"]
    finally:
        first.stop()
        second.stop()
    stored = [e for e in events if e["type"] == "message" and e["from"] == "customer"]
    ids = [e["client_id"] for e in stored]
    assert len(ids) == len(set(ids)), "a message was stored twice"
    assert len(acked_before) == 8 and set(acked_before) <= set(ids), "an acknowledged message was lost"
    assert customer.outbox == {} and len(stored) == 25  # every message, once, after the retry


async def test_redis_restarted_keeps_acknowledged_messages_and_no_request_fails_after(fake_rasa):
    redis = RedisServer().start()
    env = hub_env(redis.url, fake_rasa.url)
    try:
        with HubProcess(env) as hub:
            async with httpx.AsyncClient(base_url=hub.url, timeout=10) as http:
                conv = (await http.post("/v1/conversations", json={})).json()
                auth = {"Authorization": f"Bearer {conv['token']}"}
                cid = conv["conversation_id"]
                acked = []
                for i in range(30):
                    response = await http.post(
                        f"/v1/conversations/{cid}/messages",
                        json={"text": f"prima {i}", "client_id": str(uuid.uuid4())},
                        headers=auth,
                    )
                    assert response.status_code == 201
                    acked.append(response.json()["id"])
                redis.shut_down()
                # Redis away: refusals are 503 with Retry-After, never 500
                down = []
                for _ in range(10):
                    down.append(await http.post("/v1/conversations", json={}))
                    down.append(await http.get(f"/v1/conversations/{cid}/events", headers=auth))
                assert {r.status_code for r in down} == {503}
                assert all(int(r.headers["Retry-After"]) >= 1 for r in down)
                assert {r.json()["error"] for r in down} == {"unavailable"}
                assert (await http.get("/v1/health")).status_code == 503
                redis.start()
                for _ in range(100):
                    if (await http.get("/v1/health")).status_code == 200:
                        break
                    await asyncio.sleep(0.1)
                # right after: every pooled connection is stale; none of these may fail
                codes = []
                for i in range(100):
                    response = await http.post(
                        f"/v1/conversations/{cid}/messages",
                        json={"text": f"dopo {i}", "client_id": str(uuid.uuid4())},
                        headers=auth,
                    )
                    codes.append(response.status_code)
                events = (await http.get(f"/v1/conversations/{cid}/events", headers=auth)).json()["events"]
    finally:
        redis.stop()
    assert codes == [201] * 100, codes
    assert set(acked) <= {e["id"] for e in events}, "an acknowledged message did not survive the restart"


@pytest.mark.parametrize("how", ["stopped", "crashed"])
async def test_rasa_gone_gets_the_customer_an_honest_word_and_a_person(redis_server, how):
    from tests.support.fake_rasa import FakeRasa

    rasa = FakeRasa().start()
    env = {**hub_env(redis_server.url, rasa.url), "RASA_TIMEOUT": "1"}
    with HubProcess(env) as hub:
        async with httpx.AsyncClient(base_url=hub.url, timeout=10) as http:
            conv = (await http.post("/v1/conversations", json={})).json()
            auth = {"Authorization": f"Bearer {conv['token']}"}
            if how == "stopped":
                rasa.stop()
            else:
                rasa.mode = "slow"  # hangs past the hub's time-out
                rasa.slow_seconds = 3
            sent = await http.post(
                f"/v1/conversations/{conv['conversation_id']}/messages",
                json={"text": "il tavolo è arrivato rotto", "client_id": str(uuid.uuid4())},
                headers=auth,
            )
            assert sent.status_code == 201
            for _ in range(100):
                events = (
                    await http.get(f"/v1/conversations/{conv['conversation_id']}/events", headers=auth)
                ).json()["events"]
                if any(e["type"] == "handoff" for e in events):
                    break
                await asyncio.sleep(0.1)
    rasa.stop()
    asked = next(i for i, e in enumerate(events) if e.get("from") == "customer")
    assert events[asked]["text"] == "il tavolo è arrivato rotto"  # nothing the customer wrote is lost
    words = [e["text"] for e in events[asked:] if e.get("from") == "bot"]
    assert words and "problema tecnico" in words[0]  # the repo's words: honest about the fault
    assert [e["status"] for e in events if e["type"] == "handoff"] == ["offline"]  # nobody online: a ticket
