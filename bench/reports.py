"""Reports at a shop's scale (runs in .venv/hub): the summary and the CSV over many conversations.

A private Redis; BENCH_REPORT_CONVERSATIONS (100,000) conversations' facts are generated the way
the metrics home writes them (a stats hash per conversation, the index by start time) over 30 days,
a mix of contained, handed off, abandoned, tickets, ratings. Then, on the same data:

* baseline: the raw read of those facts (HGETALL of every conversation, pipelined in the same
  batches), the floor any report that reads per-conversation facts pays;
* the summary (`Reports.summary`, 30 days), and with a filter (one agent);
* the CSV (`Reports.csv`), streamed: time, and the Python memory it holds at its peak
  (tracemalloc) for a tenth of the conversations and for all of them: flat means the same.

Prints one JSON object (bench/run.py records it).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import progress  # noqa: E402
from handoff.clock import Clock  # noqa: E402
from handoff.services.reports import BATCH, Query, Reports  # noqa: E402
from handoff.settings import Settings  # noqa: E402
from handoff.store import Stores  # noqa: E402
from sportello.redis_url import async_client  # noqa: E402
from tests.support.redis_server import RedisServer  # noqa: E402

CONVERSATIONS = int(os.environ.get("BENCH_REPORT_CONVERSATIONS", "100000"))
DAYS = 30
ROME = ZoneInfo("Europe/Rome")
FIRST = date(2027, 3, 1)
AGENTS = [f"ag_bench{i:02d}" for i in range(12)]
REASONS = ["request_human", "problem", "frustration", "fallback", "ticket_followup"]
PROBLEMS = [
    "delivery_late",
    "item_damaged",
    "missing_parts",
    "wrong_item",
    "return_request",
    "refund_request",
]


def facts_of(rng: random.Random, started: float) -> dict[str, str]:
    """One conversation's facts, as the metrics home would have written them."""
    facts = {"started_at": f"{started}", "customer_messages": str(rng.randint(1, 8))}
    kind = rng.random()
    if kind < 0.62:  # the bot alone
        facts["last_event_at"] = f"{started + rng.uniform(20, 600)}"
        return facts
    handoff = started + rng.uniform(30, 400)
    facts.update(
        first_handoff_at=f"{handoff}",
        handoff_reason=rng.choice(REASONS),
        problem_type=rng.choice(PROBLEMS),
        handoffs="2" if rng.random() < 0.03 else "1",
    )
    if kind < 0.68:  # a ticket
        facts["first_offline_at"] = f"{handoff}"
        facts["mails_sent"] = "1"
    agent = rng.choice(AGENTS)
    if kind < 0.97:  # a person answered
        assigned = handoff + rng.expovariate(1 / 120)
        replied = assigned + rng.expovariate(1 / 60)
        resolved = replied + rng.expovariate(1 / 900)
        facts.update(
            first_assigned_at=f"{assigned}",
            first_human_reply_at=f"{replied}",
            resolved_at=f"{resolved}",
            resolved_by=agent,
            last_agent_id=agent,
            resolutions="1",
            outcome=rng.choice(["solved", "refund", "replacement", ""]),
            last_event_at=f"{resolved}",
            apologies=str(rng.choice([0, 1, 1, 1, 2])),
        )
        if rng.random() < 0.1:
            facts["reasks"] = "1"
            facts["reasks:order_number"] = "1"
        if rng.random() < 0.4:
            facts["rating"] = str(rng.randint(1, 5))
            facts["rated_agent_id"] = agent
    else:  # abandoned: the record is gone
        facts["last_event_at"] = f"{handoff}"
    return facts


async def generate(stores: Stores) -> None:
    rng = random.Random(7)
    start = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=ROME).timestamp()
    span = DAYS * 86400
    redis, keys = stores.redis, stores.keys
    for offset in range(0, CONVERSATIONS, 2000):
        pipe = redis.pipeline(transaction=False)
        for n in range(offset, min(CONVERSATIONS, offset + 2000)):
            cid = f"c_bench{n:015d}"
            started = start + span * n / CONVERSATIONS
            pipe.hset(keys.conv_stats(cid), mapping=facts_of(rng, started))
            pipe.zadd(keys.stats_convs(), {cid: started})
        await pipe.execute()
        if offset % 20000 == 0:
            progress(f"reports: {offset:,} of {CONVERSATIONS:,} conversations generated")


async def raw_read(stores: Stores, query: Query, reports: Reports) -> int:
    since, until = reports._bounds(query)
    read = offset = 0
    while True:
        ids = await stores.stats.conversations_started(since, until, offset, BATCH)
        if not ids:
            return read
        offset += len(ids)
        pipe = stores.redis.pipeline(transaction=False)
        for cid in ids:
            pipe.hgetall(stores.keys.conv_stats(cid))
            pipe.hget(stores.keys.conv(cid), "status")
        read += len(await pipe.execute())


async def timed(fn, repeat: int = 3) -> float:
    best = []
    for _ in range(repeat):
        started = time.perf_counter()
        await fn()
        best.append((time.perf_counter() - started) * 1000)
    return sorted(best)[len(best) // 2]


async def csv_run(reports: Reports, query: Query) -> tuple[float, int, int]:
    """(ms, rows, peak Python memory in KiB) of streaming the CSV, chunks dropped as a client reads."""
    tracemalloc.start()
    started = time.perf_counter()
    rows = 0
    async for chunk in reports.csv(query):
        rows += chunk.count("\r\n")
    elapsed = (time.perf_counter() - started) * 1000
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, rows - 1, peak // 1024


async def main() -> dict:
    server = RedisServer(appendonly=False).start()
    try:
        settings = Settings(internal_token="bench", secret="bench", redis_url=server.url)
        redis = async_client(server.url, decode_responses=True)
        stores = Stores(
            redis, settings.key_prefix, int(settings.retention_seconds), settings.heartbeat_timeout
        )
        reports = Reports(settings, stores, Clock(ROME))
        await generate(stores)
        month = Query(FIRST, FIRST + timedelta(days=DAYS - 1))
        tenth = Query(FIRST, FIRST + timedelta(days=DAYS // 10 - 1))
        progress("reports: timing the raw read, the summary and the CSV")
        raw = await timed(lambda: raw_read(stores, month, reports))
        summary = await timed(lambda: reports.summary(month))
        filtered = await timed(lambda: reports.summary(Query(month.first, month.last, agent=AGENTS[0])))
        check = await reports.summary(month)
        small_ms, small_rows, small_peak = await csv_run(reports, tenth)
        full_ms, full_rows, full_peak = await csv_run(reports, month)
        await redis.aclose()
        return {
            "conversations": CONVERSATIONS,
            "days": DAYS,
            "raw_read_ms": round(raw),
            "summary_ms": round(summary),
            "summary_filtered_ms": round(filtered),
            "summary_vs_raw": round(summary / raw, 2),
            "summary_goal_ms": 300,
            "summary_conversations": check["conversations"],
            "csv_ms": round(full_ms),
            "csv_rows": full_rows,
            "csv_rows_per_s": round(full_rows / (full_ms / 1000)),
            "csv_peak_kib_tenth": small_peak,
            "csv_rows_tenth": small_rows,
            "csv_peak_kib_all": full_peak,
            "csv_memory_ratio": round(full_peak / max(1, small_peak), 2),
        }
    finally:
        server.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
