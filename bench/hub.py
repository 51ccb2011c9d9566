"""Hub benchmark (runs in .venv/hub): message latency and memory, against a baseline in the same run.

Everything runs on this machine: a private redis-server with AOF, the hub as a real process, a
stand-in Rasa that answers at once (so the hub's own cost is measured, not the model's).

* customer → ack: a customer sends a message over the WebSocket and waits for the hub's ack
  (the message is in the Redis stream by then).
* agent → customer: an agent POSTs a reply; time until the customer's socket receives it.
* baseline: the same Redis, from this process, XADD + PUBLISH + a reply, the floor cost of
  "store it durably and wake up the reader" that any design on Redis pays. Ratios are hub/baseline.
* memory: the hub's resident set size after creating conversations and messages.

Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx
import redis.asyncio as aioredis
import websockets

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fake_rasa import FakeRasa  # noqa: E402
from tests.support.hub_process import HubProcess  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402

MESSAGES = 300
CONVERSATIONS = 200


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 3)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def baseline(redis_url: str) -> list[float]:
    """XADD to a stream + PUBLISH a wake-up + read it back, per message."""
    client = aioredis.from_url(redis_url)
    pubsub = client.pubsub()
    await pubsub.subscribe("bench:wake")
    await pubsub.get_message(timeout=1)
    out = []
    for i in range(MESSAGES):
        start = time.perf_counter()
        entry = await client.xadd("bench:stream", {"type": "message", "text": f"ciao {i}"})
        await client.publish("bench:wake", entry)
        while (await pubsub.get_message(timeout=1)) is None:
            pass
        out.append((time.perf_counter() - start) * 1000)
    await pubsub.aclose()
    await client.aclose()
    return out


async def customer_acks(hub: HubProcess, http: httpx.AsyncClient) -> list[float]:
    conv = (await http.post("/v1/conversations", json={})).json()
    url = f"{hub.ws_url}/v1/conversations/{conv['conversation_id']}/stream?token={conv['token']}"
    out = []
    async with websockets.connect(url) as ws:
        for i in range(MESSAGES):
            client_id = str(uuid.uuid4())
            start = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "text": f"messaggio {i}", "client_id": client_id}))
            while True:
                event = json.loads(await ws.recv())
                if event.get("type") == "ack" and event.get("client_id") == client_id:
                    break
                if event.get("type") == "error":
                    raise RuntimeError(event)
            out.append((time.perf_counter() - start) * 1000)
    return out


async def agent_to_customer(hub: HubProcess, http: httpx.AsyncClient, internal_token: str) -> list[float]:
    conv = (await http.post("/v1/conversations", json={})).json()
    cid = conv["conversation_id"]
    login = (
        await http.post(
            "/v1/agent/login", json={"email": "bench@sportello.example", "password": "bench-pass"}
        )
    ).json()
    agent = {"Authorization": f"Bearer {login['token']}"}
    await http.post("/v1/agent/presence", json={"status": "online"}, headers=agent)
    handoff = await http.post(
        f"/v1/internal/conversations/{cid}/handoff",
        json={"reason": "request_human", "summary": {}},
        headers={"Authorization": f"Bearer {internal_token}"},
    )
    assert handoff.json()["status"] == "assigned", handoff.text
    url = f"{hub.ws_url}/v1/conversations/{cid}/stream?token={conv['token']}"
    out = []
    async with websockets.connect(url) as ws:
        for i in range(MESSAGES // 3):
            text = f"risposta {i}"
            start = time.perf_counter()
            reply = await http.post(
                f"/v1/agent/conversations/{cid}/messages",
                json={"text": text, "client_id": str(uuid.uuid4())},
                headers=agent,
            )
            assert reply.status_code in (200, 201), reply.text
            while True:
                event = json.loads(await ws.recv())
                if event.get("from") == "agent" and event.get("text") == text:
                    break
            out.append((time.perf_counter() - start) * 1000)
    return out


async def memory(hub: HubProcess, http: httpx.AsyncClient) -> dict:
    before = rss_kib(hub.process.pid)
    for i in range(CONVERSATIONS):
        conv = (await http.post("/v1/conversations", json={})).json()
        await http.post(
            f"/v1/conversations/{conv['conversation_id']}/messages",
            json={"type": "message", "text": f"ciao {i}", "client_id": str(uuid.uuid4())},
            headers={"Authorization": f"Bearer {conv['token']}"},
        )
    await asyncio.sleep(1)
    after = rss_kib(hub.process.pid)
    return {
        "rss_mib_idle": round(before / 1024, 1),
        "rss_mib_after": round(after / 1024, 1),
        "conversations": CONVERSATIONS,
    }


async def run() -> dict:
    internal = "bench-internal-token-" + uuid.uuid4().hex[:12]
    with RedisServer() as redis_server, FakeRasa() as rasa:
        rasa.on_message = lambda body: [{"text": "ok"}]
        env = {
            "REDIS_URL": redis_server.url,
            "RASA_URL": rasa.url,
            "HUB_INTERNAL_TOKEN": internal,
            "HUB_SECRET": "bench-secret-" + uuid.uuid4().hex,
            "HUB_RATE_MESSAGES_PER_MINUTE": "100000",
            "HUB_RATE_CONVERSATIONS_PER_MINUTE": "100000",
        }
        import subprocess

        subprocess.run(
            [
                str(ROOT / ".venv/hub/bin/python"),
                "-m",
                "handoff",
                "agents",
                "add",
                "--email",
                "bench@sportello.example",
                "--name",
                "Bench",
                "--capacity",
                "5",
                "--password",
                "bench-pass",
            ],
            cwd=ROOT,
            env={**__import__("os").environ, **env},
            check=True,
            capture_output=True,
        )
        with HubProcess(env=env) as hub:
            async with httpx.AsyncClient(base_url=hub.url, timeout=30) as http:
                base = await baseline(redis_server.url)
                acks = await customer_acks(hub, http)
                fanout = await agent_to_customer(hub, http, internal)
                mem = await memory(hub, http)
    return {
        "baseline_redis_ms_p50": pct(base, 0.5),
        "customer_ack_ms_p50": pct(acks, 0.5),
        "customer_ack_ms_p95": pct(acks, 0.95),
        "customer_ack_ratio_p50": round(statistics.median(acks) / statistics.median(base), 1),
        "agent_to_customer_ms_p50": pct(fanout, 0.5),
        "agent_to_customer_ms_p95": pct(fanout, 0.95),
        "agent_to_customer_ratio_p50": round(statistics.median(fanout) / statistics.median(base), 1),
        "messages": MESSAGES,
        **mem,
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run())))
