"""A conversation's transcript: its event stream (`conv:{cid}:events`) and the idempotency of client
ids (`conv:{cid}:clients`). Every event is stored here before it is acknowledged.

A customer message in bot mode records its pending bot turn in the same step (see
handoff/store/bot_turns.py); an event that must not overtake the bot's answer in progress waits for
it (APPEND_AFTER_BOT_TURN).
"""

from __future__ import annotations

import time
from typing import Any

from handoff.states import RULES, Rules, Status, lua_set
from handoff.store.keys import Keys
from handoff.store.lua import ALLOWED, STREAM, body, dumps, flushed
from handoff.store.records import Appended, Conversation, Stored, loads

# KEYS: events, conv, clients, bot turns
# ARGV: event, client id, ttl, bot turn JSON or '', now, bot index score or '', '1' for a customer
#   message, the bot status, the states with a hand-off open
# returns: {id, 1 new / 0 a retry, 1 bot turn queued / 0, status, agent, the id before it ('' none)}
# A customer message in bot mode records its pending bot turn in the same step (durable bot turns;
# the caller indexed it in `bot:pending` with that score just before: `bot_mark` remembers it);
# while a hand-off is open it counts (`customer_count`, for the agents' unread marks) and starts the
# wait for a human reply (`waiting_since`) if none is running.
APPEND = (
    STREAM
    + ALLOWED
    + """
local st = state(ARGV[8])
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
if ARGV[4] ~= '' and st[1] == ARGV[8] then
  local turn = cjson.decode(ARGV[4])
  turn['eid'] = id
  redis.call('RPUSH', KEYS[4], cjson.encode(turn))
  redis.call('EXPIRE', KEYS[4], ARGV[3])
  if ARGV[6] ~= '' then redis.call('HSET', KEYS[2], 'bot_mark', ARGV[6]) end
  queued = 1
end
if ARGV[7] == '1' and allowed(ARGV[9], st[1]) then
  redis.call('HINCRBY', KEYS[2], 'customer_count', 1)
  redis.call('HSETNX', KEYS[2], 'waiting_since', ARGV[5])
end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return {id, 1, queued, st[1], st[2], prev}
"""
)

# KEYS: events, conv, bot turns, waiting   ARGV: event (without ts), ttl, now, the bot status
# returns: {status, agent, {id, body, …} stored now, the id before them}
# An event that must not overtake the bot's answer in progress (a hand-off the action server asked
# for while the hub waits for Rasa): while a bot turn is pending it waits in `waiting` and
# FINISH_BOT_TURN stores it right after the bot's words; otherwise it is stored now, after any that
# waited.
APPEND_AFTER_BOT_TURN = (
    STREAM
    + """
local st = state(ARGV[4])
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


def _next_id(eid: str) -> str | None:
    """The smallest stream id after `eid` ("ms-seq", each part below 2**64), or None."""
    ms, seq = (int(part) for part in eid.split("-"))
    if seq < 2**64 - 1:
        return f"{ms}-{seq + 1}"
    return f"{ms + 1}-0" if ms < 2**64 - 1 else None


def _event(eid: str, fields: dict[str, str]) -> dict[str, Any]:
    return {"id": eid, **loads(fields.get("e"), {})}


class Transcript:
    """The events of conversations, stored once and read in order."""

    def __init__(self, redis, keys: Keys, ttl: int, rules: Rules = RULES):
        self.r = redis
        self.k = keys
        self.ttl = ttl
        self.rules = rules
        self._append = redis.register_script(APPEND)
        self._append_after = redis.register_script(APPEND_AFTER_BOT_TURN)

    async def append(
        self,
        cid: str,
        event: dict[str, Any],
        client_id: str | None = None,
        bot_turn: dict[str, Any] | None = None,
        bot_mark: str = "",
    ) -> Appended:
        """XADD the event (once per client_id). With `bot_turn`, a pending bot turn is recorded in
        the same step if the conversation is in bot mode; `bot_mark` is the score the caller
        indexed it with first (BotTurns.index)."""
        stored = body(event)
        eid, new, queued, status, agent_id, prev = await self._append(
            keys=[self.k.events(cid), self.k.conv(cid), self.k.clients(cid), self.k.bot_turns(cid)],
            args=[
                dumps(stored),
                client_id or "",
                self.ttl,
                dumps(bot_turn) if bot_turn else "",
                time.time(),
                bot_mark if bot_turn else "",
                "1" if stored.get("type") == "message" and stored.get("from") == "customer" else "",
                Status.BOT,
                lua_set(self.rules.handoff_open),
            ],
        )
        return Appended(
            eid,
            bool(int(new)),
            {"id": eid, **stored},
            bool(int(queued)),
            status,
            agent_id,
            prev if new else None,
        )

    async def append_after_bot_turn(self, cid: str, event: dict[str, Any]) -> Stored:
        """Store an event now, or, while a bot turn is pending, right after the bot's answer.

        Returns what was stored now (nothing while it waits; otherwise events that had waited, then
        this one)."""
        stored = {k: v for k, v in event.items() if k not in ("id", "ts")}  # stamped when stored
        status, agent_id, events, prev = await self._append_after(
            keys=[self.k.events(cid), self.k.conv(cid), self.k.bot_turns(cid), self.k.waiting(cid)],
            args=[dumps(stored), self.ttl, repr(time.time()), Status.BOT],
        )
        return Stored(flushed(events), status, agent_id, prev)

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
