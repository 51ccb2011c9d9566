"""Conversations: a hash of state, a Redis stream of events, idempotency and notes."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from handoff.ids import new_conversation_id
from handoff.store.keys import Keys

STREAM_ID_RE = re.compile(r"^\d{1,20}-\d{1,20}$")
OPEN_STATES = ("queued", "assigned", "offline")

APPEND = """
if ARGV[2] ~= '' then
  local known = redis.call('HGET', KEYS[2], ARGV[2])
  if known then return {known, 0} end
end
local id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[1])
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[2], id)
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('HSET', KEYS[3], 'last_event_id', id)
redis.call('EXPIRE', KEYS[3], ARGV[3])
return {id, 1}
"""

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
redis.call('HSET', KEYS[1], 'status', 'assigned', 'agent_id', ARGV[2], 'assigned_at', ARGV[3])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZREM', KEYS[5], ARGV[1])
return 1
"""

# KEYS: conv, queue, offline, current agent's convs   ARGV: cid, target, score, now, allowed, expected agent, ttl
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

# KEYS: conv, agent convs, agent resolved   ARGV: cid, aid, now, ttl
RESOLVE = """
if redis.call('HGET', KEYS[1], 'status') ~= 'assigned' then return {0, ''} end
if redis.call('HGET', KEYS[1], 'agent_id') ~= ARGV[2] then return {0, ''} end
local assigned_at = redis.call('HGET', KEYS[1], 'assigned_at') or ''
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('HSET', KEYS[1], 'status', 'bot', 'agent_id', '', 'last_agent_id', ARGV[2], 'resolved_at', ARGV[3],
  'buttons', '')
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return {1, assigned_at}
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


class ConversationStore:
    def __init__(self, redis, keys: Keys, ttl: int):
        self.r = redis
        self.k = keys
        self.ttl = ttl
        self._append = redis.register_script(APPEND)
        self._begin = redis.register_script(BEGIN_HANDOFF)
        self._assign = redis.register_script(ASSIGN)
        self._park = redis.register_script(PARK)
        self._transfer = redis.register_script(TRANSFER)
        self._resolve = redis.register_script(RESOLVE)
        self._merge = redis.register_script(MERGE_SUMMARY)

    async def _touch(self, *keys: str) -> None:
        pipe = self.r.pipeline(transaction=False)
        for key in keys:
            pipe.expire(key, self.ttl)
        await pipe.execute()

    async def create(self, visitor_id: str, now: float | None = None) -> str:
        now = time.time() if now is None else now
        cid = new_conversation_id()
        await self.r.hset(
            self.k.conv(cid),
            mapping={
                "id": cid,
                "visitor_id": visitor_id,
                "status": "bot",
                "created_at": str(now),
            },
        )
        await self.r.zadd(self.k.visitor_convs(visitor_id), {cid: now})
        await self._touch(self.k.conv(cid), self.k.visitor_convs(visitor_id))
        return cid

    async def get(self, cid: str) -> dict[str, Any] | None:
        data = await self.r.hgetall(self.k.conv(cid))
        if not data:
            return None
        data["summary"] = _loads(data.get("summary"), {})
        data["buttons"] = _loads(data.get("buttons"), [])
        return data

    async def exists(self, cid: str) -> bool:
        return bool(await self.r.exists(self.k.conv(cid)))

    async def set_fields(self, cid: str, mapping: dict[str, Any]) -> None:
        clean = {
            k: (
                json.dumps(v)
                if isinstance(v, (dict, list))
                else ("" if v is None else str(v))
            )
            for k, v in mapping.items()
        }
        await self.r.hset(self.k.conv(cid), mapping=clean)
        await self._touch(self.k.conv(cid))

    # events -------------------------------------------------------------
    async def append(
        self, cid: str, event: dict[str, Any], client_id: str | None = None
    ) -> tuple[str, bool, dict]:
        """XADD the event (once per client_id); returns (stream id, stored now?, event with id)."""
        body = {k: v for k, v in event.items() if k != "id"}
        body.setdefault("ts", time.time())
        raw = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        eid, new = await self._append(
            keys=[self.k.events(cid), self.k.clients(cid), self.k.conv(cid)],
            args=[raw, client_id or "", self.ttl],
        )
        return eid, bool(int(new)), {"id": eid, **body}

    async def client_event_id(self, cid: str, client_id: str) -> str | None:
        return await self.r.hget(self.k.clients(cid), client_id)

    async def events(
        self, cid: str, after: str | None = None, count: int | None = None
    ) -> list[dict[str, Any]]:
        start = f"({after}" if after else "-"
        rows = await self.r.xrange(self.k.events(cid), min=start, max="+", count=count)
        return [_event(eid, fields) for eid, fields in rows]

    async def last_events(self, cid: str, count: int) -> list[dict[str, Any]]:
        rows = await self.r.xrevrange(self.k.events(cid), count=count)
        return [_event(eid, fields) for eid, fields in reversed(rows)]

    # notes --------------------------------------------------------------
    async def add_note(self, cid: str, note: dict[str, Any]) -> None:
        await self.r.rpush(self.k.notes(cid), json.dumps(note, ensure_ascii=False))
        await self._touch(self.k.notes(cid))

    async def notes(self, cid: str) -> list[dict[str, Any]]:
        return [_loads(n, {}) for n in await self.r.lrange(self.k.notes(cid), 0, -1)]

    # state transitions (atomic, in Lua) ------------------------------------
    async def begin_handoff(
        self, cid: str, now: float, stale_after: float = 30.0
    ) -> tuple[str, str]:
        outcome, previous = await self._begin(
            keys=[self.k.conv(cid)], args=[now, stale_after]
        )
        return outcome, previous

    async def merge_summary(self, cid: str, patch: dict[str, Any]) -> dict[str, Any]:
        merged = await self._merge(
            keys=[self.k.conv(cid)], args=[json.dumps(patch or {}, ensure_ascii=False)]
        )
        return _loads(merged, {})

    async def assign(
        self, cid: str, aid: str, allowed: tuple[str, ...], now: float | None = None
    ) -> int:
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
        current_agent = expected_agent or (
            await self.r.hget(self.k.conv(cid), "agent_id") or "_none"
        )
        return bool(
            await self._park(
                keys=[
                    self.k.conv(cid),
                    self.k.queue(),
                    self.k.offline(),
                    self.k.agent_convs(current_agent),
                ],
                args=[
                    cid,
                    target,
                    score,
                    now,
                    " ".join(allowed),
                    expected_agent,
                    self.ttl,
                ],
            )
        )

    async def transfer(
        self, cid: str, from_aid: str, to_aid: str, now: float | None = None
    ) -> int:
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
        self, cid: str, aid: str, now: float | None = None
    ) -> tuple[bool, float | None]:
        now = time.time() if now is None else now
        ok, assigned_at = await self._resolve(
            keys=[
                self.k.conv(cid),
                self.k.agent_convs(aid),
                self.k.agent_resolved(aid),
            ],
            args=[cid, aid, now, self.ttl],
        )
        return bool(int(ok)), (float(assigned_at) if assigned_at else None)

    # indexes --------------------------------------------------------------
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


def _loads(raw: str | None, default):
    if not raw:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        return default


def _event(eid: str, fields: dict[str, str]) -> dict[str, Any]:
    body = _loads(fields.get("e"), {})
    return {"id": eid, **body}
