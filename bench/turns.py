"""Bot turn latency through the hub vs straight to Rasa (runs in .venv/hub). Prints one JSON object.

The real system (`tools.devstack.Stack`: a private Redis with AOF, the action server, Rasa with the
trained model, the hub) on free ports. The same messages (held-out NLU sentences of intents that
the bot answers without a hand-off) are sent, each in a fresh conversation:

* hub: the customer's frame sent on the WebSocket → the first bot message on that socket;
* direct: the same text POSTed to Rasa's REST webhook ({rasa}/webhooks/rest/webhook) with a fresh
  sender → the answer (the baseline: what Rasa alone costs).

At 1, 20 and 100 concurrent customers; the two paths alternate in two rounds per level so that the
machine's noise falls on both. With BENCH_PROFILE=path, a further hub round at 20 customers runs
under `py-spy record` (collapsed stacks written to that path, summarised in the result).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, pct, progress, raise_fd_limit, ratio, stream_id  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402
from tests.support.stack import private_stack  # noqa: E402

LEVELS = [int(x) for x in os.environ.get("BENCH_TURN_LEVELS", "1,20,100").split(",")]
SAFE_INTENTS = {"greet", "thank", "goodbye", "bot_challenge", "order_status"}


def messages() -> list[str]:
    from tests.bot.test_nlu import examples, plain

    return [
        plain(text) for intent, text in examples(ROOT / "tests/bot/nlu_test.yml") if intent in SAFE_INTENTS
    ]


def count_for(level: int) -> int:
    return {1: 40, 20: 160, 100: 200}.get(level, 2 * level)


async def direct_one(rasa: httpx.AsyncClient, text: str) -> float | None:
    body = {"sender": "bench-" + uuid.uuid4().hex, "message": text, "metadata": {"visitor_id": ""}}
    start = time.perf_counter()
    answer = await rasa.post("/webhooks/rest/webhook", json=body)
    elapsed = (time.perf_counter() - start) * 1000
    if answer.status_code != 200:
        raise RuntimeError(f"Rasa answered {answer.status_code}: {answer.text[:200]}")
    if not answer.json():
        return None  # Rasa answered nothing (an action timed out under load): counted apart
    return elapsed


async def hub_one(hub: httpx.AsyncClient, ws_base: str, text: str) -> float:
    conv = (await hub.post("/v1/conversations", json={})).json()
    url = f"{ws_base}/v1/conversations/{conv['conversation_id']}/stream?token={conv['token']}"
    async with websockets.connect(url, max_size=2**20) as ws:
        # the replay (the welcome message) comes first
        while True:
            event = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if event.get("from") == "bot":
                break
        client_id = str(uuid.uuid4())
        start = time.perf_counter()
        await ws.send(json.dumps({"type": "message", "text": text, "client_id": client_id}))
        acked = None
        marks = {}
        while True:
            event = json.loads(await asyncio.wait_for(ws.recv(), 120))
            if event.get("type") == "ack" and event.get("client_id") == client_id:
                acked = stream_id(event["id"])
                marks["ack"] = (time.perf_counter() - start) * 1000
            elif event.get("type") == "typing" and event.get("from") == "bot" and "typing" not in marks:
                marks["typing"] = (time.perf_counter() - start) * 1000  # the worker calls Rasa now
            elif event.get("type") == "error":
                raise RuntimeError(event)
            elif (
                event.get("type") == "message"
                and event.get("from") == "bot"
                and acked is not None
                and stream_id(event["id"]) > acked
            ):
                elapsed = (time.perf_counter() - start) * 1000
                MARKS.append({**marks, "answer": elapsed})
                return elapsed


async def drive(level: int, texts: list[str], one) -> list[float]:
    queue: asyncio.Queue = asyncio.Queue()
    for text in texts:
        queue.put_nowait(text)
    out: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            elapsed = await one(queue.get_nowait())
            if elapsed is None:
                EMPTY[level] = EMPTY.get(level, 0) + 1
            else:
                out.append(elapsed)

    await asyncio.gather(*(worker() for _ in range(level)))
    return out


EMPTY: dict[int, int] = {}  # direct calls Rasa answered with nothing, per level
MARKS: list[dict[str, float]] = []  # hub turns: when the ack, the bot's typing and the answer came


def summarise_profile(path: Path) -> dict:
    """Shares of the hub's busy samples, by where the time goes (inclusive) and by function (self)."""
    groups = {
        "redis client (commands, parsing)": ("redis/",),
        "Rasa call (httpx/httpcore)": ("httpx/", "httpcore/"),
        "WebSocket frames (websockets)": ("websockets/",),
        "JSON": ("json/",),
        "sanic HTTP/routing": ("sanic/",),
        "asyncio internals (tasks, timeouts, streams)": ("asyncio/",),
        "the hub's own code (handoff/)": ("handoff/",),
    }
    total = 0
    inclusive: Counter = Counter()
    handoff_fns: Counter = Counter()
    self_fns: Counter = Counter()
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack:
            continue
        count = int(n)
        total += count
        frames = stack.split(";")
        # the server's own base frames (python -m handoff → sanic's run loop) are on every stack
        base = next((i for i, f in enumerate(frames) if f.startswith("_run_server_forever")), -1)
        frames = frames[base + 1 :] or frames[-1:]
        for name, needles in groups.items():
            if any(any(needle in f for needle in needles) for f in frames):
                inclusive[name] += count
        seen = set()
        for f in frames:
            if "handoff/" in f and f not in seen:
                seen.add(f)
                handoff_fns[f.split(" (")[0] + " (" + f.split("handoff/")[-1].split(":")[0] + ")"] += count
        self_fns[frames[-1].split(" (")[0] + " (" + frames[-1].split("(")[-1].split(":")[0] + ")"] += count
    share = lambda c: round(100 * c / total, 1) if total else 0.0  # noqa: E731
    return {
        "samples": total,
        "inclusive_pct": {k: share(v) for k, v in inclusive.most_common()},
        "handoff_functions_pct": {k: share(v) for k, v in handoff_fns.most_common(12)},
        "self_pct": {k: share(v) for k, v in self_fns.most_common(12)},
    }


async def run() -> dict:
    raise_fd_limit()
    texts_all = messages()
    redis = RedisServer().start()
    run_dir = Path(os.environ.get("BENCH_RUN_DIR", ROOT / ".run" / "bench"))
    run_dir.mkdir(parents=True, exist_ok=True)
    progress("starting Redis, the action server, Rasa (loading the model) and the hub")
    started = time.monotonic()
    stack = None
    try:
        stack = private_stack(
            run_dir,
            redis.url + "?max_connections=2000",  # see bench/relay.py
            "bench",
            {
                # raised for this run (every bench customer comes from 127.0.0.1), never removed
                "HUB_RATE_CONVERSATIONS_PER_MINUTE": "100000",
                "HUB_RATE_MESSAGES_PER_MINUTE": "100000",
                # 100 customers at once queue inside Rasa for seconds: not a reason to hand off
                "RASA_TIMEOUT": "120",
            },
        )
        progress(f"stack up in {time.monotonic() - started:.0f} s")
        hub_pid = next(p.pid for name, p, _ in stack.processes if name == "hub")
        ws_base = stack.hub_url.replace("http://", "ws://")
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with (
            httpx.AsyncClient(base_url=stack.rasa_url, timeout=180, limits=limits) as rasa,
            httpx.AsyncClient(base_url=stack.hub_url, timeout=180, limits=limits) as hub,
        ):
            direct = lambda t: direct_one(rasa, t)  # noqa: E731
            via_hub = lambda t: hub_one(hub, ws_base, t)  # noqa: E731
            # warm-up: Rasa's first answers (and the action server's) are slow
            await drive(4, texts_all[:8], direct)
            await drive(4, texts_all[8:16], via_hub)
            levels = {}
            for level in LEVELS:
                n = count_for(level)
                texts = [texts_all[i % len(texts_all)] for i in range(n)]
                half = n // 2
                d, h = [], []
                MARKS.clear()
                for rnd in range(2):
                    part = texts[rnd * half : (rnd + 1) * half]
                    progress(
                        f"bot turns, {level} concurrent: round {rnd + 1}/2 straight to Rasa ({len(part)})"
                    )
                    d += await drive(level, part, direct)
                    progress(
                        f"bot turns, {level} concurrent: round {rnd + 1}/2 through the hub ({len(part)})"
                    )
                    h += await drive(level, part, via_hub)
                levels[str(level)] = {
                    "messages": len(h),
                    "direct_empty": EMPTY.get(level, 0),
                    "direct_p50": pct(d, 0.5),
                    "direct_p95": pct(d, 0.95),
                    "hub_p50": pct(h, 0.5),
                    "hub_p95": pct(h, 0.95),
                    "ratio_p50": ratio(pct(h, 0.5), pct(d, 0.5)),
                    "ratio_p95": ratio(pct(h, 0.95), pct(d, 0.95)),
                    # the hub path's timeline (p50s): ack, the bot's typing (the worker is calling
                    # Rasa), the answer on the socket
                    "hub_ack_p50": pct([m["ack"] for m in MARKS if "ack" in m], 0.5),
                    "hub_typing_p50": pct([m["typing"] for m in MARKS if "typing" in m], 0.5),
                }
                progress(f"bot turns, {level} concurrent: {levels[str(level)]}")
            result: dict = {"levels": levels, "intents": sorted(SAFE_INTENTS)}
            profile_path = os.environ.get("BENCH_PROFILE")
            if profile_path:
                Path(profile_path).parent.mkdir(parents=True, exist_ok=True)
                progress("profiling the hub (py-spy record) during 20 concurrent bot turns")
                spy = subprocess.Popen(
                    [
                        str(ROOT / ".venv/hub/bin/py-spy"),
                        "record",
                        "--pid",
                        str(hub_pid),
                        "--format",
                        "raw",
                        "--rate",
                        "200",
                        "--nonblocking",
                        "--output",
                        profile_path,
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                await asyncio.sleep(1)
                await drive(20, [texts_all[i % len(texts_all)] for i in range(200)], via_hub)
                spy.send_signal(2)
                spy.wait(timeout=30)
                if Path(profile_path).exists():
                    result["profile"] = summarise_profile(Path(profile_path))
    finally:
        if stack is not None:
            stack.stop()
        redis.stop()
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run())))
