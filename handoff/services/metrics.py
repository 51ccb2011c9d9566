"""The metrics home: one listener, fed by `Events`, keeps every derived figure in the stats store
(handoff/store/stats.py) as things happen. A new metric is a few lines here (and, if it needs a fact
that is not a transcript event, one `events.fact(…)` where it happens) — never a re-reading of
transcripts, and never a counter written from another service.

It hears two kinds of thing, in the process that stored them, right after they were stored:

* every transcript event (`on_event`): customer, bot and agent messages, hand-off changes;
* facts that are not transcript events (`on_fact`): a conversation started, a hand-off opened (with
  its reason), a case resolved (with its handling time and outcome), a rating.

Times and days come from the hub's calendar (handoff/clock.py: the shop's time zone). A listener
that fails is logged and never fails the message it heard about. A process that dies
between storing an event and this listener loses that event's counts (the event itself is safe).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from handoff.clock import Clock
from handoff.store.stats import StatsStore

log = logging.getLogger("handoff.metrics")

STARTED = "started"  # data: visitor_id
HANDOFF_OPENED = "handoff_opened"  # data: reason, status (assigned, queued, offline), problem_type
RESOLVED = "resolved"  # data: agent_id, handling_seconds (None if unknown), outcome
RATED = "rated"  # data: rating, agent_id, previous (the conversation's earlier rating, or None)
FACTS = (STARTED, HANDOFF_OPENED, RESOLVED, RATED)


@dataclass(frozen=True)
class Fact:
    """Something that happened to a conversation that is not an event of its transcript."""

    conversation_id: str
    name: str
    data: dict[str, Any] = field(default_factory=dict)


class Metrics:
    def __init__(self, stats: StatsStore, clock: Clock):
        self.stats = stats
        self.clock = clock

    async def on_event(self, cid: str, event: dict[str, Any]) -> None:
        """A transcript event was stored."""
        kind, sender = event.get("type"), event.get("from")
        at = self.clock.now()
        if kind == "message" and sender in ("customer", "bot", "agent", "system"):
            first = {"first_human_reply_at": at} if sender == "agent" else None
            await self.stats.record(
                cid, first=first, last={"last_event_at": at}, counts={f"{sender}_messages": 1}
            )
        elif kind == "handoff":
            status = event.get("status") or ""
            last: dict[str, Any] = {"handoff_status": status, "last_event_at": at}
            first = None
            if status == "assigned":  # a person has it: the queue time ends (the first time)
                first = {"first_assigned_at": at}
                agent = event.get("agent") or {}
                if isinstance(agent, dict) and agent.get("id"):
                    last["last_agent_id"] = agent["id"]
            await self.stats.record(cid, first=first, last=last)

    async def on_fact(self, fact: Fact) -> None:
        cid, data = fact.conversation_id, fact.data
        at = self.clock.now()
        day = self.clock.day(at)
        if fact.name == STARTED:
            await self.stats.record(cid, first={"started_at": at}, started_at=at)
            await self.stats.count(day, {"conversations": 1})
        elif fact.name == HANDOFF_OPENED:
            reason = str(data.get("reason") or "")
            await self.stats.record(
                cid,
                first={
                    "first_handoff_at": at,
                    "handoff_reason": reason,
                    "first_handoff_status": str(data.get("status") or ""),
                    "problem_type": str(data.get("problem_type") or ""),
                },
                counts={"handoffs": 1},
            )
            await self.stats.count(day, {"handoffs": 1, f"handoffs:{reason}": 1})
        elif fact.name == RESOLVED:
            handling = data.get("handling_seconds")
            await self.stats.record(
                cid,
                last={
                    "resolved_at": at,
                    "resolved_by": data.get("agent_id") or "",
                    "outcome": data.get("outcome") or "",
                },
                counts={"resolutions": 1},
            )
            await self.stats.count(day, {"resolved": 1})
            if handling:
                await self.stats.add_handling(float(handling))
        elif fact.name == RATED:
            rating = int(data["rating"])
            previous = data.get("previous")
            await self.stats.add_rating(rating, str(data.get("agent_id") or ""), previous)
            await self.stats.record(
                cid, last={"rating": rating, "rated_agent_id": data.get("agent_id") or ""}
            )
            if previous is None:
                await self.stats.count(day, {"ratings": 1, "rating_sum": rating})
            else:
                await self.stats.count(day, {"rating_sum": rating - int(previous)})
