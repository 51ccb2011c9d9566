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
import re
from dataclasses import dataclass, field
from typing import Any

from handoff.clock import Clock
from handoff.reasks import reasked
from handoff.store.conversations import ConversationStore
from handoff.store.stats import StatsStore

log = logging.getLogger("handoff.metrics")

STARTED = "started"  # data: visitor_id
HANDOFF_OPENED = "handoff_opened"  # data: reason, status (assigned, queued, offline), problem_type
RESOLVED = "resolved"  # data: agent_id, handling_seconds (None if unknown), outcome
RATED = "rated"  # data: rating, agent_id, previous (the conversation's earlier rating, or None)
MAIL_SENT = "mail_sent"  # data: kind (offline, reply): an e-mail to the customer left for the SMTP server
BOT_SPOKE = "bot_spoke_in_human_mode"  # data: messages: the assistant's answer stored while a person had it
FACTS = (STARTED, HANDOFF_OPENED, RESOLVED, RATED, MAIL_SENT, BOT_SPOKE)
# a sincere apology, by the bot or an agent ("mi dispiace", "ti chiedo scusa"): counted per case, the
# promise being one. "Mi scusi, non ho capito" is politeness, not an apology for what happened.
APOLOGY = re.compile(
    r"\b(?:mi|ci) dispiace\b|\b(?:ti|le|vi|Le) (?:chiedo|chiediamo) scusa\b|\bchiedo scusa\b"
    r"|\b(?:mi|ci) scus(?:o|iamo)\b|\bscusa(?:te)?ci\b|\bsiamo (?:davvero )?mortificat",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Fact:
    """Something that happened to a conversation that is not an event of its transcript."""

    conversation_id: str
    name: str
    data: dict[str, Any] = field(default_factory=dict)


class Metrics:
    def __init__(self, stats: StatsStore, clock: Clock, convs: ConversationStore | None = None):
        self.stats = stats
        self.clock = clock
        self.convs = convs  # the case card, for re-asks (a record read, never a transcript)

    async def on_event(self, cid: str, event: dict[str, Any]) -> None:
        """A transcript event was stored."""
        kind, sender = event.get("type"), event.get("from")
        at = self.clock.now()
        if kind == "message" and sender in ("customer", "bot", "agent", "system"):
            first = {"first_human_reply_at": at} if sender == "agent" else None
            counts = {f"{sender}_messages": 1}
            text = str(event.get("text") or "")
            if sender in ("bot", "agent") and APOLOGY.search(text):
                counts["apologies"] = 1
            if sender == "agent" and self.convs is not None:
                conv = await self.convs.get(cid)
                card = {}
                if conv is not None:
                    card = {
                        **conv.summary,
                        "order_number": conv.order_number or conv.summary.get("order_number"),
                        "email": conv.email or conv.summary.get("email"),
                        "customer_name": conv.customer_name or conv.summary.get("customer_name"),
                    }
                asked = reasked(text, card)
                if asked:
                    counts["reasks"] = 1
                    for thing in asked:
                        counts[f"reasks:{thing}"] = 1
            await self.stats.record(cid, first=first, last={"last_event_at": at}, counts=counts)
        elif kind == "handoff":
            status = event.get("status") or ""
            last: dict[str, Any] = {"handoff_status": status, "last_event_at": at}
            first = None
            if status == "offline":  # a ticket: a person answers later (by e-mail)
                first = {"first_offline_at": at}
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
        elif fact.name == MAIL_SENT:
            await self.stats.record(cid, counts={"mails_sent": 1})
            await self.stats.count(day, {"mails_sent": 1, f"mails_sent:{data.get('kind') or ''}": 1})
        elif fact.name == BOT_SPOKE:
            await self.stats.record(cid, counts={"bot_spoke_in_human_mode": int(data.get("messages") or 1)})
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
