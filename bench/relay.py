"""Relay between customers and agents, hand-off latency, memory, throughput (runs in .venv/hub).

A private Redis (AOF) and the hub as real processes (`python -m handoff serve`); Rasa is not needed
once conversations are assigned (RASA_URL points at a closed port). Prints one JSON object.

* baseline: on the same Redis, XADD from one connection, time until a blocked XREAD on another
  connection returns it — the raw round trip of "store an event and wake its reader".
* memory: the hub's RSS with 0, 250, … CONVERSATIONS idle customer sockets open (per socket =
  RSS delta / sockets).
* hand-off: POST /v1/internal/conversations/{id}/handoff (what the action server calls; Rasa's time
  is therefore not included) → the `assigned` frame on the agent's socket; one at a time.
* relay: with every conversation live (customer socket open, assigned to an agent whose console
  socket is open), messages at RELAY_RATE per second in both directions, chosen at random:
  agent POST → the customer's socket, and customer frame → the agent's `event` frame.
* throughput: every customer sends its next message as soon as the previous one is acked, for
  THROUGHPUT_SECONDS; messages delivered to the agents' sockets per second, and the hub's CPU
  seconds per message (its CPU-bound ceiling on one core). Then with two hub processes on the same
  Redis, customers and agents spread over both.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import redis.asyncio as aioredis
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    add_agents,
    cpu_seconds,
    pct,
    progress,
    py_spy,
    raise_fd_limit,
    ratio,
    rss_kib,
    stop_spy,
)
from tests.support.hub_process import HubProcess  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402
from tools.processes import free_port  # noqa: E402

CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "1000"))
CAPACITY = 50  # the most `agents add` accepts
AGENTS = -(-CONVERSATIONS // (CAPACITY - 5)) if CONVERSATIONS > 100 else 10
RELAY_RATE = float(os.environ.get("BENCH_RELAY_RATE", "200"))
RELAY_SECONDS = float(os.environ.get("BENCH_RELAY_SECONDS", "15"))
THROUGHPUT_SECONDS = float(os.environ.get("BENCH_THROUGHPUT_SECONDS", "10"))
HANDOFFS_TIMED = 100
PASSWORD = "bench-password-1"


@dataclass
class Customer:
    cid: str
    token: str
    ws: object = None
    reader: asyncio.Task | None = None
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    agent: Agent | None = None


@dataclass
class Agent:
    email: str
    token: str = ""
    id: str = ""
    ws: object = None
    reader: asyncio.Task | None = None


class Bench:
    def __init__(self) -> None:
        self.sent: dict[str, float] = {}  # marker text → send time
        self.a2c: list[float] = []
        self.c2a: list[float] = []
        self.delivered = 0  # customer events seen on agents' sockets
        self.assigned: dict[str, asyncio.Future] = {}
        self.owner: dict[str, Agent] = {}

    # readers ---------------------------------------------------------------------------------
    async def customer_reader(self, customer: Customer) -> None:
        try:
            async for raw in customer.ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "ack":
                    customer.acked.set()
                elif kind == "message" and frame.get("from") == "agent":
                    start = self.sent.pop(frame.get("text"), None)
                    if start is not None:
                        self.a2c.append((time.perf_counter() - start) * 1000)
        except (websockets.ConnectionClosed, asyncio.CancelledError):
            pass

    async def agent_reader(self, agent: Agent) -> None:
        try:
            async for raw in agent.ws:
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "event":
                    event = frame.get("event") or {}
                    if event.get("from") == "customer":
                        self.delivered += 1
                        start = self.sent.pop(event.get("text"), None)
                        if start is not None:
                            self.c2a.append((time.perf_counter() - start) * 1000)
                elif kind == "assigned":
                    cid = (frame.get("conversation") or {}).get("id")
                    self.owner[cid] = agent
                    future = self.assigned.get(cid)
                    if future is not None and not future.done():
                        future.set_result(time.perf_counter())
        except (websockets.ConnectionClosed, asyncio.CancelledError):
            pass

    async def open_customer(self, hub: HubProcess, customer: Customer) -> None:
        url = f"{hub.ws_url}/v1/conversations/{customer.cid}/stream?token={customer.token}"
        customer.ws = await websockets.connect(url, max_size=2**20, ping_interval=None)
        customer.reader = asyncio.create_task(self.customer_reader(customer))

    async def close_customer(self, customer: Customer) -> None:
        await customer.ws.close()
        customer.reader.cancel()

    async def open_agent(self, hub: HubProcess, agent: Agent) -> None:
        url = f"{hub.ws_url}/v1/agent/stream?token={agent.token}"
        agent.ws = await websockets.connect(url, max_size=2**24, ping_interval=None)
        agent.reader = asyncio.create_task(self.agent_reader(agent))


class RawPool:
    """Keep-alive HTTP/1.1 connections over asyncio streams, for the agents' replies: a minimal
    client, so that the load generator's own cost (httpx is heavy) does not dominate the latency."""

    def __init__(self, port: int, size: int) -> None:
        self.port = port
        self.size = size
        self.free: asyncio.Queue = asyncio.Queue()

    async def start(self) -> RawPool:
        for _ in range(self.size):
            self.free.put_nowait(await asyncio.open_connection("127.0.0.1", self.port))
        return self

    async def post(self, path: str, body: dict, token: str) -> int:
        data = json.dumps(body).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        ).encode()
        reader, writer = await self.free.get()
        try:
            writer.write(head + data)
            status = int((await reader.readline()).split()[1])
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
        except Exception:
            writer.close()
            self.free.put_nowait(await asyncio.open_connection("127.0.0.1", self.port))
            raise
        self.free.put_nowait((reader, writer))
        return status

    async def close(self) -> None:
        while not self.free.empty():
            _, writer = self.free.get_nowait()
            writer.close()


def letters(n: int) -> str:
    """A unique marker without digits (digits could read as an order number)."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out += chr(97 + r)
        if not n:
            return out + " " + uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))[:8]


async def gather_limited(limit: int, coros) -> list:
    sem = asyncio.Semaphore(limit)

    async def one(coro):
        async with sem:
            return await coro

    return await asyncio.gather(*(one(c) for c in coros))


async def redis_baseline(url: str, samples: int = 2000) -> list[float]:
    """XADD on one connection → a blocked XREAD on another returns it (same Redis, same run)."""
    writer = aioredis.from_url(url)
    reader = aioredis.from_url(url)
    stream = "bench:baseline"
    last = "0-0"
    out = []
    for i in range(samples):
        read = asyncio.create_task(reader.xread({stream: last}, block=0, count=1))
        await asyncio.sleep(0.001 if i % 10 else 0.005)  # let the XREAD block first
        start = time.perf_counter()
        await writer.xadd(stream, {"e": f'{{"type":"message","text":"ciao {i}"}}'}, maxlen=1000)
        got = await read
        out.append((time.perf_counter() - start) * 1000)
        last = got[0][1][-1][0]
    await writer.delete(stream)
    await writer.aclose()
    await reader.aclose()
    return out


async def settle_rss(pid: int) -> int:
    await asyncio.sleep(1.5)
    return rss_kib(pid)


async def relay_phase(bench: Bench, customers: list[Customer], agent_http: RawPool) -> None:
    """Open loop: RELAY_RATE messages per second, half each way, to random live conversations."""
    counter = itertools.count()
    tasks = []
    interval = 1 / RELAY_RATE
    start = time.perf_counter()
    errors = 0

    async def agent_send(customer: Customer, text: str) -> None:
        nonlocal errors
        bench.sent[text] = time.perf_counter()
        status = await agent_http.post(
            f"/v1/agent/conversations/{customer.cid}/messages",
            {"text": text, "client_id": str(uuid.uuid4())},
            customer.agent.token,
        )
        if status >= 300:
            errors += 1

    async def customer_send(customer: Customer, text: str) -> None:
        bench.sent[text] = time.perf_counter()
        await customer.ws.send(json.dumps({"type": "message", "text": text, "client_id": str(uuid.uuid4())}))

    n = int(RELAY_RATE * RELAY_SECONDS)
    for i in range(n):
        due = start + i * interval
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        customer = random.choice(customers)
        text = "rel " + letters(next(counter))  # no digits: not an order number for the case card
        send = agent_send if i % 2 else customer_send
        tasks.append(asyncio.create_task(send(customer, text)))
    await asyncio.gather(*tasks)
    await asyncio.sleep(2)  # the last deliveries
    if errors:
        raise RuntimeError(f"{errors} agent replies were refused")


async def throughput_phase(bench: Bench, customers: list[Customer], pids: list[int]) -> dict:
    """Closed loop: each customer sends its next message once the previous one is acked."""
    stop = False
    sent = 0
    closed: list[str] = []

    async def loop(customer: Customer) -> None:
        nonlocal sent
        i = 0
        while not stop:
            customer.acked.clear()
            try:
                await customer.ws.send(
                    json.dumps(
                        {"type": "message", "text": "tp " + letters(i), "client_id": str(uuid.uuid4())}
                    )
                )
            except websockets.ConnectionClosed:
                closed.append(customer.cid)
                return
            sent += 1
            i += 1
            try:
                await asyncio.wait_for(customer.acked.wait(), 30)
            except TimeoutError:
                return

    tasks = [asyncio.create_task(loop(c)) for c in customers]
    await asyncio.sleep(2)  # ramp up
    delivered0, cpu0, own0, t0 = (
        bench.delivered,
        [cpu_seconds(p) for p in pids],
        time.process_time(),
        time.perf_counter(),
    )
    await asyncio.sleep(THROUGHPUT_SECONDS)
    delivered1, cpu1, own1, t1 = (
        bench.delivered,
        [cpu_seconds(p) for p in pids],
        time.process_time(),
        time.perf_counter(),
    )
    stop = True
    await asyncio.gather(*tasks)
    await asyncio.sleep(1)
    per_s = (delivered1 - delivered0) / (t1 - t0)
    hub_cpu = sum(b - a for a, b in zip(cpu0, cpu1, strict=True))
    messages = delivered1 - delivered0
    return {
        "messages_per_s": round(per_s),
        "hub_cpu_ms_per_message": round(1000 * hub_cpu / messages, 3) if messages else 0,
        "hub_cpu_cores_used": round(hub_cpu / (t1 - t0), 2),
        "client_cpu_cores_used": round((own1 - own0) / (t1 - t0), 2),
        "per_core_ceiling_per_s": round(messages / hub_cpu) if hub_cpu else 0,
        "sockets_closed_by_hub": len(closed),
    }


async def run() -> dict:
    fds = raise_fd_limit(4 * CONVERSATIONS + 4096)
    internal = "bench-internal-" + uuid.uuid4().hex
    result: dict = {"conversations": CONVERSATIONS, "agents": AGENTS, "fd_limit": fds}
    with RedisServer() as redis_server:
        env = {
            # redis-py 8's pool refuses a 101st concurrent command (MaxConnectionsError) instead of
            # waiting; with 1,000 live conversations on a busy machine more are in flight at once
            "REDIS_URL": redis_server.url + "?max_connections=2000",
            "RASA_URL": f"http://127.0.0.1:{free_port()}",  # not needed once conversations are assigned
            "HUB_INTERNAL_TOKEN": internal,
            "HUB_SECRET": "bench-secret-" + uuid.uuid4().hex,
            # raised for this run (every bench client is 127.0.0.1), never removed
            "HUB_RATE_MESSAGES_PER_MINUTE": "1000000",
            "HUB_RATE_CONVERSATIONS_PER_MINUTE": "1000000",
            "HUB_RATE_LOGINS_PER_IP_PER_MINUTE": "1000",
            "HUB_RATE_LOGINS_GLOBAL_PER_MINUTE": "1000",
        }
        progress(f"adding {AGENTS} bench agents (capacity {CAPACITY} each)")
        emails = add_agents(env, AGENTS, CAPACITY, PASSWORD)
        progress("Redis baseline: XADD → blocked XREAD")
        base = await redis_baseline(redis_server.url)
        result["baseline_ms"] = {"p50": pct(base, 0.5), "p99": pct(base, 0.99)}
        hub1 = HubProcess(env=env).start()
        hub2 = None
        bench = Bench()
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        try:
            async with httpx.AsyncClient(base_url=hub1.url, timeout=60, limits=limits) as http:
                # warm-up: the code paths are imported and their caches filled before measuring
                for _ in range(5):
                    conv = (await http.post("/v1/conversations", json={})).json()
                    c = Customer(conv["conversation_id"], conv["token"])
                    await bench.open_customer(hub1, c)
                    await asyncio.sleep(0.05)
                    await bench.close_customer(c)
                progress(f"creating {CONVERSATIONS} conversations")
                created = await gather_limited(
                    20, [http.post("/v1/conversations", json={}) for _ in range(CONVERSATIONS)]
                )
                customers = [Customer(r.json()["conversation_id"], r.json()["token"]) for r in created]
                points = [(0, await settle_rss(hub1.process.pid))]
                step = max(1, CONVERSATIONS // 4)
                for at in range(0, CONVERSATIONS, step):
                    await gather_limited(
                        50, [bench.open_customer(hub1, c) for c in customers[at : at + step]]
                    )
                    points.append((min(at + step, CONVERSATIONS), await settle_rss(hub1.process.pid)))
                    progress(f"{points[-1][0]} customer sockets open: hub RSS {points[-1][1] / 1024:.1f} MiB")
                delta = points[-1][1] - points[0][1]
                result["memory"] = {
                    "points_kib": points,
                    "per_socket_kib": round(delta / CONVERSATIONS, 1),
                }

                progress("agents sign in and open their consoles")
                agents = [Agent(email) for email in emails]
                for agent in agents:
                    login = await http.post(
                        "/v1/agent/login", json={"email": agent.email, "password": PASSWORD}
                    )
                    login.raise_for_status()
                    agent.token, agent.id = login.json()["token"], login.json()["agent"]["id"]
                    await bench.open_agent(hub1, agent)
                await asyncio.sleep(1)

                internal_auth = {"Authorization": f"Bearer {internal}"}

                async def hand_off(customer: Customer) -> float:
                    future = asyncio.get_running_loop().create_future()
                    bench.assigned[customer.cid] = future
                    start = time.perf_counter()
                    answer = await http.post(
                        f"/v1/internal/conversations/{customer.cid}/handoff",
                        json={"reason": "request_human", "summary": {"description": "bench"}},
                        headers=internal_auth,
                    )
                    if answer.json().get("status") != "assigned":
                        raise RuntimeError(f"hand-off not assigned: {answer.text}")
                    end = await asyncio.wait_for(future, 30)
                    return (end - start) * 1000

                progress(f"hand-offs: {HANDOFFS_TIMED} one at a time, then the rest")
                handoffs = [await hand_off(c) for c in customers[:HANDOFFS_TIMED]]
                await gather_limited(20, [hand_off(c) for c in customers[HANDOFFS_TIMED:]])
                result["handoff_ms"] = {
                    "p50": pct(handoffs, 0.5),
                    "p99": pct(handoffs, 0.99),
                    "ratio_p50": ratio(pct(handoffs, 0.5), pct(base, 0.5)),
                }
                for customer in customers:
                    customer.agent = bench.owner[customer.cid]

                progress(
                    f"relay: {RELAY_RATE:.0f} messages/s for {RELAY_SECONDS:.0f} s over {CONVERSATIONS} live conversations"
                )
                profile = os.environ.get("BENCH_PROFILE_RELAY")
                spy = py_spy(hub1.process.pid, profile) if profile else None
                cpu0, own0, t0 = cpu_seconds(hub1.process.pid), time.process_time(), time.perf_counter()
                pool = await RawPool(hub1.port, 64).start()
                await relay_phase(bench, customers, pool)
                await pool.close()
                cpu1, own1, t1 = cpu_seconds(hub1.process.pid), time.process_time(), time.perf_counter()
                if spy is not None:
                    stop_spy(spy)
                both = bench.a2c + bench.c2a
                result["relay_ms"] = {
                    "rate_per_s": RELAY_RATE,
                    "hub_cpu_cores_used": round((cpu1 - cpu0) / (t1 - t0), 2),
                    "client_cpu_cores_used": round((own1 - own0) / (t1 - t0), 2),
                    "samples": len(both),
                    "lost": len(bench.sent),
                    "agent_to_customer": {"p50": pct(bench.a2c, 0.5), "p99": pct(bench.a2c, 0.99)},
                    "customer_to_agent": {"p50": pct(bench.c2a, 0.5), "p99": pct(bench.c2a, 0.99)},
                    "p50": pct(both, 0.5),
                    "p99": pct(both, 0.99),
                    "ratio_p50": ratio(pct(both, 0.5), pct(base, 0.5)),
                    "ratio_p99": ratio(pct(both, 0.99), pct(base, 0.99)),
                }
                progress(f"relay: {result['relay_ms']}")

                progress(f"throughput, one hub: {CONVERSATIONS} customers for {THROUGHPUT_SECONDS:.0f} s")
                result["throughput_one"] = await throughput_phase(bench, customers, [hub1.process.pid])
                progress(f"throughput, one hub: {result['throughput_one']}")

                progress("second hub on the same Redis: half the customers and agents move to it")
                hub2 = HubProcess(env=env).start()
                moved = customers[: CONVERSATIONS // 2]
                for agent in agents[: AGENTS // 2]:
                    old_ws, old_reader = agent.ws, agent.reader
                    await bench.open_agent(hub2, agent)  # the agent's console moves to the second hub
                    await old_ws.close()
                    old_reader.cancel()
                await asyncio.sleep(0.5)
                rss2_before = await settle_rss(hub2.process.pid)
                await gather_limited(50, [bench.close_customer(c) for c in moved])
                await gather_limited(50, [bench.open_customer(hub2, c) for c in moved])
                rss2_after = await settle_rss(hub2.process.pid)
                result["memory"]["second_hub_per_socket_kib"] = round(
                    (rss2_after - rss2_before) / len(moved), 1
                )
                result["throughput_two"] = await throughput_phase(
                    bench, customers, [hub1.process.pid, hub2.process.pid]
                )
                result["throughput_two"]["ratio_to_one"] = ratio(
                    result["throughput_two"]["messages_per_s"], result["throughput_one"]["messages_per_s"]
                )
                progress(f"throughput, two hubs: {result['throughput_two']}")
                for customer in customers:
                    await customer.ws.close()
                for agent in agents:
                    await agent.ws.close()
        finally:
            log = os.environ.get("BENCH_HUB_LOG")
            if log:
                Path(log).write_text(hub1.output() + (hub2.output() if hub2 else ""))
            hub1.stop()
            if hub2 is not None:
                hub2.stop()
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run())))
