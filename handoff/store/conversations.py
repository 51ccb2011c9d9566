"""Conversations: a hash of state, a Redis stream of events, idempotency, notes and bot turns.

Every state transition is one Lua script that checks the current state first, so any number of
hub processes can race on a conversation and the outcome is still exact.
"""

from __future__ import annotations

import json
import time
from typing import Any

from handoff.ids import new_conversation_id
from handoff.store.keys import Keys
from handoff.store.records import Appended, Conversation, Stored, loads

# seconds without a sign of life from the customer's page (it pings every 15 s) before they count as gone
CUSTOMER_GONE_AFTER = 45.0

# Shared by the scripts that add to the stream: store one event body, return its id.
# `stamped` gives a waiting event (stored without `ts`) the time it is really stored, so clients
# that order by time show it after the bot's answer it waited for.
_XADD = """
local function add(body)
  local id = redis.call('XADD', KEYS[1], '*', 'e', body)
  redis.call('HSET', KEYS[2], 'last_event_id', id)
  return id
end
local function stamped(body, now)
  return '{"ts":' .. now .. ',' .. string.sub(body, 2)
end
-- store the events waiting in list `key` (stamped `now`); returns id, body pairs
local function flush(key, now)
  local out = {}
  for _, waiting in ipairs(redis.call('LRANGE', key, 0, -1)) do
    local body = stamped(waiting, now)
    out[#out + 1] = add(body)
    out[#out + 1] = body
  end
  redis.call('DEL', key)
  return out
end
local function state()
  return {redis.call('HGET', KEYS[2], 'status') or 'bot', redis.call('HGET', KEYS[2], 'agent_id') or ''}
end
"""

# KEYS: events, conv, clients, bot turns, bot pending
# ARGV: event, client id, ttl, bot turn JSON or '', now, cid, '1' for a customer message
# A customer message in bot mode records its pending bot turn in the same step (durable bot turns);
# while a person is awaited or talking it counts (`customer_count`, for the agents' unread marks) and
# starts the wait for a human reply (`waiting_since`) if none is running.
APPEND = (
    _XADD
    + """
local st = state()
if ARGV[2] ~= '' then
  local known = redis.call('HGET', KEYS[3], ARGV[2])
  if known then return {known, 0, 0, st[1], st[2]} end
end
local id = add(ARGV[1])
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[2], id)
  redis.call('EXPIRE', KEYS[3], ARGV[3])
end
local queued = 0
if ARGV[4] ~= '' and st[1] == 'bot' then
  local turn = cjson.decode(ARGV[4])
  turn['eid'] = id
  redis.call('RPUSH', KEYS[4], cjson.encode(turn))
  redis.call('EXPIRE', KEYS[4], ARGV[3])
  redis.call('ZADD', KEYS[5], 'NX', ARGV[5], ARGV[6])
  redis.call('EXPIRE', KEYS[5], ARGV[3])
  queued = 1
end
if ARGV[7] == '1' and (st[1] == 'queued' or st[1] == 'assigned' or st[1] == 'offline') then
  redis.call('HINCRBY', KEYS[2], 'customer_count', 1)
  redis.call('HSETNX', KEYS[2], 'waiting_since', ARGV[5])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return {id, 1, queued, st[1], st[2]}
"""
)

# KEYS: events, conv, bot turns, waiting   ARGV: event (without ts), ttl, now
# An event that must not overtake the bot's answer in progress (a hand-off the action server asked
# for while the hub waits for Rasa): while a bot turn is pending it waits in `waiting` and
# FINISH_BOT_TURN stores it right after the bot's words; otherwise it is stored now. Returns the
# events stored now as id, body pairs.
APPEND_AFTER_BOT_TURN = (
    _XADD
    + """
local st = state()
if redis.call('LLEN', KEYS[3]) > 0 then
  redis.call('RPUSH', KEYS[4], ARGV[1])
  redis.call('EXPIRE', KEYS[4], ARGV[2])
  return {st[1], st[2], {}}
end
local stored = flush(KEYS[4], ARGV[3])
local body = stamped(ARGV[1], ARGV[3])
stored[#stored + 1] = add(body)
stored[#stored + 1] = body
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return {st[1], st[2], stored}
"""
)

# KEYS: events, conv, bot turns, bot pending, waiting
# ARGV: cid, turn's event id, ttl, buttons JSON or '', now, events...
# Stores the bot's answer and removes the turn in one step, only if that turn is still the first
# pending one (so an answer is stored once even if two processes ended up calling Rasa for it);
# then the events that waited for this answer.
FINISH_BOT_TURN = (
    _XADD
    + """
local head = redis.call('LINDEX', KEYS[3], 0)
if not head or cjson.decode(head)['eid'] ~= ARGV[2] then return {} end
redis.call('LPOP', KEYS[3])
local ids = {}
for i = 6, #ARGV do
  ids[#ids + 1] = add(ARGV[i])
end
local flushed = flush(KEYS[5], ARGV[5])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[2], 'buttons', ARGV[4]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
if redis.call('LLEN', KEYS[3]) == 0 then redis.call('ZREM', KEYS[4], ARGV[1]) end
local st = state()
return {st[1], st[2], ids, flushed}
"""
)

# KEYS: bot lease   ARGV: owner, lease ms
RENEW_BOT_LEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""

# KEYS: bot lease, bot turns, bot pending   ARGV: owner, cid
# -1 the lease is not ours any more; 0 released (nothing pending); n > 0 turns still pending (kept)
RELEASE_BOT_LEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
local left = redis.call('LLEN', KEYS[2])
if left > 0 then return left end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[2])
return 0
"""

# KEYS: conv   ARGV: now, stale after (s)
BEGIN_HANDOFF = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', ''} end
local st = redis.call('HGET', KEYS[1], 'status') or 'bot'
if st == 'queued' or st == 'assigned' or st == 'offline' then return {'open', st} end
if st == 'routing' then
  local at = tonumber(redis.call('HGET', KEYS[1], 'routing_at') or '0')
  if tonumber(ARGV[1]) - at < tonumber(ARGV[2]) then return {'routing', st} end
end
redis.call('HSET', KEYS[1], 'status', 'routing', 'routing_at', ARGV[1])
return {'won', st}
"""

# KEYS: conv, agent hash, agent convs, queue, offline   ARGV: cid, aid, now, allowed statuses, ttl
ASSIGN = """
local st = redis.call('HGET', KEYS[1], 'status') or ''
local ok = false
for s in string.gmatch(ARGV[4], '%S+') do if s == st then ok = true end end
if not ok then return 0 end
if redis.call('EXISTS', KEYS[2]) == 0 or redis.call('HGET', KEYS[2], 'disabled') == '1' then return -2 end
local cap = tonumber(redis.call('HGET', KEYS[2], 'capacity') or '0')
if redis.call('SCARD', KEYS[3]) >= cap then return -1 end
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('EXPIRE', KEYS[3], ARGV[5])
redis.call('HSET', KEYS[1], 'status', 'assigned', 'agent_id', ARGV[2], 'assigned_at', ARGV[3],
  'queue_position', '', 'eta_minutes', '')
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
return 1
"""

# KEYS: conv, queue, offline, current agent's convs
# ARGV: cid, target, score, now, allowed, expected agent, ttl
PARK = """
local st = redis.call('HGET', KEYS[1], 'status') or ''
local ok = false
for s in string.gmatch(ARGV[5], '%S+') do if s == st then ok = true end end
if not ok then return 0 end
local current = redis.call('HGET', KEYS[1], 'agent_id') or ''
if ARGV[6] ~= '' and current ~= ARGV[6] then return 0 end
if st == 'assigned' then
  redis.call('SREM', KEYS[4], ARGV[1])
  redis.call('HSET', KEYS[1], 'previous_agent_id', current)
end
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'agent_id', '', 'parked_at', ARGV[4])
if ARGV[2] == 'queued' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[7])
else
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[3], ARGV[7])
end
return 1
"""

# KEYS: conv, from convs, to agent hash, to convs   ARGV: cid, from aid, to aid, now, ttl
TRANSFER = """
if redis.call('HGET', KEYS[1], 'status') ~= 'assigned' then return 0 end
if redis.call('HGET', KEYS[1], 'agent_id') ~= ARGV[2] then return 0 end
if redis.call('EXISTS', KEYS[3]) == 0 or redis.call('HGET', KEYS[3], 'disabled') == '1' then return -2 end
local cap = tonumber(redis.call('HGET', KEYS[3], 'capacity') or '0')
if redis.call('SCARD', KEYS[4]) >= cap then return -1 end
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('EXPIRE', KEYS[4], ARGV[5])
redis.call('HSET', KEYS[1], 'agent_id', ARGV[3], 'assigned_at', ARGV[4], 'previous_agent_id', ARGV[2])
return 1
"""

# KEYS: conv, agent convs, agent resolved, events   ARGV: cid, aid, now, ttl, seen event id or '', outcome tag
# Refuses (-1) when the customer wrote after the last event the agent saw: that message would
# otherwise be resolved unanswered.
RESOLVE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'assigned' then return {0, ''} end
if redis.call('HGET', KEYS[1], 'agent_id') ~= ARGV[2] then return {0, ''} end
if ARGV[5] ~= '' then
  for _, entry in ipairs(redis.call('XRANGE', KEYS[4], '(' .. ARGV[5], '+')) do
    local ok, ev = pcall(cjson.decode, entry[2][2])
    if ok and ev['type'] == 'message' and ev['from'] == 'customer' then return {-1, ''} end
  end
end
local assigned_at = redis.call('HGET', KEYS[1], 'assigned_at') or ''
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'status', 'bot', 'agent_id', '', 'last_agent_id', ARGV[2], 'resolved_at', ARGV[3],
  'buttons', '', 'outcome', ARGV[6])
redis.call('HDEL', KEYS[1], 'waiting_since')
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return {1, assigned_at}
"""

# KEYS: conv, its agent's convs, queue, offline   ARGV: cid, into cid, now
# An open conversation of a case the customer came back about from a new conversation: it leaves
# the queue / the agent's load (the case counts once) and points to the new one. Returns the agent
# it was with ('' if none), or false when it was not open.
MERGE_INTO = """
local st = redis.call('HGET', KEYS[1], 'status') or ''
if st ~= 'queued' and st ~= 'assigned' and st ~= 'offline' then return false end
local agent = redis.call('HGET', KEYS[1], 'agent_id') or ''
if agent ~= '' then redis.call('SREM', KEYS[2], ARGV[1]) end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HSET', KEYS[1], 'status', 'bot', 'agent_id', '', 'merged_into', ARGV[2], 'resolved_at', ARGV[3],
  'queue_position', '', 'eta_minutes', '')
if agent ~= '' then redis.call('HSET', KEYS[1], 'last_agent_id', agent) end
redis.call('HDEL', KEYS[1], 'waiting_since')
return agent
"""

# KEYS: conv   ARGV: summary patch (JSON object)
MERGE_SUMMARY = """
local raw = redis.call('HGET', KEYS[1], 'summary')
local current = {}
if raw and raw ~= '' then current = cjson.decode(raw) end
local patch = cjson.decode(ARGV[1])
local changed = 0
for k, v in pairs(patch) do
  local old = current[k]
  if v ~= cjson.null and v ~= '' and (old == nil or old == cjson.null or old == '') then
    current[k] = v
    changed = 1
  end
end
local out = cjson.encode(current)
if changed == 1 then redis.call('HSET', KEYS[1], 'summary', out) end
return out
"""


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _body(event: dict[str, Any]) -> dict[str, Any]:
    body = {k: v for k, v in event.items() if k != "id"}
    body.setdefault("ts", time.time())
    return body


def _flushed(pairs: list[str]) -> list[dict[str, Any]]:
    """[id, raw, id, raw, …] from a script → stored events."""
    return [{"id": pairs[i], **loads(pairs[i + 1], {})} for i in range(0, len(pairs), 2)]


class ConversationStore:
    def __init__(self, redis, keys: Keys, ttl: int):
        self.r = redis
        self.k = keys
        self.ttl = ttl
        self._append = redis.register_script(APPEND)
        self._append_after = redis.register_script(APPEND_AFTER_BOT_TURN)
        self._begin = redis.register_script(BEGIN_HANDOFF)
        self._assign = redis.register_script(ASSIGN)
        self._park = redis.register_script(PARK)
        self._transfer = redis.register_script(TRANSFER)
        self._resolve = redis.register_script(RESOLVE)
        self._merge = redis.register_script(MERGE_SUMMARY)
        self._merge_into = redis.register_script(MERGE_INTO)
        self._finish_turn = redis.register_script(FINISH_BOT_TURN)
        self._renew_lease = redis.register_script(RENEW_BOT_LEASE)
        self._release_lease = redis.register_script(RELEASE_BOT_LEASE)

    async def _touch(self, *keys: str) -> None:
        pipe = self.r.pipeline(transaction=False)
        for key in keys:
            pipe.expire(key, self.ttl)
        await pipe.execute()

    # state ----------------------------------------------------------------
    async def create(self, visitor_id: str, now: float | None = None) -> str:
        now = time.time() if now is None else now
        cid = new_conversation_id()
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(
            self.k.conv(cid),
            mapping={"id": cid, "visitor_id": visitor_id, "status": "bot", "created_at": str(now)},
        )
        pipe.zadd(self.k.visitor_convs(visitor_id), {cid: now})
        pipe.expire(self.k.conv(cid), self.ttl)
        pipe.expire(self.k.visitor_convs(visitor_id), self.ttl)
        await pipe.execute()
        return cid

    async def get(self, cid: str) -> Conversation | None:
        data = await self.r.hgetall(self.k.conv(cid))
        return Conversation.from_hash(data) if data else None

    async def exists(self, cid: str) -> bool:
        return bool(await self.r.exists(self.k.conv(cid)))

    async def status(self, cid: str) -> str | None:
        """The conversation's status, or None when it does not exist."""
        status, created = await self.r.hmget(self.k.conv(cid), "status", "created_at")
        return (status or "bot") if created else None

    async def agent_id(self, cid: str) -> str:
        """The agent it is assigned to now ('' when none)."""
        return await self.r.hget(self.k.conv(cid), "agent_id") or ""

    async def ticket_id(self, cid: str) -> str:
        return await self.r.hget(self.k.conv(cid), "ticket_id") or ""

    async def told_wait(self, cid: str) -> tuple[str, str]:
        """The queue position and minutes the customer was last told ('' when none)."""
        position, minutes = await self.r.hmget(self.k.conv(cid), "queue_position", "eta_minutes")
        return position or "", minutes or ""

    async def set_fields(self, cid: str, mapping: dict[str, Any]) -> None:
        clean = {
            k: (json.dumps(v) if isinstance(v, (dict, list)) else ("" if v is None else str(v)))
            for k, v in mapping.items()
        }
        pipe = self.r.pipeline(transaction=False)
        pipe.hset(self.k.conv(cid), mapping=clean)
        pipe.expire(self.k.conv(cid), self.ttl)
        await pipe.execute()

    # events -----------------------------------------------------------------
    async def append(
        self,
        cid: str,
        event: dict[str, Any],
        client_id: str | None = None,
        bot_turn: dict[str, Any] | None = None,
    ) -> Appended:
        """XADD the event (once per client_id). With `bot_turn`, a pending bot turn is recorded in
        the same step if the conversation is in bot mode."""
        body = _body(event)
        eid, new, queued, status, agent_id = await self._append(
            keys=[
                self.k.events(cid),
                self.k.conv(cid),
                self.k.clients(cid),
                self.k.bot_turns(cid),
                self.k.bot_pending(),
            ],
            args=[
                _dumps(body),
                client_id or "",
                self.ttl,
                _dumps(bot_turn) if bot_turn else "",
                time.time(),
                cid,
                "1" if body.get("type") == "message" and body.get("from") == "customer" else "",
            ],
        )
        return Appended(eid, bool(int(new)), {"id": eid, **body}, bool(int(queued)), status, agent_id)

    async def append_after_bot_turn(self, cid: str, event: dict[str, Any]) -> Stored:
        """Store an event now, or, while a bot turn is pending, right after the bot's answer.

        Returns what was stored now (nothing while it waits; otherwise events that had waited, then
        this one)."""
        body = {k: v for k, v in event.items() if k not in ("id", "ts")}  # stamped when stored
        status, agent_id, stored = await self._append_after(
            keys=[self.k.events(cid), self.k.conv(cid), self.k.bot_turns(cid), self.k.waiting(cid)],
            args=[_dumps(body), self.ttl, repr(time.time())],
        )
        return Stored(_flushed(stored), status, agent_id)

    async def client_event_id(self, cid: str, client_id: str) -> str | None:
        return await self.r.hget(self.k.clients(cid), client_id)

    async def message_context(self, cid: str, client_id: str) -> tuple[str | None, Conversation | None]:
        """The event id already stored for `client_id` (None if new) and the conversation (None if
        it does not exist), in one round trip (a customer message's hot path)."""
        pipe = self.r.pipeline(transaction=False)
        pipe.hget(self.k.clients(cid), client_id)
        pipe.hgetall(self.k.conv(cid))
        known, data = await pipe.execute()
        return known, (Conversation.from_hash(data) if data else None)

    async def events(
        self, cid: str, after: str | None = None, count: int | None = None
    ) -> list[dict[str, Any]]:
        """The events after stream id `after` (all when None)."""
        start = _next_id(after) if after else "-"
        if start is None:
            return []  # nothing can come after the largest id
        rows = await self.r.xrange(self.k.events(cid), min=start, max="+", count=count)
        return [_event(eid, fields) for eid, fields in rows]

    async def last_events(self, cid: str, count: int) -> list[dict[str, Any]]:
        rows = await self.r.xrevrange(self.k.events(cid), count=count)
        return [_event(eid, fields) for eid, fields in reversed(rows)]

    # durable bot turns -----------------------------------------------------------
    async def acquire_bot_lease(self, cid: str, owner: str, lease: float) -> bool:
        return bool(await self.r.set(self.k.bot_lease(cid), owner, nx=True, px=int(lease * 1000)))

    async def bot_lease_held(self, cid: str) -> bool:
        return bool(await self.r.exists(self.k.bot_lease(cid)))

    async def renew_bot_lease(self, cid: str, owner: str, lease: float) -> bool:
        return bool(
            int(await self._renew_lease(keys=[self.k.bot_lease(cid)], args=[owner, int(lease * 1000)]))
        )

    async def release_bot_lease(self, cid: str, owner: str) -> int:
        return int(
            await self._release_lease(
                keys=[self.k.bot_lease(cid), self.k.bot_turns(cid), self.k.bot_pending()],
                args=[owner, cid],
            )
        )

    async def next_bot_turn(self, cid: str) -> dict[str, Any] | None:
        return loads(await self.r.lindex(self.k.bot_turns(cid), 0), None)

    async def next_bot_turn_and_status(
        self, cid: str, owner: str | None = None, lease: float = 0.0
    ) -> tuple[bool, dict[str, Any] | None, str | None]:
        """The bot turn at the head of the list and the conversation's status (as `status()`), in
        one round trip; with `owner`, the bot lease is taken first in the same round trip
        (`SET NX PX`, then read: the reads are only used when the lease was taken).
        Returns (lease taken or no owner given, turn, status)."""
        pipe = self.r.pipeline(transaction=False)
        if owner is not None:
            pipe.set(self.k.bot_lease(cid), owner, nx=True, px=int(lease * 1000))
        pipe.lindex(self.k.bot_turns(cid), 0)
        pipe.hmget(self.k.conv(cid), "status", "created_at")
        replies = await pipe.execute()
        acquired = bool(replies[0]) if owner is not None else True
        raw, (status, created) = replies[-2], replies[-1]
        return acquired, loads(raw, None), ((status or "bot") if created else None)

    async def pending_bot_conversations(self, older_than: float, count: int = 200) -> list[str]:
        return await self.r.zrangebyscore(self.k.bot_pending(), "-inf", older_than, start=0, num=count)

    async def finish_bot_turn(
        self,
        cid: str,
        turn_eid: str,
        events: list[dict[str, Any]],
        buttons: list[dict[str, str]] | None,
    ) -> Stored | None:
        """Store the bot's answer and drop the turn atomically, then the events that waited for it;
        None if the turn was no longer the first pending one."""
        bodies = [_body(event) for event in events]
        result = await self._finish_turn(
            keys=[
                self.k.events(cid),
                self.k.conv(cid),
                self.k.bot_turns(cid),
                self.k.bot_pending(),
                self.k.waiting(cid),
            ],
            args=[
                cid,
                turn_eid,
                self.ttl,
                "" if buttons is None else _dumps(buttons),
                repr(time.time()),
                *[_dumps(b) for b in bodies],
            ],
        )
        if not result:
            return None
        status, agent_id, ids, flushed = result
        stored = [{"id": eid, **body} for eid, body in zip(ids, bodies, strict=True)]
        return Stored(stored + _flushed(flushed), status, agent_id)

    # notes ------------------------------------------------------------------------
    async def add_note(self, cid: str, note: dict[str, Any]) -> None:
        pipe = self.r.pipeline(transaction=False)
        pipe.rpush(self.k.notes(cid), json.dumps(note, ensure_ascii=False))
        pipe.expire(self.k.notes(cid), self.ttl)
        await pipe.execute()

    async def notes(self, cid: str) -> list[dict[str, Any]]:
        return [loads(n, {}) for n in await self.r.lrange(self.k.notes(cid), 0, -1)]

    # state transitions (atomic, in Lua) -----------------------------------------------
    async def begin_handoff(self, cid: str, now: float, stale_after: float = 30.0) -> tuple[str, str]:
        """'missing', 'open' (a hand-off is already open), 'routing' (another caller routes it now)
        or 'won' (this caller routes it); and the status before."""
        outcome, previous = await self._begin(keys=[self.k.conv(cid)], args=[now, stale_after])
        return outcome, previous

    async def merge_summary(self, cid: str, patch: dict[str, Any]) -> dict[str, Any]:
        """Add the fields the case card does not have yet; returns the merged card."""
        merged = await self._merge(
            keys=[self.k.conv(cid)], args=[json.dumps(patch or {}, ensure_ascii=False)]
        )
        return loads(merged, {})

    async def assign(self, cid: str, aid: str, allowed: tuple[str, ...], now: float | None = None) -> int:
        """1 assigned; 0 the conversation is not in an allowed state; -1 agent full; -2 agent unknown/disabled."""
        now = time.time() if now is None else now
        return int(
            await self._assign(
                keys=[
                    self.k.conv(cid),
                    self.k.agent(aid),
                    self.k.agent_convs(aid),
                    self.k.queue(),
                    self.k.offline(),
                ],
                args=[cid, aid, now, " ".join(allowed), self.ttl],
            )
        )

    async def park(
        self,
        cid: str,
        target: str,
        score: float,
        allowed: tuple[str, ...],
        expected_agent: str = "",
        now: float | None = None,
    ) -> bool:
        """Move to `queued` (queue zset, by score) or `offline`; from an allowed state only."""
        now = time.time() if now is None else now
        current_agent = expected_agent or await self.agent_id(cid) or "_none"
        return bool(
            await self._park(
                keys=[
                    self.k.conv(cid),
                    self.k.queue(),
                    self.k.offline(),
                    self.k.agent_convs(current_agent),
                ],
                args=[cid, target, score, now, " ".join(allowed), expected_agent, self.ttl],
            )
        )

    async def transfer(self, cid: str, from_aid: str, to_aid: str, now: float | None = None) -> int:
        """1 moved; 0 not assigned to `from_aid`; -1 the target is full; -2 target unknown/disabled."""
        now = time.time() if now is None else now
        return int(
            await self._transfer(
                keys=[
                    self.k.conv(cid),
                    self.k.agent_convs(from_aid),
                    self.k.agent(to_aid),
                    self.k.agent_convs(to_aid),
                ],
                args=[cid, from_aid, to_aid, now, self.ttl],
            )
        )

    async def resolve(
        self,
        cid: str,
        aid: str,
        now: float | None = None,
        seen: str | None = None,
        outcome_tag: str = "",
    ) -> tuple[int, float | None]:
        """Back to the bot if assigned to `aid`, with how it ended (`outcome_tag`): (1 done / 0 not
        assigned to aid / -1 the customer wrote after event `seen`, when it had been assigned)."""
        now = time.time() if now is None else now
        outcome, assigned_at = await self._resolve(
            keys=[self.k.conv(cid), self.k.agent_convs(aid), self.k.agent_resolved(aid), self.k.events(cid)],
            args=[cid, aid, now, self.ttl, seen or "", outcome_tag],
        )
        return int(outcome), (float(assigned_at) if assigned_at else None)

    async def merge_into(self, cid: str, into: str, now: float | None = None) -> str | None:
        """Close open conversation `cid` of a case into `into` (see MERGE_INTO): the agent it was
        with ('' when queued or offline), or None when it was not open."""
        now = time.time() if now is None else now
        agent = await self.agent_id(cid)
        result = await self._merge_into(
            keys=[self.k.conv(cid), self.k.agent_convs(agent or "-"), self.k.queue(), self.k.offline()],
            args=[cid, into, now],
        )
        return None if result is None else str(result)

    async def agent_answered(self, cid: str) -> None:
        """A person answered: the customer's wait for a human reply is over."""
        await self.r.hdel(self.k.conv(cid), "waiting_since")

    async def index_order(self, cid: str, order_number: str, now: float) -> None:
        key = self.k.order_convs(order_number)
        await self.r.zadd(key, {cid: now})
        await self._touch(key)

    async def order_conversations(self, order_number: str) -> list[str]:
        return list(reversed(await self.r.zrange(self.k.order_convs(order_number), 0, -1)))

    async def keep_offline_place(self, cid: str, since: float) -> None:
        """In the offline list, a conversation keeps the place of its hand-off (oldest first)."""
        await self.r.zadd(self.k.offline(), {cid: since}, xx=True)

    async def flag_once(self, cid: str, flag: str) -> bool:
        """True the first time `flag` is raised for the conversation (any process)."""
        return bool(await self.r.hsetnx(self.k.conv(cid), f"flag:{flag}", "1"))

    # the customer's page ------------------------------------------------------------
    async def customer_socket(
        self, cid: str, socket_id: str, seen: str | None, now: float | None = None
    ) -> None:
        """A customer's socket is alive (any process), and has delivered every event up to `seen`."""
        now = time.time() if now is None else now
        pipe = self.r.pipeline(transaction=False)
        pipe.zadd(self.k.customer_sockets(cid), {socket_id: now})
        pipe.expire(self.k.customer_sockets(cid), self.ttl)
        await pipe.execute()
        if seen:
            await self.customer_saw(cid, seen)

    async def customer_socket_closed(self, cid: str, socket_id: str, seen: str | None) -> None:
        await self.r.zrem(self.k.customer_sockets(cid), socket_id)
        if seen:
            await self.customer_saw(cid, seen)

    async def customer_saw(self, cid: str, seen: str) -> None:
        """The customer's page has shown every event up to `seen` (only ever moves forward)."""
        current = await self.r.hget(self.k.conv(cid), "customer_seen")
        if not current or _stream_key(seen) > _stream_key(current):
            await self.r.hset(self.k.conv(cid), "customer_seen", seen)

    async def customer_connected(self, cid: str, within: float, now: float | None = None) -> bool:
        """Whether a page of the customer is open now (a socket alive in the last `within` s)."""
        now = time.time() if now is None else now
        return bool(await self.r.zcount(self.k.customer_sockets(cid), now - within, "+inf"))

    # indexes ------------------------------------------------------------------------
    async def index_email(self, cid: str, email: str, now: float) -> None:
        key = self.k.email_convs(email)
        await self.r.zadd(key, {cid: now})
        await self._touch(key)

    async def visitor_conversations(self, vid: str) -> list[str]:
        return list(reversed(await self.r.zrange(self.k.visitor_convs(vid), 0, -1)))

    async def email_conversations(self, email: str) -> list[str]:
        return list(reversed(await self.r.zrange(self.k.email_convs(email), 0, -1)))

    async def offline_ids(self) -> list[str]:
        return await self.r.zrange(self.k.offline(), 0, -1)

    async def resolved_ids(self, aid: str, limit: int = 50) -> list[str]:
        return await self.r.zrevrange(self.k.agent_resolved(aid), 0, limit - 1)


def _stream_key(eid: str) -> tuple[int, int]:
    """A stream id as a sortable pair."""
    ms, _, seq = str(eid).partition("-")
    try:
        return int(ms), int(seq or 0)
    except ValueError:
        return 0, 0


def _next_id(eid: str) -> str | None:
    """The smallest stream id after `eid` ("ms-seq", each part below 2**64), or None."""
    ms, seq = (int(part) for part in eid.split("-"))
    if seq < 2**64 - 1:
        return f"{ms}-{seq + 1}"
    return f"{ms + 1}-0" if ms < 2**64 - 1 else None


def _event(eid: str, fields: dict[str, str]) -> dict[str, Any]:
    return {"id": eid, **loads(fields.get("e"), {})}
