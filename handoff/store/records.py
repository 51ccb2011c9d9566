"""Typed records of what the stores keep: a conversation's state and a ticket."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from handoff.states import Status


def loads(raw: str | None, default):
    """JSON from a Redis field, or `default` when it is empty or unreadable."""
    if not raw:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        return default


def _float(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except ValueError:
        return None


@dataclass
class Conversation:
    """The state hash of a conversation (`conv:{cid}`); the events are in its stream."""

    id: str
    visitor_id: str = ""
    origin: str = ""  # a hash of the address it was started from (limits across visitors)
    status: str = Status.BOT
    created_at: float = 0.0
    agent_id: str = ""
    last_agent_id: str = ""
    previous_agent_id: str = ""
    ticket_id: str = ""
    reason: str = ""
    priority: str = "normal"
    mood: str = ""
    problem_type: str = ""
    order_number: str = ""
    customer_name: str = ""
    email: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    buttons: list[dict[str, str]] = field(default_factory=list)
    handoff_at: float | None = None
    assigned_at: float | None = None
    resolved_at: float | None = None
    queue_position: int | None = None
    rating: int | None = None
    waiting_ack_for: str = ""  # the hand-off (its handoff_at) a waiting customer was acknowledged for
    waiting_since: float | None = None  # the customer's oldest message not answered by a person yet
    customer_count: int = 0  # customer messages since the first hand-off (agents' unread marks)
    outcome: str = ""  # how the agent closed it (solved, replacement, refund, no_reply)
    merged_into: str = ""  # the newer conversation of the same case this one was closed into
    customer_seen: str = ""  # the last event the customer's page showed
    mailed_upto: str = ""  # the last agent message sent to the customer by e-mail
    offline_mailed_for: str = ""  # the hand-off whose offline notice was e-mailed
    offered_email_for: str = ""  # the hand-off whose "answer me by e-mail" offer was made
    # what the customer proved (a typed value is a claim): how the order was shown to be theirs
    # ("email", "postcode", "token"; '' not proved), and whether the e-mail is the order's
    order_verified: str = ""
    email_verified: bool = False
    verified_email: str = ""  # the signed-in customer's e-mail, from the shop's signed token

    @classmethod
    def from_hash(cls, data: dict[str, str]) -> Conversation:
        return cls(
            id=data.get("id", ""),
            visitor_id=data.get("visitor_id", ""),
            origin=data.get("origin", ""),
            status=data.get("status") or Status.BOT,
            created_at=_float(data.get("created_at")) or 0.0,
            agent_id=data.get("agent_id", ""),
            last_agent_id=data.get("last_agent_id", ""),
            previous_agent_id=data.get("previous_agent_id", ""),
            ticket_id=data.get("ticket_id", ""),
            reason=data.get("reason", ""),
            priority=data.get("priority") or "normal",
            mood=data.get("mood", ""),
            problem_type=data.get("problem_type", ""),
            order_number=data.get("order_number", ""),
            customer_name=data.get("customer_name", ""),
            email=data.get("email", ""),
            summary=loads(data.get("summary"), {}),
            buttons=loads(data.get("buttons"), []),
            handoff_at=_float(data.get("handoff_at")),
            assigned_at=_float(data.get("assigned_at")),
            resolved_at=_float(data.get("resolved_at")),
            queue_position=_int(data.get("queue_position")),
            rating=_int(data.get("rating")),
            waiting_ack_for=data.get("waiting_ack_for", ""),
            waiting_since=_float(data.get("waiting_since")),
            customer_count=_int(data.get("customer_count")) or 0,
            outcome=data.get("outcome", ""),
            merged_into=data.get("merged_into", ""),
            customer_seen=data.get("customer_seen", ""),
            mailed_upto=data.get("mailed_upto", ""),
            offline_mailed_for=data.get("offline_mailed_for", ""),
            offered_email_for=data.get("offered_email_for", ""),
            order_verified=data.get("order_verified", ""),
            email_verified=data.get("email_verified") == "1",
            verified_email=data.get("verified_email", ""),
        )

    @property
    def voice(self) -> dict[str, str]:
        """The slots the customer's words are chosen by: their register (tu/Lei) and mood."""
        return {
            "register": str(self.summary.get("register") or ""),
            "mood": self.mood or str(self.summary.get("mood") or ""),
        }

    @property
    def handed_off(self) -> bool:
        """Whether a person was ever asked for (bot-only chats are not part of a customer's history)."""
        return self.handoff_at is not None or bool(self.ticket_id)

    @property
    def latest_agent_id(self) -> str:
        """The agent who has it now, else the one who had it last."""
        return self.agent_id or self.last_agent_id


@dataclass(frozen=True)
class AgentRef:
    id: str
    name: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


@dataclass
class Ticket:
    """A case code given to the customer (`T6QYJ5XKA`), linked to its conversations and agent."""

    ticket_id: str
    status: str = "open"
    agent: AgentRef | None = None
    conversations: list[str] = field(default_factory=list)
    problem_type: str | None = None
    order_number: str | None = None
    email: str | None = None
    visitor_id: str = ""
    summary: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0
    closed_at: float | None = None
    outcome: str = ""

    @classmethod
    def from_hash(cls, tid: str, data: dict[str, str], conversations: list[str]) -> Ticket:
        agent = AgentRef(data["agent_id"], data.get("agent_name", "")) if data.get("agent_id") else None
        return cls(
            ticket_id=tid,
            status=data.get("status", "open"),
            agent=agent,
            conversations=conversations,
            problem_type=data.get("problem_type") or None,
            order_number=data.get("order_number") or None,
            email=data.get("email") or None,
            visitor_id=data.get("visitor_id", ""),
            summary=loads(data.get("summary"), {}),
            created_at=_float(data.get("created_at")) or 0.0,
            updated_at=_float(data.get("updated_at")) or 0.0,
            closed_at=_float(data.get("closed_at")),
            outcome=data.get("outcome", ""),
        )

    def as_dict(self) -> dict[str, Any]:
        """The ticket as the internal API answers it."""
        return {
            "ticket_id": self.ticket_id,
            "status": self.status,
            "agent": self.agent.as_dict() if self.agent else None,
            "conversations": self.conversations,
            "problem_type": self.problem_type,
            "order_number": self.order_number,
            "email": self.email,
            "visitor_id": self.visitor_id or None,
            "summary": self.summary,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "closed_at": self.closed_at,
        }


@dataclass(frozen=True)
class Appended:
    """What storing an event returned: its stream id, whether it is new (not a retry), the event as
    stored (with `id` and `ts`), whether a bot turn was queued with it, and the conversation's
    status and agent at that moment (what the bus message needs)."""

    id: str
    new: bool
    event: dict[str, Any]
    bot_turn_queued: bool = False
    status: str = ""
    agent_id: str = ""
    prev: str | None = None  # the id of the event before it in the stream ('' if first; None: unknown)


@dataclass(frozen=True)
class Stored:
    """Events stored in one step (a bot turn's answer and what waited for it)."""

    events: list[dict[str, Any]]
    status: str = ""
    agent_id: str = ""
    prev: str | None = None  # the id of the event before the first of them ('' if none; None: unknown)
