"""A conversation's state transitions: each is one Lua script over the conversation's own keys that
checks the current state first, so any number of hub processes can race and the outcome is exact.

Each composed transition (`assign`, `park`, `transfer`, `resolve`, `merge_into`, `move`) runs three
steps — reserve or journal, change the conversation, SYNC the shared indexes — explained in
handoff/store/indexes.py. The middle step of each is public too (`*_state`): the fault tests stop a
transition after it, as a process killed at that point would.

The state names the scripts read and write are arguments from handoff/states.py.
"""

from __future__ import annotations

import time

from handoff.states import RULES, Rules, Status, lua_set
from handoff.store.indexes import IndexSync, Truth
from handoff.store.keys import Keys
from handoff.store.lua import ALLOWED, TRUTH

# KEYS: conv   ARGV: now, stale after (s), the states with a hand-off open, the routing state
# returns: {'missing', ''}; {'open', status} a hand-off is open; {'routing', status} another caller
#   routes it now; {'won', the status before} this caller routes it
# Exactly one caller moves a conversation into routing; a routing older than `stale after` (a
# crashed process) may be taken over.
BEGIN_HANDOFF = (
    ALLOWED
    + """
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ''} end
local st = redis.call('HGET', KEYS[1], 'status') or ''
if allowed(ARGV[3], st) then return {'open', st} end
if st == ARGV[4] then
  local at = tonumber(redis.call('HGET', KEYS[1], 'routing_at') or '0')
  if tonumber(ARGV[1]) - at < tonumber(ARGV[2]) then return {'routing', st} end
end
redis.call('HSET', KEYS[1], 'status', ARGV[4], 'routing_at', ARGV[1])
return {'won', st}
"""
)

# KEYS: conv   ARGV: allowed states, aid, now, the assigned state
# returns: {1 assigned / 0 not in an allowed state, truth}
# (Capacity was reserved before: Transitions.assign.)
ASSIGN = (
    TRUTH
    + """
local st = redis.call('HGET', KEYS[1], 'status') or ''
if not allowed(ARGV[1], st) then return {0, truth()} end
redis.call('HSET', KEYS[1], 'status', ARGV[4], 'agent_id', ARGV[2], 'assigned_at', ARGV[3],
  'queue_position', '', 'eta_minutes', '')
bump()
return {1, truth()}
"""
)

# KEYS: conv   ARGV: target state, queue score, now, allowed states, expected agent or '', the queue's
#   state, the states that hold an agent
# returns: {1 or 0, the agent it left ('' if none), truth}
# To the queue (at `queue score`) or the tickets list (at `now`); the agent lets it go.
PARK = (
    TRUTH
    + """
local st = redis.call('HGET', KEYS[1], 'status') or ''
if not allowed(ARGV[4], st) then return {0, '', truth()} end
local current = redis.call('HGET', KEYS[1], 'agent_id') or ''
if ARGV[5] ~= '' and current ~= ARGV[5] then return {0, '', truth()} end
local left = ''
if allowed(ARGV[7], st) then
  left = current
  redis.call('HSET', KEYS[1], 'previous_agent_id', current)
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'agent_id', '', 'parked_at', ARGV[3])
if ARGV[1] == ARGV[6] then
  redis.call('HSET', KEYS[1], 'queue_score', ARGV[2])
else
  redis.call('HSET', KEYS[1], 'offline_score', ARGV[3])
end
bump()
return {1, left, truth()}
"""
)

# KEYS: conv   ARGV: from aid, to aid, now, the states that hold an agent
# returns: {1 moved / 0 not held by `from aid`, truth}
TRANSFER = (
    TRUTH
    + """
if not allowed(ARGV[4], redis.call('HGET', KEYS[1], 'status') or '') then return {0, truth()} end
if redis.call('HGET', KEYS[1], 'agent_id') ~= ARGV[1] then return {0, truth()} end
redis.call('HSET', KEYS[1], 'agent_id', ARGV[2], 'assigned_at', ARGV[3], 'previous_agent_id', ARGV[1])
bump()
return {1, truth()}
"""
)

# KEYS: conv, events   ARGV: aid, now, seen event id or '', outcome tag, the states that hold an
#   agent, the bot state
# returns: {1 done / 0 not held by aid / -1 the customer wrote after `seen`, assigned at, truth}
# Refuses (-1) when the customer wrote after the last event the agent saw: that message would
# otherwise be resolved unanswered.
RESOLVE = (
    TRUTH
    + """
if not allowed(ARGV[5], redis.call('HGET', KEYS[1], 'status') or '') then return {0, '', truth()} end
if redis.call('HGET', KEYS[1], 'agent_id') ~= ARGV[1] then return {0, '', truth()} end
if ARGV[3] ~= '' then
  for _, entry in ipairs(redis.call('XRANGE', KEYS[2], '(' .. ARGV[3], '+')) do
    local ok, ev = pcall(cjson.decode, entry[2][2])
    if ok and ev['type'] == 'message' and ev['from'] == 'customer' then return {-1, '', truth()} end
  end
end
local assigned_at = redis.call('HGET', KEYS[1], 'assigned_at') or ''
redis.call('HSET', KEYS[1], 'status', ARGV[6], 'agent_id', '', 'last_agent_id', ARGV[1], 'resolved_at', ARGV[2],
  'buttons', '', 'outcome', ARGV[4])
redis.call('HDEL', KEYS[1], 'waiting_since')
bump()
return {1, assigned_at, truth()}
"""
)

# KEYS: conv   ARGV: into cid, now, the states with a hand-off open, the bot state
# returns: {1, the agent it was with ('' if none), truth}, or {0, '', truth} when it was not open
# An open conversation of a case the customer came back about from a new conversation: it leaves
# the queue / the agent's load (the case counts once) and points to the new one.
MERGE_INTO = (
    TRUTH
    + """
local st = redis.call('HGET', KEYS[1], 'status') or ''
if not allowed(ARGV[3], st) then return {0, '', truth()} end
local agent = redis.call('HGET', KEYS[1], 'agent_id') or ''
redis.call('HSET', KEYS[1], 'status', ARGV[4], 'agent_id', '', 'merged_into', ARGV[1], 'resolved_at', ARGV[2],
  'queue_position', '', 'eta_minutes', '')
if agent ~= '' then redis.call('HSET', KEYS[1], 'last_agent_id', agent) end
redis.call('HDEL', KEYS[1], 'waiting_since')
bump()
return {1, agent, truth()}
"""
)

# KEYS: conv   ARGV: target state, allowed states, expected agent or '', now
# returns: {1 moved / 0 not in an allowed state or not that agent's, truth}
# A change of state that keeps the agent (a console action such as "on hold"): whether the agent's
# load still holds it is the target state's rule (Rules.holds_agent), applied by SYNC.
MOVE = (
    TRUTH
    + """
if not allowed(ARGV[2], redis.call('HGET', KEYS[1], 'status') or '') then return {0, truth()} end
if ARGV[3] ~= '' and (redis.call('HGET', KEYS[1], 'agent_id') or '') ~= ARGV[3] then return {0, truth()} end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'moved_at', ARGV[4])
bump()
return {1, truth()}
"""
)


def _now(now: float | None) -> float:
    return time.time() if now is None else now


class Transitions:
    """The atomic state changes of a conversation, with the shared indexes kept in step."""

    def __init__(self, redis, keys: Keys, indexes: IndexSync, rules: Rules = RULES):
        self.r = redis
        self.k = keys
        self.indexes = indexes
        self.rules = rules
        self._begin = redis.register_script(BEGIN_HANDOFF)
        self._assign = redis.register_script(ASSIGN)
        self._park = redis.register_script(PARK)
        self._transfer = redis.register_script(TRANSFER)
        self._resolve = redis.register_script(RESOLVE)
        self._merge_into = redis.register_script(MERGE_INTO)
        self._move = redis.register_script(MOVE)

    async def begin_handoff(self, cid: str, now: float, stale_after: float = 30.0) -> tuple[str, str]:
        """'missing', 'open' (a hand-off is already open), 'routing' (another caller routes it now)
        or 'won' (this caller routes it); and the status before."""
        outcome, previous = await self._begin(
            keys=[self.k.conv(cid)], args=[now, stale_after, lua_set(self.rules.handoff_open), Status.ROUTING]
        )
        return outcome, previous

    # assign ----------------------------------------------------------------------------
    async def assign_state(
        self, cid: str, aid: str, allowed: tuple[str, ...], now: float
    ) -> tuple[bool, Truth]:
        """The conversation's step of `assign` (capacity must be reserved before)."""
        done, truth = await self._assign(
            keys=[self.k.conv(cid)], args=[lua_set(allowed), aid, now, Status.ASSIGNED]
        )
        return bool(int(done)), Truth.of(truth)

    async def assign(self, cid: str, aid: str, allowed: tuple[str, ...], now: float | None = None) -> int:
        """1 assigned; 0 the conversation is not in an allowed state; -1 agent full; -2 agent unknown/disabled."""
        now = _now(now)
        reserved = await self.indexes.reserve(cid, aid, now)
        if reserved != 1:  # no room: but a conversation that cannot be assigned says so first
            status = await self.r.hget(self.k.conv(cid), "status")
            return reserved if status in allowed else 0
        done, truth = await self.assign_state(cid, aid, allowed, now)
        await self.indexes.sync(cid, truth, now, release=[aid])
        return int(done)

    # park ------------------------------------------------------------------------------
    async def park_state(
        self,
        cid: str,
        target: str,
        score: float,
        allowed: tuple[str, ...],
        expected_agent: str,
        now: float,
    ) -> tuple[bool, str, Truth]:
        """The conversation's step of `park`: (done, the agent it left, truth)."""
        done, left, truth = await self._park(
            keys=[self.k.conv(cid)],
            args=[
                target,
                score,
                now,
                lua_set(allowed),
                expected_agent,
                self.rules.queue,
                lua_set(self.rules.holds_agent),
            ],
        )
        return bool(int(done)), str(left), Truth.of(truth)

    async def park(
        self,
        cid: str,
        target: str,
        score: float,
        allowed: tuple[str, ...],
        expected_agent: str = "",
        now: float | None = None,
    ) -> bool:
        """Move to the queue (`Rules.queue`, at `score`) or the tickets list; from an allowed state only."""
        now = _now(now)
        await self.indexes.journal(cid, now)
        done, left, truth = await self.park_state(cid, target, score, allowed, expected_agent, now)
        await self.indexes.sync(cid, truth, now, release=[left])
        return done

    # transfer ------------------------------------------------------------------------------
    async def transfer(self, cid: str, from_aid: str, to_aid: str, now: float | None = None) -> int:
        """1 moved; 0 not held by `from_aid`; -1 the target is full; -2 target unknown/disabled."""
        now = _now(now)
        reserved = await self.indexes.reserve(cid, to_aid, now)
        if reserved != 1:  # no room: but a conversation that is not theirs says so first
            status, agent = await self.r.hmget(self.k.conv(cid), "status", "agent_id")
            return reserved if status in self.rules.holds_agent and agent == from_aid else 0
        done, truth = await self._transfer(
            keys=[self.k.conv(cid)], args=[from_aid, to_aid, now, lua_set(self.rules.holds_agent)]
        )
        await self.indexes.sync(cid, Truth.of(truth), now, release=[from_aid, to_aid])
        return int(done)

    # resolve ------------------------------------------------------------------------------
    async def resolve(
        self,
        cid: str,
        aid: str,
        now: float | None = None,
        seen: str | None = None,
        outcome_tag: str = "",
    ) -> tuple[int, float | None]:
        """Back to the bot if held by `aid`, with how it ended (`outcome_tag`): (1 done / 0 not
        held by aid / -1 the customer wrote after event `seen`, when it was held; assigned at)."""
        now = _now(now)
        await self.indexes.journal(cid, now)
        outcome, assigned_at, truth = await self._resolve(
            keys=[self.k.conv(cid), self.k.events(cid)],
            args=[aid, now, seen or "", outcome_tag, lua_set(self.rules.holds_agent), Status.BOT],
        )
        done = int(outcome) == 1
        await self.indexes.sync(
            cid, Truth.of(truth), now, release=[aid], resolved=(aid, now) if done else None
        )
        return int(outcome), (float(assigned_at) if assigned_at else None)

    # merge --------------------------------------------------------------------------------
    async def merge_into(self, cid: str, into: str, now: float | None = None) -> str | None:
        """Close open conversation `cid` of a case into `into` (see MERGE_INTO): the agent it was
        with ('' when queued or offline), or None when it was not open."""
        now = _now(now)
        await self.indexes.journal(cid, now)
        done, agent, truth = await self._merge_into(
            keys=[self.k.conv(cid)], args=[into, now, lua_set(self.rules.handoff_open), Status.BOT]
        )
        await self.indexes.sync(cid, Truth.of(truth), now, release=[agent])
        return str(agent) if int(done) else None

    # move ---------------------------------------------------------------------------------
    async def move(
        self,
        cid: str,
        target: str,
        allowed: tuple[str, ...] | frozenset[str],
        expected_agent: str = "",
        now: float | None = None,
    ) -> bool:
        """A change of state that keeps the agent (see MOVE); the load follows the target's rule."""
        now = _now(now)
        await self.indexes.journal(cid, now)
        done, truth = await self._move(
            keys=[self.k.conv(cid)], args=[target, lua_set(allowed), expected_agent, now]
        )
        truth = Truth.of(truth)
        await self.indexes.sync(cid, truth, now, release=[truth.agent])
        return bool(int(done))
