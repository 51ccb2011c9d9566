"""Reports for supervisors (docs/reports.md defines every figure; docs/api.md, "Reports", the routes).

Everything is computed from the metrics home's per-conversation facts (handoff/store/stats.py),
kept as things happen; a transcript is never re-read. One row per conversation started in the
period (the shop's calendar days), read in batches, so the CSV streams with flat memory.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from handoff.clock import Clock
from handoff.errors import ClientError
from handoff.settings import Settings
from handoff.store import Stores

BATCH = 500  # conversations read per Redis round trip
MAX_DAYS = 366
DRILL_DOWN_LIMIT = 500
METRICS = (
    "all",
    "contained_by_bot",
    "handed_off",
    "abandoned",
    "reopened",
    "rated",
    "reasked",
    "bot_spoke",
    "ticket_late",
)
CSV_COLUMNS = (
    "conversation_id",
    "started_at",
    "ended_at",
    "problem_type",
    "handed_off",
    "handoff_reason",
    "agent",
    "queue_seconds",
    "first_human_reply_seconds",
    "resolution_seconds",
    "outcome",
    "contained_by_bot",
    "abandoned",
    "reopened",
    "rating",
    "reask_count",
    "apology_count",
    "bot_spoke_in_human_mode",
    "emails_sent",
)


@dataclass(frozen=True)
class Query:
    """A report's period (the shop's days, both included) and filters."""

    first: date
    last: date
    agent: str = ""
    problem_type: str = ""
    reason: str = ""
    business_hours: bool = False

    def filters(self) -> dict[str, Any]:
        found = {"agent": self.agent, "problem_type": self.problem_type, "reason": self.reason}
        out: dict[str, Any] = {k: v for k, v in found.items() if v}
        if self.business_hours:
            out["business_hours"] = True
        return out


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _span(start: float | None, end: float | None) -> float | None:
    """end - start in seconds; 0 when end came a moment before start (an assignment at once is
    stored as the hand-off's event before the hand-off's own fact), None when one is missing."""
    if start is None or end is None or end < start - 1.0:
        return None
    return round(max(0.0, end - start), 1)


@dataclass
class Row:
    """One conversation, as the reports see it (docs/reports.md)."""

    conversation_id: str
    started_at: float
    ended_at: float | None
    problem_type: str
    handed_off: bool
    handoff_reason: str
    agent: str
    queue_seconds: float | None
    first_human_reply_seconds: float | None
    resolution_seconds: float | None
    outcome: str
    contained_by_bot: bool
    abandoned: bool
    reopened: bool
    rating: int | None
    rated_agent: str
    resolved: bool
    reask_count: int = 0
    reasks_by_thing: dict[str, int] | None = None
    apology_count: int = 0
    bot_spoke_in_human_mode: int = 0
    emails_sent: int = 0
    ticket: bool = False  # the hand-off became a ticket (nobody could take it in the chat)
    ticket_reply_seconds: float | None = None  # from the ticket to a person's first answer

    @property
    def reasked(self) -> bool:
        return self.reask_count > 0

    @property
    def bot_spoke(self) -> bool:
        return self.bot_spoke_in_human_mode > 0

    @classmethod
    def of(cls, cid: str, facts: dict[str, str], waiting: bool, promise: float = 0.0) -> Row:
        started = _float(facts.get("started_at")) or 0.0
        handoff_at = _float(facts.get("first_handoff_at"))
        handoffs = _int(facts.get("handoffs"))
        resolutions = _int(facts.get("resolutions"))
        replied = _float(facts.get("first_human_reply_at"))
        resolved_at = _float(facts.get("resolved_at"))
        handed_off = handoffs > 0
        answered = replied is not None or resolutions > 0
        # `waiting`: a hand-off is open now (queued, with an agent, a ticket): not abandoned (yet)
        rating = _int(facts.get("rating")) or None
        return cls(
            conversation_id=cid,
            started_at=started,
            ended_at=_float(facts.get("last_event_at")) or resolved_at or started,
            problem_type=facts.get("problem_type", ""),
            handed_off=handed_off and (answered or waiting),
            handoff_reason=facts.get("handoff_reason", ""),
            agent=facts.get("resolved_by") or facts.get("last_agent_id") or "",
            queue_seconds=_span(handoff_at, _float(facts.get("first_assigned_at"))),
            first_human_reply_seconds=_span(handoff_at, replied),
            resolution_seconds=_span(handoff_at, resolved_at),
            outcome=facts.get("outcome", ""),
            contained_by_bot=not handed_off,
            abandoned=handed_off and not answered and not waiting,
            reopened=handoffs > 1 and resolutions > 0,
            rating=rating,
            rated_agent=facts.get("rated_agent_id", ""),
            resolved=resolutions > 0,
            reask_count=_int(facts.get("reasks")),
            reasks_by_thing={
                name.split(":", 1)[1]: _int(value)
                for name, value in facts.items()
                if name.startswith("reasks:")
            },
            apology_count=_int(facts.get("apologies")),
            bot_spoke_in_human_mode=_int(facts.get("bot_spoke_in_human_mode")),
            emails_sent=_int(facts.get("mails_sent")),
            ticket=facts.get("first_offline_at") not in (None, ""),
            ticket_reply_seconds=_span(_float(facts.get("first_offline_at")), replied),
        )

    def csv(self) -> list[str]:
        def when(ts: float | None) -> str:
            if ts is None:
                return ""
            return (
                datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
            )

        def number(value: float | None) -> str:
            return "" if value is None else f"{value:g}"

        return [
            self.conversation_id,
            when(self.started_at),
            when(self.ended_at),
            self.problem_type,
            str(int(self.handed_off)),
            self.handoff_reason,
            self.agent,
            number(self.queue_seconds),
            number(self.first_human_reply_seconds),
            number(self.resolution_seconds),
            self.outcome,
            str(int(self.contained_by_bot)),
            str(int(self.abandoned)),
            str(int(self.reopened)),
            "" if self.rating is None else str(self.rating),
            str(self.reask_count),
            str(self.apology_count),
            str(self.bot_spoke_in_human_mode),
            str(self.emails_sent),
        ]

    def json(self) -> dict[str, Any]:
        return dict(zip(CSV_COLUMNS, self._typed(), strict=True))

    def _typed(self) -> list[Any]:
        values = self.csv()
        out: list[Any] = []
        for column, value in zip(CSV_COLUMNS, values, strict=True):
            if column in ("handed_off", "contained_by_bot", "abandoned", "reopened"):
                out.append(value == "1")
            elif column in ("queue_seconds", "first_human_reply_seconds", "resolution_seconds"):
                out.append(float(value) if value else None)
            elif column in (
                "rating",
                "reask_count",
                "apology_count",
                "bot_spoke_in_human_mode",
                "emails_sent",
            ):
                out.append(int(value) if value else None)
            else:
                out.append(value or None if column in ("ended_at",) else value)
        return out

    def matches(self, metric: str, promise: float = 0.0) -> bool:
        if metric == "all":
            return True
        if metric == "rated":
            return self.rating is not None
        if metric == "ticket_late":
            return self.ticket and not self.ticket_in_time(promise)
        return bool(getattr(self, metric))

    def ticket_in_time(self, promise: float) -> bool:
        """A ticket a person answered within the promised time."""
        return self.ticket_reply_seconds is not None and self.ticket_reply_seconds <= promise


def _distribution(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"count": 0, "median": None, "p90": None}
    ordered = sorted(values)

    def percentile(p: float) -> float:
        k = (len(ordered) - 1) * p
        low, high = math.floor(k), math.ceil(k)
        return round(ordered[low] + (ordered[high] - ordered[low]) * (k - low), 1)

    return {"count": len(ordered), "median": percentile(0.5), "p90": percentile(0.9)}


class Reports:
    def __init__(self, settings: Settings, stores: Stores, clock: Clock):
        self.settings = settings
        self.stats = stores.stats
        self.convs = stores.conversations
        self.agents = stores.agents
        self.redis = stores.redis
        self.keys = stores.keys
        self.rules = stores.rules
        self.clock = clock

    # the query ---------------------------------------------------------------------------------
    def query(self, args: Any) -> Query:
        """The period and filters of a request's query string; ClientError when one cannot be."""

        def one(name: str) -> str:
            value = args.get(name) if hasattr(args, "get") else None
            if isinstance(value, list):
                value = value[0] if value else None
            return str(value or "").strip()

        try:
            first, last = date.fromisoformat(one("from")), date.fromisoformat(one("to"))
        except ValueError:
            raise ClientError("invalid_period", "from and to are dates (YYYY-MM-DD), both required") from None
        if last < first or (last - first).days >= MAX_DAYS:
            raise ClientError(
                "invalid_period", f"from must not be after to, and the period at most {MAX_DAYS} days"
            )
        filters = {}
        for name, limit in (("agent", 40), ("problem_type", 40), ("reason", 40)):
            value = one(name)
            if value and (len(value) > limit or not value.replace("_", "").replace("-", "").isalnum()):
                raise ClientError(
                    "invalid_filter", f"{name} must be an id or a name of letters, digits, _ and -"
                )
            filters[name] = value
        hours = one("business_hours")
        if hours not in ("", "0", "1"):
            raise ClientError("invalid_filter", "business_hours is 1 or 0")
        return Query(first, last, business_hours=hours == "1", **filters)

    def _bounds(self, query: Query) -> tuple[float, float]:
        zone = self.clock.tz
        start = datetime.combine(query.first, time(0), tzinfo=zone)
        end = datetime.combine(query.last + timedelta(days=1), time(0), tzinfo=zone)
        return start.timestamp(), end.timestamp()

    # the rows ------------------------------------------------------------------------------------
    async def rows(self, query: Query) -> AsyncIterator[Row]:
        """Every conversation started in the period that passes the filters, oldest first."""
        since, until = self._bounds(query)
        offset = 0
        while True:
            batch = await self.stats.conversations_started(since, until, offset, BATCH)
            if not batch:
                break
            offset += len(batch)
            pipe = self.redis.pipeline(transaction=False)
            for cid in batch:
                pipe.hgetall(self.keys.conv_stats(cid))
                pipe.hget(self.keys.conv(cid), "status")
            answers = await pipe.execute()
            for index, cid in enumerate(batch):
                facts, status = answers[2 * index], answers[2 * index + 1]
                if not facts or not facts.get("started_at"):
                    continue
                row = Row.of(cid, facts, status in self.rules.handoff_open)
                if self._passes(row, query):
                    yield row

    def _passes(self, row: Row, query: Query) -> bool:
        if query.agent and row.agent != query.agent:
            return False
        if query.problem_type and row.problem_type != query.problem_type:
            return False
        if query.reason and row.handoff_reason != query.reason:
            return False
        if query.business_hours:
            local = datetime.fromtimestamp(row.started_at, self.clock.tz)
            if not self.settings.business_hours.is_open(local):
                return False
        return True

    # the summary --------------------------------------------------------------------------------
    async def summary(self, query: Query) -> dict[str, Any]:
        count = Counter()
        reasons: Counter[str] = Counter()
        queue, first_reply, resolution = [], [], []
        ratings_by_agent: dict[str, list[int]] = defaultdict(list)
        ratings_by_type: dict[str, list[int]] = defaultdict(list)
        by_day: dict[str, Counter] = defaultdict(Counter)
        ratings: list[int] = []
        reasks: Counter[str] = Counter()
        apologies_by_case: list[int] = []
        promise = self.settings.ticket_promise_seconds
        async for row in self.rows(query):
            count["conversations"] += 1
            count["reasks"] += row.reask_count
            count["reasked_conversations"] += int(row.reasked)
            reasks.update(row.reasks_by_thing or {})
            count["bot_spoke_in_human_mode"] += row.bot_spoke_in_human_mode
            count["bot_spoke_conversations"] += int(row.bot_spoke)
            count["emails_sent"] += row.emails_sent
            if row.handed_off or row.abandoned:
                apologies_by_case.append(row.apology_count)
            if row.ticket:
                count["tickets"] += 1
                count["tickets_answered"] += int(row.ticket_reply_seconds is not None)
                count["tickets_in_time"] += int(row.ticket_in_time(promise))
            day = self.clock.day(row.started_at)
            by_day[day]["conversations"] += 1
            for name in ("contained_by_bot", "handed_off", "abandoned", "reopened", "resolved"):
                if getattr(row, name):
                    count[name] += 1
                    by_day[day][name] += 1
            if row.handoff_reason:
                reasons[row.handoff_reason] += 1
            for values, value in (
                (queue, row.queue_seconds),
                (first_reply, row.first_human_reply_seconds),
                (resolution, row.resolution_seconds),
            ):
                if value is not None:
                    values.append(value)
            if row.rating is not None:
                ratings.append(row.rating)
                if row.rated_agent:
                    ratings_by_agent[row.rated_agent].append(row.rating)
                ratings_by_type[row.problem_type or ""].append(row.rating)
        total = count["conversations"]
        names = {a.id: a.name for a in await self.agents.all()}

        def average(values: list[int]) -> float | None:
            return round(sum(values) / len(values), 2) if values else None

        return {
            "from": query.first.isoformat(),
            "to": query.last.isoformat(),
            "timezone": str(self.clock.tz),
            "filters": query.filters(),
            "conversations": total,
            "contained_by_bot": count["contained_by_bot"],
            "handed_off": count["handed_off"],
            "abandoned": count["abandoned"],
            "rates": {
                name: round(count[name] / total, 3) if total else None
                for name in ("contained_by_bot", "handed_off", "abandoned")
            },
            "handoffs_by_reason": dict(reasons.most_common()),
            "queue_seconds": _distribution(queue),
            "first_human_reply_seconds": _distribution(first_reply),
            "resolution_seconds": _distribution(resolution),
            "reopened": count["reopened"],
            "reasks": {
                "count": count["reasks"],
                "conversations": count["reasked_conversations"],
                "by_thing": dict(reasks.most_common()),
            },
            "bot_spoke_in_human_mode": {
                "messages": count["bot_spoke_in_human_mode"],
                "conversations": count["bot_spoke_conversations"],
            },
            "apologies": {
                "per_case": round(sum(apologies_by_case) / len(apologies_by_case), 2)
                if apologies_by_case
                else None,
                "cases_with_more_than_one": sum(1 for n in apologies_by_case if n > 1),
            },
            "tickets": {
                "count": count["tickets"],
                "answered": count["tickets_answered"],
                "answered_in_time": count["tickets_in_time"],
                "in_time_rate": round(count["tickets_in_time"] / count["tickets"], 3)
                if count["tickets"]
                else None,
                "promise_seconds": promise,
            },
            "emails_sent": count["emails_sent"],
            "csat": {
                "count": len(ratings),
                "average": average(ratings),
                "response_rate": round(len(ratings) / count["resolved"], 3) if count["resolved"] else None,
                "by_agent": [
                    {"agent": aid, "name": names.get(aid, ""), "count": len(v), "average": average(v)}
                    for aid, v in sorted(ratings_by_agent.items(), key=lambda kv: names.get(kv[0], kv[0]))
                ],
                "by_problem_type": [
                    {"problem_type": kind, "count": len(v), "average": average(v)}
                    for kind, v in sorted(ratings_by_type.items())
                ],
            },
            "by_day": [
                {
                    "day": day,
                    "conversations": by_day[day]["conversations"],
                    "contained_by_bot": by_day[day]["contained_by_bot"],
                    "handed_off": by_day[day]["handed_off"],
                    "abandoned": by_day[day]["abandoned"],
                }
                for day in sorted(by_day)
            ],
        }

    async def conversations(self, query: Query, metric: str) -> dict[str, Any]:
        """The conversations behind a figure (newest first, at most DRILL_DOWN_LIMIT)."""
        if metric not in METRICS:
            raise ClientError("invalid_filter", f"metric must be one of {', '.join(METRICS)}")
        promise = self.settings.ticket_promise_seconds
        found = [row.json() async for row in self.rows(query) if row.matches(metric, promise)]
        found.reverse()
        return {"conversations": found[:DRILL_DOWN_LIMIT], "truncated": len(found) > DRILL_DOWN_LIMIT}

    async def csv(self, query: Query) -> AsyncIterator[str]:
        """The CSV, a chunk per batch of rows (the header first)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        rows = 0
        async for row in self.rows(query):
            writer.writerow(row.csv())
            rows += 1
            if rows % BATCH == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()
