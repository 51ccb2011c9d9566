"""Durable bot turns: the customer messages Rasa must answer (`conv:{cid}:bot`, recorded with the
message by APPEND in handoff/store/transcript.py), the lease of the process answering them
(`conv:{cid}:bot-lease`) and the index the sweepers read (`bot:pending`, shared).

The index entry is written before the turn (score = when; the conversation keeps it as `bot_mark`)
and dropped once no turn is left and no newer turn was indexed (UNTRACK_BOT); anything left behind is
dropped by the sweeper (BotBridge.take_over_orphans). docs/hub.md, "Durable bot turns".
"""

from __future__ import annotations

import time
from typing import Any

from handoff.states import Status
from handoff.store.keys import Keys
from handoff.store.lua import STREAM, body, dumps, flushed
from handoff.store.records import Stored, loads

# KEYS: events, conv, bot turns, waiting
# ARGV: the turn's event id, ttl, buttons JSON or '', now, the bot status, events...
# returns: {} when the turn is not the first pending one any more; else {status, agent, {ids of the
#   answer}, {id, body, …} of the events that waited, the id before the answer}
# Stores the bot's answer and removes the turn in one step, only if that turn is still the first
# pending one (so an answer is stored once even if two processes ended up calling Rasa for it);
# then the events that waited for this answer.
FINISH_BOT_TURN = (
    STREAM
    + """
local head = redis.call('LINDEX', KEYS[3], 0)
if not head or cjson.decode(head)['eid'] ~= ARGV[1] then return {} end
redis.call('LPOP', KEYS[3])
local prev = last()
local ids = {}
for i = 6, #ARGV do
  ids[#ids + 1] = add(ARGV[i])
end
local flushed = flush(KEYS[4], ARGV[4])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], 'buttons', ARGV[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
local st = state(ARGV[5])
return {st[1], st[2], ids, flushed, prev}
"""
)

# KEYS: bot lease   ARGV: owner, lease ms
# returns: 1 renewed, 0 the lease is not this owner's any more
RENEW_BOT_LEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""

# KEYS: bot lease, bot turns, conv   ARGV: owner
# returns: {-1} the lease is not ours any more; {0, bot_mark} released (nothing pending); {n} n > 0
#   turns still pending (kept)
RELEASE_BOT_LEASE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1} end
local left = redis.call('LLEN', KEYS[2])
if left > 0 then return {left} end
redis.call('DEL', KEYS[1])
return {0, redis.call('HGET', KEYS[3], 'bot_mark') or ''}
"""

# KEYS: bot pending   ARGV: cid, score
# returns: 1 dropped, 0 kept (a newer turn was indexed since `score`, or none was)
UNTRACK_BOT = """
local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
if s and tonumber(s) == tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
"""


class BotTurns:
    """Pending bot turns, their leases and their index."""

    def __init__(self, redis, keys: Keys, ttl: int):
        self.r = redis
        self.k = keys
        self.ttl = ttl
        self._finish = redis.register_script(FINISH_BOT_TURN)
        self._renew = redis.register_script(RENEW_BOT_LEASE)
        self._release = redis.register_script(RELEASE_BOT_LEASE)
        self._untrack = redis.register_script(UNTRACK_BOT)

    async def index(self, cid: str, now: float | None = None) -> str:
        """Index a bot turn about to be stored (`bot:pending`), before it exists, so that a process
        dying right after storing it leaves a turn the sweeper finds (an entry for a turn that was
        not queued is dropped later); returns the mark to store it with."""
        now = time.time() if now is None else now
        await self.r.zadd(self.k.bot_pending(), {cid: now})
        return repr(now)

    async def finish(
        self,
        cid: str,
        turn_eid: str,
        events: list[dict[str, Any]],
        buttons: list[dict[str, str]] | None,
    ) -> Stored | None:
        """Store the bot's answer and drop the turn atomically, then the events that waited for it;
        None if the turn was no longer the first pending one."""
        bodies = [body(event) for event in events]
        result = await self._finish(
            keys=[self.k.events(cid), self.k.conv(cid), self.k.bot_turns(cid), self.k.waiting(cid)],
            args=[
                turn_eid,
                self.ttl,
                "" if buttons is None else dumps(buttons),
                repr(time.time()),
                Status.BOT,
                *[dumps(b) for b in bodies],
            ],
        )
        if not result:
            return None
        # (the turn leaves the bot-turn index when the worker lets its lease go, after the answer
        # is out: release_lease)
        status, agent_id, ids, waited, prev = result
        stored = [{"id": eid, **b} for eid, b in zip(ids, bodies, strict=True)]
        return Stored(stored + flushed(waited), status, agent_id, prev)

    # leases ------------------------------------------------------------------------------
    async def acquire_lease(self, cid: str, owner: str, lease: float) -> bool:
        return bool(await self.r.set(self.k.bot_lease(cid), owner, nx=True, px=int(lease * 1000)))

    async def lease_held(self, cid: str) -> bool:
        return bool(await self.r.exists(self.k.bot_lease(cid)))

    async def renew_lease(self, cid: str, owner: str, lease: float) -> bool:
        return bool(int(await self._renew(keys=[self.k.bot_lease(cid)], args=[owner, int(lease * 1000)])))

    async def release_lease(self, cid: str, owner: str) -> int:
        """-1 the lease was not ours any more; 0 released (no turn left: the index entry goes too,
        unless a newer turn was indexed); n > 0 turns left (kept)."""
        result = await self._release(
            keys=[self.k.bot_lease(cid), self.k.bot_turns(cid), self.k.conv(cid)], args=[owner]
        )
        if int(result[0]) == 0:
            await self.untrack(cid, result[1])
        return int(result[0])

    # the index ----------------------------------------------------------------------------
    async def untrack(self, cid: str, mark: str) -> bool:
        """Drop `cid` from the bot-turn index if its entry is still the one with score `mark`
        (no turn was indexed since); True if dropped."""
        if not mark:
            return False
        return bool(await self._untrack(keys=[self.k.bot_pending()], args=[cid, mark]))

    async def indexed(self, older_than: float, count: int = 500) -> list[tuple[str, float]]:
        """Entries of the bot-turn index (cid, score) indexed before `older_than`, oldest first."""
        return await self.r.zrangebyscore(
            self.k.bot_pending(), "-inf", older_than, start=0, num=count, withscores=True
        )

    async def states(self, cids: list[str]) -> list[tuple[int, bool]]:
        """For each conversation: the turns pending and whether a bot lease is held."""
        pipe = self.r.pipeline(transaction=False)
        for cid in cids:
            pipe.llen(self.k.bot_turns(cid))
            pipe.exists(self.k.bot_lease(cid))
        replies = await pipe.execute()
        return [(int(replies[i]), bool(replies[i + 1])) for i in range(0, len(replies), 2)]

    async def next(self, cid: str) -> dict[str, Any] | None:
        return loads(await self.r.lindex(self.k.bot_turns(cid), 0), None)

    async def next_and_status(
        self, cid: str, owner: str | None = None, lease: float = 0.0
    ) -> tuple[bool, dict[str, Any] | None, str | None]:
        """The bot turn at the head of the list and the conversation's status (None when it does
        not exist), in one round trip; with `owner`, the bot lease is taken first in the same round
        trip (`SET NX PX`, then read: the reads are only used when the lease was taken).
        Returns (lease taken or no owner given, turn, status)."""
        pipe = self.r.pipeline(transaction=False)
        if owner is not None:
            pipe.set(self.k.bot_lease(cid), owner, nx=True, px=int(lease * 1000))
        pipe.lindex(self.k.bot_turns(cid), 0)
        pipe.hmget(self.k.conv(cid), "status", "created_at")
        replies = await pipe.execute()
        acquired = bool(replies[0]) if owner is not None else True
        raw, (status, created) = replies[-2], replies[-1]
        return acquired, loads(raw, None), ((status or Status.BOT) if created else None)
