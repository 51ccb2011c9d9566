"""Lua helpers shared by several scripts of the conversation stores (each script is a named constant
in the module of its concept, with a KEYS / ARGV / returns header; these are pasted in front of it).

No script writes a state name of its own: the names come from handoff/states.py as arguments.
"""

from __future__ import annotations

import json
import time
from typing import Any

from handoff.store.records import loads

# The scripts that add to a conversation's stream. KEYS[1] is the stream, KEYS[2] the state hash.
# `stamped` gives a waiting event (stored without `ts`) the time it is really stored, so clients
# that order by time show it after the bot's answer it waited for.
STREAM = """
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
-- the status (`default` when the hash has none) and the agent
local function state(default)
  return {redis.call('HGET', KEYS[2], 'status') or default, redis.call('HGET', KEYS[2], 'agent_id') or ''}
end
-- the id of the stream's last event ('' when empty): what the next event follows
local function last()
  return redis.call('HGET', KEYS[2], 'last_event_id') or ''
end
"""

# Membership in a set of states passed as one argument ("queued assigned offline").
ALLOWED = """
local function allowed(list, st)
  for s in string.gmatch(list, '%S+') do if s == st then return true end end
  return false
end
"""

# The transitions (KEYS[1] is the state hash): what the indexes are derived from, returned by each —
# rev, status, agent, queue score, offline score, previous agent, last agent — and the revision bump.
TRUTH = (
    ALLOWED
    + """
local function truth()
  local f = redis.call('HMGET', KEYS[1], 'rev', 'status', 'agent_id', 'queue_score', 'offline_score',
    'previous_agent_id', 'last_agent_id')
  return {f[1] or '0', f[2] or '', f[3] or '', f[4] or '', f[5] or '', f[6] or '', f[7] or ''}
end
local function bump() redis.call('HINCRBY', KEYS[1], 'rev', 1) end
"""
)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def body(event: dict[str, Any]) -> dict[str, Any]:
    """An event as stored: without its id (the stream id is the id), with a time stamp."""
    out = {k: v for k, v in event.items() if k != "id"}
    out.setdefault("ts", time.time())
    return out


def flushed(pairs: list[str]) -> list[dict[str, Any]]:
    """[id, raw, id, raw, …] from a script → stored events."""
    return [{"id": pairs[i], **loads(pairs[i + 1], {})} for i in range(0, len(pairs), 2)]
