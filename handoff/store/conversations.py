"""Conversations: a hash of state, a Redis stream of events, idempotency, notes and bot turns.

Every state transition is one Lua script that checks the current state first, so any number of
hub processes can race on a conversation and the outcome is still exact.

A script touches only the conversation's own keys (one hash slot per conversation on a Redis
Cluster, see handoff/store/keys.py). The keys shared across conversations are indexes derived from
the conversation's state hash, which is the truth, and are kept in step around each transition:

* capacity is reserved first (RESERVE: the agent's load, atomically with its capacity check), so an
  agent is never given more than their capacity, then the conversation changes (its `rev` goes up),
  then SYNC sets the queue, the offline list and the agents' loads from the state it returned;
* the transition is written to a journal before it starts and dropped by SYNC; a process that dies
  in between leaves its entry, and the sweeper syncs that conversation again (`resync_journal`);
* SYNC applies a revision only if it is not older than the last one applied, so two processes
  syncing the same conversation in either order end with the newest state;
* the bot-turn index is written before the turn (`bot:pending`, score = when) and dropped once no
  turn is left and no newer turn was indexed (the score is also kept in the conversation as
  `bot_mark`); anything left behind is dropped by the sweeper (`take_over_orphans`).
"""

from __future__ import annotations

import json
import time
from typing import Any

from handoff.ids import new_conversation_id, stream_order
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
-- the id of the stream's last event ('' when empty): what the next event follows
local function last()
  return redis.call('HGET', KEYS[2], 'last_event_id') or ''
end
"""

# KEYS: events, conv, clients, bot turns
# ARGV: event, client id, ttl, bot turn JSON or '', now, bot index score or '', '1' for a customer message
# A customer message in bot mode records its pending bot turn in the same step (durable bot turns;
# the caller indexed it in `bot:pending` with that score just before: `bot_mark` remembers it);
# while a person is awaited or talking it counts (`customer_count`, for the agents' unread marks) and
# starts the wait for a human reply (`waiting_since`) if none is running.
APPEND = (
    _XADD
    + """
local st = state()
if ARGV[2] ~= '' then
  local known = redis.call('HGET', KEYS[3], ARGV[2])
  if known then return {known, 0, 0, st[1], st[2], ''} end
end
local prev = last()
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
  if ARGV[6] ~= '' then redis.call('HSET', KEYS[2], 'bot_mark', ARGV[6]) end
  queued = 1
end
if ARGV[7] == '1' and (st[1] == 'queued' or st[1] == 'assigned' or st[1] == 'offline') then
  redis.call('HINCRBY', KEYS[2], 'customer_count', 1)
  redis.call('HSETNX', KEYS[2], 'waiting_since', ARGV[5])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return {id, 1, queued, st[1], st[2], prev}
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
  return {st[1], st[2], {}, ''}
end
local prev = last()
local stored = flush(KEYS[4], ARGV[3])
local body = stamped(ARGV[1], ARGV[3])
stored[#stored + 1] = add(body)
stored[#stored + 1] = body
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return {st[1], st[2], stored, prev}
"""
)

# KEYS: events, conv, bot turns, waiting
# ARGV: turn's event id, ttl, buttons JSON or '', now, events...
# Stores the bot's answer and removes the turn in one step, only if that turn is still the first
# pending one (so an answer is stored once even if two processes ended up calling Rasa for it);
# then the events that waited for this answer.
FINISH_BOT_TURN = (
    _XADD
    + """
local head = redis.call('LINDEX', KEYS[3], 0)
if not head or cjson.decode(head)['eid'] ~= ARGV[1] then return {} end
redis.call('LPOP', KEYS[3])
local prev = last()
local ids = {}
for i = 5, #ARGV do
  ids[#ids + 1] = add(ARGV[i])
end
local flushed = flush(KEYS[4], ARGV[4])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], 'buttons', ARGV[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
local st = state()
return {st[1], st[2], ids, flushed, prev}
"""
)

# KEYS: bot lease   ARGV: owner, lease ms
RENEW_BOT_LEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""

# KEYS: bot lease, bot turns, conv   ARGV: owner
# {-1} the lease is not ours any more; {0, bot_mark} released (nothing pending); {n} n > 0 turns
# still pending (kept)
RELEASE_BOT_LEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1} end
local left = redis.call('LLEN', KEYS[2])
if left > 0 then return {left} end
redis.call('DEL', KEYS[1])
return {0, redis.call('HGET', KEYS[3], 'bot_mark') or ''}
"""

# KEYS: bot pending   ARGV: cid, score
# Drops a conversation from the bot-turn index only if nobody indexed a newer turn since `score`.
UNTRACK_BOT = """
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
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

# What the indexes are derived from, returned by every transition below (KEYS[1] is the conv):
# rev, status, agent, queue score, offline score, previous agent, last agent
_TRUTH = """
local function truth()
  local f = redis.call('HMGET', KEYS[1], 'rev', 'status', 'agent_id', 'queue_score', 'offline_score',
    'previous_agent_id', 'last_agent_id')
  return {f[1] or '0', f[2] or '', f[3] or '', f[4] or '', f[5] or '', f[6] or '', f[7] or ''}
end
local function allowed(list, st)
  for s in string.gmatch(list, '%S+') do if s == st then return true end end
  return false
end
local function bump() redis.call('HINCRBY', KEYS[1], 'rev', 1) end
"""

# Shared keys. KEYS: agent hash, agent convs, journal   ARGV: cid, now, ttl
# Reserves room in an agent's load before a conversation is given to them: 1 reserved (or it was
# already theirs); -1 full; -2 unknown or disabled. The journal notes the transition under way.
RESERVE = """
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HGET', KEYS[1], 'disabled') == '1' then return -2 end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then
  local cap = tonumber(redis.call('HGET', KEYS[1], 'capacity') or '0')
  if redis.call('SCARD', KEYS[2]) >= cap then return -1 end
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1
"""

# Shared keys. KEYS: queue, offline, synced, journal, the agent's convs, the agent's resolved,
#   then the convs of agents who must not hold it unless it is theirs now
# ARGV: cid, rev, status, agent, queue score, offline score, ttl, journal written at, resolved at or ''
# Sets the indexes from a conversation's state (revision `rev`), unless a newer revision was
# already applied; drops its journal entry if no transition started after `journal written at`.
SYNC = """
local cid, rev, st = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local applied = tonumber(redis.call('GET', KEYS[3]) or '-1')
-- in list `key` (at `score`) only while the status is `wanted`; a conversation parked before scores
-- were kept in its state (score '') keeps its place as it is
local function place(key, wanted, score)
  if st ~= wanted then
    redis.call('ZREM', key, cid)
  elseif score ~= '' then
    redis.call('ZADD', key, score, cid)
    redis.call('EXPIRE', key, ARGV[7])
  end
end
if rev >= applied then
  place(KEYS[1], 'queued', ARGV[5])
  place(KEYS[2], 'offline', ARGV[6])
  local holds = st == 'assigned' and ARGV[4] ~= ''
  if holds then
    redis.call('SADD', KEYS[5], cid)
    redis.call('EXPIRE', KEYS[5], ARGV[7])
  end
  for i = 7, #KEYS do
    if not (holds and KEYS[i] == KEYS[5]) then redis.call('SREM', KEYS[i], cid) end
  end
  if ARGV[9] ~= '' then
    redis.call('ZADD', KEYS[6], ARGV[9], cid)
    redis.call('EXPIRE', KEYS[6], ARGV[7])
  end
  redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[7])
end
local j = redis.call('ZSCORE', KEYS[4], cid)
if j and tonumber(j) <= tonumber(ARGV[8]) then redis.call('ZREM', KEYS[4], cid) end
return rev >= applied and 1 or 0
"""

# Shared keys. KEYS: synced, agent convs   ARGV: cid, revision seen ('' for none)
DROP_LOAD = """
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[2] then return 0 end
return redis.call('SREM', KEYS[2], ARGV[1])
"""

# KEYS: conv   ARGV: allowed statuses, aid, now
ASSIGN = (
    _TRUTH
    + """
local st = redis.call('HGET', KEYS[1], 'status') or ''
if not allowed(ARGV[1], st) then return {0, truth()} end
redis.call('HSET', KEYS[1], 'status', 'assigned', 'agent_id', ARGV[2], 'assigned_at', ARGV[3],
  'queue_position', '', 'eta_minutes', '')
bump()
return {1, truth()}
"""
)

# KEYS: conv   ARGV: target, score, now, allowed, expected agent
# Returns {1 or 0, the agent it left ('' if none), truth}
PARK = (
    _TRUTH
    + """
local st = redis.call('HGET', KEYS[1], 'status') or ''
if not allowed(ARGV[4], st) then return {0, '', truth()} end
local current = redis.call('HGET', KEYS[1], 'agent_id') or ''
if ARGV[5] ~= '' and current ~= ARGV[5] then return {0, '', truth()} end
local left = ''
if st == 'assigned' then
  left = current
  redis.call('HSET', KEYS[1], 'previous_agent_id', current)
end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'agent_id', '', 'parked_at', ARGV[3])
if ARGV[1] == 'queued' then
  redis.call('HSET', KEYS[1], 'queue_score', ARGV[2])
else
  redis.call('HSET', KEYS[1], 'offline_score', ARGV[3])
end
bump()
return {1, left, truth()}
"""
)

# KEYS: conv   ARGV: from aid, to aid, now
TRANSFER = (
    _TRUTH
    + """
if redis.call('HGET', KEYS[1], 'status') ~= 'assigned' then return {0, truth()} end
if redis.call('HGET', KEYS[1], 'agent_id') ~= ARGV[1] then return {0, truth()} end
redis.call('HSET', KEYS[1], 'agent_id', ARGV[2], 'assigned_at', ARGV[3], 'previous_agent_id', ARGV[1])
bump()
return {1, truth()}
"""
)

# KEYS: conv, events   ARGV: aid, now, seen event id or '', outcome tag
# Refuses (-1) when the customer wrote after the last event the agent saw: that message would
# otherwise be resolved unanswered.
RESOLVE = (
    _TRUTH
    + """
if redis.call('HGET', KEYS[1], 'status') ~= 'assigned' then return {0, '', truth()} end
if redis.call('HGET', KEYS[1], 'agent_id') ~= ARGV[1] then return {0, '', truth()} end
if ARGV[3] ~= '' then
  for _, entry in ipairs(redis.call('XRANGE', KEYS[2], '(' .. ARGV[3], '+')) do
    local ok, ev = pcall(cjson.decode, entry[2][2])
    if ok and ev['type'] == 'message' and ev['from'] == 'customer' then return {-1, '', truth()} end
  end
end
local assigned_at = redis.call('HGET', KEYS[1], 'assigned_at') or ''
redis.call('HSET', KEYS[1], 'status', 'bot', 'agent_id', '', 'last_agent_id', ARGV[1], 'resolved_at', ARGV[2],
  'buttons', '', 'outcome', ARGV[4])
redis.call('HDEL', KEYS[1], 'waiting_since')
bump()
return {1, assigned_at, truth()}
"""
)

# KEYS: conv   ARGV: into cid, now
# An open conversation of a case the customer came back about from a new conversation: it leaves
# the queue / the agent's load (the case counts once) and points to the new one. Returns
# {1, the agent it was with ('' if none), truth}, or {0, '', truth} when it was not open.
MERGE_INTO = (
    _TRUTH
    + """
local st = redis.call('HGET', KEYS[1], 'status') or ''
if st ~= 'queued' and st ~= 'assigned' and st ~= 'offline' then return {0, '', truth()} end
local agent = redis.call('HGET', KEYS[1], 'agent_id') or ''
redis.call('HSET', KEYS[1], 'status', 'bot', 'agent_id', '', 'merged_into', ARGV[1], 'resolved_at', ARGV[2],
  'queue_position', '', 'eta_minutes', '')
if agent ~= '' then redis.call('HSET', KEYS[1], 'last_agent_id', agent) end
redis.call('HDEL', KEYS[1], 'waiting_since')
bump()
return {1, agent, truth()}
"""
)

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
        self._untrack_bot = redis.register_script(UNTRACK_BOT)
        self._reserve = redis.register_script(RESERVE)
        self._sync = redis.register_script(SYNC)
        self._drop_load = redis.register_script(DROP_LOAD)

    async def _touch(self, *keys: str) -> None:
        pipe = self.r.pipeline(transaction=False)
        for key in keys:
            pipe.expire(key, self.ttl)
        await pipe.execute()

    # state ----------------------------------------------------------------
    async def create(self, visitor_id: str, now: float | None = None) -> str:
        now = time.time() if now is None else now
        cid = new_conversation_id()
        # the visitor's index first (on a cluster it is on another master): an entry whose
        # conversation was never written is skipped by its readers
        pipe = self.r.pipeline(transaction=False)
        pipe.zadd(self.k.visitor_convs(visitor_id), {cid: now})
        pipe.expire(self.k.visitor_convs(visitor_id), self.ttl)
        await pipe.execute()
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(
            self.k.conv(cid),
            mapping={"id": cid, "visitor_id": visitor_id, "status": "bot", "created_at": str(now)},
        )
        pipe.expire(self.k.conv(cid), self.ttl)
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
        bot_mark: str | None = None,
    ) -> Appended:
        """XADD the event (once per client_id). With `bot_turn`, a pending bot turn is recorded in
        the same step if the conversation is in bot mode, indexed first (`index_bot_turn`) unless
        the caller did it and passes its `bot_mark`."""
        body = _body(event)
        now = time.time()
        mark = ""
        if bot_turn:
            mark = bot_mark if bot_mark is not None else await self.index_bot_turn(cid, now)
        eid, new, queued, status, agent_id, prev = await self._append(
            keys=[self.k.events(cid), self.k.conv(cid), self.k.clients(cid), self.k.bot_turns(cid)],
            args=[
                _dumps(body),
                client_id or "",
                self.ttl,
                _dumps(bot_turn) if bot_turn else "",
                now,
                mark,
                "1" if body.get("type") == "message" and body.get("from") == "customer" else "",
            ],
        )
        return Appended(
            eid,
            bool(int(new)),
            {"id": eid, **body},
            bool(int(queued)),
            status,
            agent_id,
            prev if new else None,
        )

    async def index_bot_turn(self, cid: str, now: float | None = None) -> str:
        """Index a bot turn about to be stored (`bot:pending`), before it exists, so that a process
        dying right after storing it leaves a turn the sweeper finds (an entry for a turn that was
        not queued is dropped later); returns the mark to store it with ('' to store none)."""
        now = time.time() if now is None else now
        await self.r.zadd(self.k.bot_pending(), {cid: now})
        return repr(now)

    async def append_after_bot_turn(self, cid: str, event: dict[str, Any]) -> Stored:
        """Store an event now, or, while a bot turn is pending, right after the bot's answer.

        Returns what was stored now (nothing while it waits; otherwise events that had waited, then
        this one)."""
        body = {k: v for k, v in event.items() if k not in ("id", "ts")}  # stamped when stored
        status, agent_id, stored, prev = await self._append_after(
            keys=[self.k.events(cid), self.k.conv(cid), self.k.bot_turns(cid), self.k.waiting(cid)],
            args=[_dumps(body), self.ttl, repr(time.time())],
        )
        return Stored(_flushed(stored), status, agent_id, prev)

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
        """-1 the lease was not ours any more; 0 released (no turn left); n > 0 turns left (kept)."""
        result = await self._release_lease(
            keys=[self.k.bot_lease(cid), self.k.bot_turns(cid), self.k.conv(cid)], args=[owner]
        )
        if int(result[0]) == 0:
            await self.untrack_bot(cid, result[1])
        return int(result[0])

    async def untrack_bot(self, cid: str, mark: str) -> bool:
        """Drop `cid` from the bot-turn index if its entry is still the one with score `mark`
        (no turn was indexed since); True if dropped."""
        if not mark:
            return False
        return bool(await self._untrack_bot(keys=[self.k.bot_pending()], args=[cid, mark]))

    async def bot_index(self, older_than: float, count: int = 500) -> list[tuple[str, float]]:
        """Entries of the bot-turn index (cid, score) indexed before `older_than`, oldest first."""
        return await self.r.zrangebyscore(
            self.k.bot_pending(), "-inf", older_than, start=0, num=count, withscores=True
        )

    async def bot_turn_states(self, cids: list[str]) -> list[tuple[int, bool]]:
        """For each conversation: the turns pending and whether a bot lease is held."""
        pipe = self.r.pipeline(transaction=False)
        for cid in cids:
            pipe.llen(self.k.bot_turns(cid))
            pipe.exists(self.k.bot_lease(cid))
        replies = await pipe.execute()
        return [(int(replies[i]), bool(replies[i + 1])) for i in range(0, len(replies), 2)]

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
            keys=[self.k.events(cid), self.k.conv(cid), self.k.bot_turns(cid), self.k.waiting(cid)],
            args=[
                turn_eid,
                self.ttl,
                "" if buttons is None else _dumps(buttons),
                repr(time.time()),
                *[_dumps(b) for b in bodies],
            ],
        )
        if not result:
            return None
        # (the turn leaves the bot-turn index when the worker lets its lease go, after the answer
        # is out: release_bot_lease)
        status, agent_id, ids, flushed, prev = result
        stored = [{"id": eid, **body} for eid, body in zip(ids, bodies, strict=True)]
        return Stored(stored + _flushed(flushed), status, agent_id, prev)

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
        reserved = int(
            await self._reserve(
                keys=[self.k.agent(aid), self.k.agent_convs(aid), self.k.journal()], args=[cid, now, self.ttl]
            )
        )
        if reserved != 1:  # no room: but a conversation that cannot be assigned says so first
            return reserved if await self.status(cid) in allowed else 0
        done, truth = await self._assign(keys=[self.k.conv(cid)], args=[" ".join(allowed), aid, now])
        await self._sync_truth(cid, truth, now, release=[aid])
        return int(done)

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
        await self._journal(cid, now)
        done, left, truth = await self._park(
            keys=[self.k.conv(cid)], args=[target, score, now, " ".join(allowed), expected_agent]
        )
        await self._sync_truth(cid, truth, now, release=[left])
        return bool(int(done))

    async def transfer(self, cid: str, from_aid: str, to_aid: str, now: float | None = None) -> int:
        """1 moved; 0 not assigned to `from_aid`; -1 the target is full; -2 target unknown/disabled."""
        now = time.time() if now is None else now
        reserved = int(
            await self._reserve(
                keys=[self.k.agent(to_aid), self.k.agent_convs(to_aid), self.k.journal()],
                args=[cid, now, self.ttl],
            )
        )
        if reserved != 1:  # no room: but a conversation that is not theirs says so first
            conv = await self.r.hmget(self.k.conv(cid), "status", "agent_id")
            return reserved if conv == ["assigned", from_aid] else 0
        done, truth = await self._transfer(keys=[self.k.conv(cid)], args=[from_aid, to_aid, now])
        await self._sync_truth(cid, truth, now, release=[from_aid, to_aid])
        return int(done)

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
        await self._journal(cid, now)
        outcome, assigned_at, truth = await self._resolve(
            keys=[self.k.conv(cid), self.k.events(cid)], args=[aid, now, seen or "", outcome_tag]
        )
        done = int(outcome) == 1
        await self._sync_truth(cid, truth, now, release=[aid], resolved=(aid, now) if done else None)
        return int(outcome), (float(assigned_at) if assigned_at else None)

    async def merge_into(self, cid: str, into: str, now: float | None = None) -> str | None:
        """Close open conversation `cid` of a case into `into` (see MERGE_INTO): the agent it was
        with ('' when queued or offline), or None when it was not open."""
        now = time.time() if now is None else now
        await self._journal(cid, now)
        done, agent, truth = await self._merge_into(keys=[self.k.conv(cid)], args=[into, now])
        await self._sync_truth(cid, truth, now, release=[agent])
        return str(agent) if int(done) else None

    # the shared indexes, derived from the conversation (see the module's docstring) -------------
    async def _journal(self, cid: str, now: float) -> None:
        await self.r.zadd(self.k.journal(), {cid: now})

    async def _sync_truth(
        self,
        cid: str,
        truth: list[str],
        started: float,
        release: list[str] = (),
        resolved: tuple[str, float] | None = None,
    ) -> bool:
        """SYNC the indexes to a state a transition returned (rev, status, agent, queue score,
        offline score, previous agent, last agent); `release`: agents whose load must not hold the
        conversation unless it is theirs now. True if applied (not older than what was)."""
        rev, status, agent, queue_score, offline_score = truth[:5]
        others = [a for a in dict.fromkeys(release) if a and a != agent]
        keys = [
            self.k.queue(),
            self.k.offline(),
            self.k.synced(cid),
            self.k.journal(),
            self.k.agent_convs(agent or "-"),
            self.k.agent_resolved(resolved[0] if resolved else "-"),
            *[self.k.agent_convs(a) for a in others],
        ]
        args = [
            cid,
            rev,
            status,
            agent,
            queue_score,
            offline_score,
            self.ttl,
            repr(started),
            repr(resolved[1]) if resolved else "",
        ]
        return bool(int(await self._sync(keys=keys, args=args)))

    async def resync(self, cid: str, started: float) -> bool:
        """SYNC a conversation's indexes from its state as it is now (the sweeper's repair of a
        transition whose process died between the conversation and the indexes)."""
        f = await self.r.hmget(
            self.k.conv(cid),
            "rev",
            "status",
            "agent_id",
            "queue_score",
            "offline_score",
            "previous_agent_id",
            "last_agent_id",
            "created_at",
        )
        if f[7] is None:  # gone (expired): out of every index that can name it, for good
            truth = [str(_GONE), "", "", "", "", "", ""]
        else:
            truth = [f[0] or "0", *[(v or "") for v in f[1:7]]]
        return await self._sync_truth(cid, truth, started, release=[truth[5], truth[6]])

    async def resync_journal(self, older_than: float, count: int = 200) -> int:
        """Sync again the conversations whose transition started before `older_than` and never
        reached its SYNC; returns how many."""
        entries = await self.r.zrangebyscore(
            self.k.journal(), "-inf", older_than, start=0, num=count, withscores=True
        )
        for cid, started in entries:
            await self.resync(cid, started)
        return len(entries)

    async def loads_audit(self, aid: str) -> list[tuple[str, bool, str]]:
        """For each conversation in an agent's load: (cid, whether its state says it is theirs,
        the revision last synced for it)."""
        cids = sorted(await self.r.smembers(self.k.agent_convs(aid)))
        pipe = self.r.pipeline(transaction=False)
        for cid in cids:
            pipe.hmget(self.k.conv(cid), "status", "agent_id")
            pipe.get(self.k.synced(cid))
        replies = await pipe.execute()
        out = []
        for i, cid in enumerate(cids):
            (status, agent), applied = replies[2 * i], replies[2 * i + 1]
            out.append((cid, status == "assigned" and agent == aid, applied or ""))
        return out

    async def drop_stale_load(self, aid: str, cid: str, rev: str) -> bool:
        """Take `cid` out of an agent's load if no transition was synced for it since revision
        `rev` (the sweeper saw it there twice while the conversation was not theirs: a
        reservation whose process died before its SYNC)."""
        return bool(
            int(await self._drop_load(keys=[self.k.synced(cid), self.k.agent_convs(aid)], args=[cid, rev]))
        )

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
        await self.r.hset(self.k.conv(cid), "offline_score", repr(since))
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
        if not current or stream_order(seen) > stream_order(current):
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


_GONE = 10**15  # the revision that syncs a conversation that no longer exists


def _next_id(eid: str) -> str | None:
    """The smallest stream id after `eid` ("ms-seq", each part below 2**64), or None."""
    ms, seq = (int(part) for part in eid.split("-"))
    if seq < 2**64 - 1:
        return f"{ms}-{seq + 1}"
    return f"{ms + 1}-0" if ms < 2**64 - 1 else None


def _event(eid: str, fields: dict[str, str]) -> dict[str, Any]:
    return {"id": eid, **loads(fields.get("e"), {})}
