"""The hub on a real Redis Cluster (three masters on free local ports) and on REDIS_URL forms.

Two hub processes share the cluster; each conversation's messages alternate between them; every
message arrives once, in order, and each conversation is handed off once. (tests/e2e/test_cluster.py
does the same with two real Rasa servers whose trackers and locks are on the cluster.)
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import httpx
import pytest

from sportello.redis_url import RedisURLError, key_prefix, parse
from tests.handoff.helpers import INTERNAL_TOKEN, SECRET, ws_connect, ws_recv
from tests.support.hub_process import HubProcess, run_handoff
from tests.support.redis_cluster import RedisCluster

FIXTURES = Path(__file__).parent / "fixtures"
CONVERSATIONS = 6
MESSAGES = 4  # customer messages per conversation before the hand-off, alternating processes


@pytest.fixture(scope="module")
def cluster():
    with RedisCluster() as running:
        yield running


def test_redis_url_forms():
    assert parse("redis://127.0.0.1:6379/0").kind == "single"
    target = parse("redis+cluster://10.0.0.1:7000,10.0.0.2:7001")
    assert target.cluster and target.nodes == (("10.0.0.1", 7000), ("10.0.0.2", 7001))
    sentinel = parse("redis+sentinel://:pw@10.0.0.1:26379,10.0.0.2:26379/sportello/2")
    assert (sentinel.kind, sentinel.service, sentinel.db, sentinel.password) == (
        "sentinel",
        "sportello",
        2,
        "pw",
    )
    assert key_prefix("sportello:", "redis+cluster://h:1") == "{sportello}:"
    assert key_prefix("shop{eu}:", "redis+cluster://h:1") == "shop{eu}:"
    assert key_prefix("sportello:", "redis://h:1/0") == "sportello:"
    for bad, says in (
        ("mongodb://h:1", "must start with one of"),
        ("redis+cluster://h", "is not host:port"),
        ("redis+cluster://h:1/2", "only database 0"),
        ("redis+sentinel://h:26379", "must name the Sentinel service"),
        ("redis+sentinel://h:26379/svc/x", "must be a number"),
    ):
        with pytest.raises(RedisURLError, match=says):
            parse(bad)


def _hub_env(fake_rasa, **extra: str) -> dict[str, str]:
    """A hub process's environment (REDIS_URL and the rest in `extra`)."""
    return {
        "RASA_URL": fake_rasa.url,
        "RASA_TIMEOUT": "5",
        "HUB_INTERNAL_TOKEN": INTERNAL_TOKEN,
        "HUB_SECRET": SECRET,
        "SPORTELLO_DOMAIN": str(FIXTURES / "domain.yml"),
        "HUB_LOG_LEVEL": "WARNING",
        "HUB_WELCOME": "0",
        **extra,
    }


def test_serve_refuses_a_bad_redis_url(fake_rasa):
    result = run_handoff(_hub_env(fake_rasa, REDIS_URL="redis+cluster://127.0.0.1"), timeout=30)
    assert result.returncode == 2
    assert "'127.0.0.1' is not host:port" in result.stderr


async def test_two_hubs_on_a_cluster_alternate_nothing_lost_or_twice(cluster, fake_rasa):
    env = _hub_env(
        fake_rasa,
        REDIS_URL=cluster.url,
        DEMO_AGENT_PASSWORD="sportello-demo",
        HUB_RATE_CONVERSATIONS_PER_MINUTE="100",  # every test customer comes from 127.0.0.1
    )
    seeded = run_handoff(env, "agents", "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    # the bot answers each message with its own words; "persona" asks for the hand-off
    fake_rasa.on_message = lambda body: [{"text": "bot: " + body["message"]}]

    with HubProcess(env) as a, HubProcess(env) as b:
        hubs = (a, b)
        async with httpx.AsyncClient(timeout=10) as http:
            login = await http.post(
                f"{b.url}/v1/agent/login",
                json={"email": "serena@sportello.example", "password": "sportello-demo"},
            )
            assert login.status_code == 200, login.text
            token = login.json()["token"]
            # Serena's console is on process B: she is online, with room for 3 conversations
            console = await ws_connect(f"{b.ws_url}/v1/agent/stream?token={token}").__aenter__()
            await ws_recv(console, lambda m: m["type"] == "hello")
            frames: list[dict] = []

            async def read_console() -> None:
                async for raw in console:
                    frames.append(json.loads(raw))

            reader = asyncio.create_task(read_console())
            conversations = [
                (await http.post(f"{hubs[i % 2].url}/v1/conversations", json={})).json()
                for i in range(CONVERSATIONS)
            ]

            async def drive(i: int, conv: dict) -> list[str]:
                cid, sent = conv["conversation_id"], []
                for n in range(MESSAGES):
                    hub = hubs[(i + n) % 2]  # each message through the other process
                    async with ws_connect(
                        f"{hub.ws_url}/v1/conversations/{cid}/stream?token={conv['token']}"
                    ) as ws:
                        text = f"conversazione {i} messaggio {n}"
                        await ws.send(
                            json.dumps({"type": "message", "text": text, "client_id": str(uuid.uuid4())})
                        )
                        await ws_recv(
                            ws,
                            lambda m, t=text: m.get("from") == "bot" and m.get("text") == "bot: " + t,
                            timeout=15,
                        )
                        sent.append(text)
                # the hand-off, asked for on both processes at once: one opens it
                handoffs = await asyncio.gather(
                    *(
                        http.post(
                            f"{hub.url}/v1/internal/conversations/{cid}/handoff",
                            json={"reason": "request_human", "summary": {"problem_type": "item_damaged"}},
                            headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
                        )
                        for hub in hubs
                    )
                )
                assert all(r.status_code in (200, 201) for r in handoffs), [r.text for r in handoffs]
                return sent

            sent = await asyncio.gather(*(drive(i, conv) for i, conv in enumerate(conversations)))

            handed: dict[str, dict] = {}
            for i, conv in enumerate(conversations):
                transcripts = [
                    (
                        await http.get(
                            f"{hub.url}/v1/conversations/{conv['conversation_id']}/events",
                            params={"token": conv["token"]},
                        )
                    ).json()["events"]
                    for hub in hubs
                ]
                assert transcripts[0] == transcripts[1]
                events = transcripts[0]
                ids = [e["id"] for e in events]
                assert len(ids) == len(set(ids))
                customer = [e["text"] for e in events if e["type"] == "message" and e["from"] == "customer"]
                bot = [e["text"] for e in events if e["type"] == "message" and e["from"] == "bot"]
                assert customer == sent[i]  # each once, in order
                assert bot == ["bot: " + t for t in sent[i]]
                # opened once (the opening carries the reason; later `handoff` events are the queue's
                # updates: position, wait, then the agent who takes it)
                handoffs = [e for e in events if e["type"] == "handoff"]
                assert len([e for e in handoffs if "reason" in e]) == 1, handoffs
                handed[conv["conversation_id"]] = handoffs[-1]

            # Serena was told of each conversation she was given, once; the others wait in the queue
            await asyncio.sleep(1)
            reader.cancel()
            await console.close()
            assigned = [f["conversation"]["id"] for f in frames if f["type"] == "assigned"]
            assert len(assigned) == len(set(assigned)) == 3, [f["type"] for f in frames]
            for cid, handoff in handed.items():
                assert handoff["status"] == ("assigned" if cid in assigned else "queued"), handoff
            # more conversations (so that they cannot all fall on one master but by a 1e-12 chance)
            for i in range(24):
                more = await http.post(f"{hubs[i % 2].url}/v1/conversations", json={})
                assert more.status_code == 201, more.text
                conversations.append(more.json())

    # the keys shared across conversations carry the prefix's tag: one slot, one master
    per_node = cluster.keys_per_node("{sportello}:*")
    assert sum(per_node) > 0 and sorted(per_node)[:2] == [0, 0], per_node
    # each conversation's keys carry its own tag: together on one master, and the conversations
    # spread over the masters
    homes = set()
    for conv in conversations:
        cid = conv["conversation_id"]
        found = cluster.keys_per_node("sportello:conv:{" + cid + "}*")
        assert sum(found) >= 1 and found.count(0) == 2, (cid, found)
        homes.add(found.index(max(found)))
    assert len(homes) >= 2, homes


async def test_hub_behind_sentinel_follows_a_fail_over(fake_rasa):
    from tests.support.redis_sentinel import RedisSentinel

    env = _hub_env(fake_rasa)
    fake_rasa.on_message = lambda body: [{"text": "bot: " + body["message"]}]
    with RedisSentinel() as group, HubProcess({**env, "REDIS_URL": group.url}) as hub:
        async with httpx.AsyncClient(base_url=hub.url, timeout=15) as http:
            conv = (await http.post("/v1/conversations", json={})).json()
            auth = {"Authorization": f"Bearer {conv['token']}"}

            async def send(text: str) -> None:
                sent = await http.post(
                    f"/v1/conversations/{conv['conversation_id']}/messages",
                    json={"type": "message", "text": text, "client_id": str(uuid.uuid4())},
                    headers=auth,
                )
                assert sent.status_code in (200, 201), sent.text

            async def transcript() -> list[str] | None:
                """The messages; None while the hub answers 503 (Redis is changing master)."""
                got = await http.get(f"/v1/conversations/{conv['conversation_id']}/events", headers=auth)
                if got.status_code == 503:
                    return None
                assert got.status_code == 200, got.text
                return [e["text"] for e in got.json()["events"] if e["type"] == "message"]

            await send("prima del cambio")
            for _ in range(50):
                if "bot: prima del cambio" in (await transcript() or []):
                    break
                await asyncio.sleep(0.1)
            assert group.master.command("HLEN", "sportello:conv:" + conv["conversation_id"]) > 0
            group.fail_over()
            # the hub writes to the new master (the old one is now its replica and refuses writes)
            # (a request that meets the switch gets 503 and is sent again, as the widget does)
            for _ in range(50):
                try:
                    await send("dopo il cambio")
                    break
                except AssertionError as refused:
                    assert "503" in str(refused) or "unavailable" in str(refused).lower(), refused
                    await asyncio.sleep(0.2)
            for _ in range(50):
                if "bot: dopo il cambio" in (await transcript() or []):
                    break
                await asyncio.sleep(0.1)
            assert await transcript() == [
                "prima del cambio",
                "bot: prima del cambio",
                "dopo il cambio",
                "bot: dopo il cambio",
            ]
            assert group.master_port() == group.replica.port
