"""One vocabulary of conversation states, and the rules that depend on them, written once.

Python code compares with `Status` members; the Lua scripts get the same names (and the sets below)
as arguments, never as literals of their own; the console reads them from the hub (`GET /v1/agent/me`,
`states`). docs/hub.md ("State machine") draws the transitions.

A new state (say `on_hold`: the agent keeps the conversation while the customer looks for a receipt)
is a member here plus its place in each rule: in `holds_agent` it counts in its agent's load, which
SYNC keeps and the sweep's audit leaves alone (tests/handoff/store/test_indexes.py adds such a state);
in `handoff_open` no second hand-off opens; in `waiting` every agent's console sees its events; in
`claimable` an agent may claim it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """Where a conversation is."""

    BOT = "bot"  # the assistant answers (also after a resolve: "resolved" is an event, not a state)
    ROUTING = "routing"  # a hand-off is being placed (one caller at a time, for a moment)
    QUEUED = "queued"  # waiting in the queue for an agent
    ASSIGNED = "assigned"  # an agent has it
    OFFLINE = "offline"  # a ticket: nobody could take it now; a person follows up (by e-mail)


@dataclass(frozen=True)
class Rules:
    """Which states mean what, for every rule that depends on the state."""

    # the conversation counts in its agent's load (capacity): SYNC keeps it there, the audit too
    holds_agent: frozenset[str]
    # a hand-off is open: no second one opens; customer messages count as unread for agents
    handoff_open: frozenset[str]
    # waiting for a person: every agent's console gets its events; the customer is told what next
    waiting: frozenset[str]
    # an agent may claim it from a list
    claimable: frozenset[str]
    # the queue (a sorted set every agent sees) and the tickets list: the state each list holds
    queue: str = Status.QUEUED
    tickets: str = Status.OFFLINE

    def as_dict(self) -> dict[str, object]:
        """What the console reads (`GET /v1/agent/me`, `states`)."""
        return {
            "statuses": [s.value for s in Status],
            "holds_agent": sorted(self.holds_agent),
            "handoff_open": sorted(self.handoff_open),
            "waiting": sorted(self.waiting),
            "claimable": sorted(self.claimable),
            "queue": str(self.queue),
            "tickets": str(self.tickets),
        }

    def with_state(self, name: str, **memberships: bool) -> Rules:
        """These rules with one more state in the named sets (e.g. `holds_agent=True`)."""
        sets = {key: getattr(self, key) for key in ("holds_agent", "handoff_open", "waiting", "claimable")}
        for key, member in memberships.items():
            if key not in sets:
                raise ValueError(f"unknown rule {key!r}")
            if member:
                sets[key] = sets[key] | {name}
        return Rules(**sets, queue=self.queue, tickets=self.tickets)


RULES = Rules(
    holds_agent=frozenset({Status.ASSIGNED}),
    handoff_open=frozenset({Status.QUEUED, Status.ASSIGNED, Status.OFFLINE}),
    waiting=frozenset({Status.QUEUED, Status.OFFLINE}),
    claimable=frozenset({Status.QUEUED, Status.OFFLINE}),
)


def lua_set(states: frozenset[str] | set[str] | tuple[str, ...]) -> str:
    """A set of states as the Lua scripts take it: names separated by spaces (see `allowed()` in
    handoff/store/lua.py)."""
    return " ".join(sorted(str(s) for s in states))
