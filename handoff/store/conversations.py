"""A conversation's state hash (`conv:{cid}`): who it is with, the case card, what the customer was
told. The other parts of a conversation each have their module: its events (transcript.py), bot
turns (bot_turns.py), state transitions (transitions.py) and the shared indexes they keep in step
(indexes.py), notes (notes.py), the customer's pages (pages.py), the lookups by e-mail and order
(lookups.py).
"""

from __future__ import annotations

import json
import time
from typing import Any

from handoff.ids import new_conversation_id
from handoff.states import Status
from handoff.store.keys import Keys
from handoff.store.records import Conversation, loads

# KEYS: conv   ARGV: summary patch (JSON object)
# returns: the case card after the merge (JSON)
# Adds the fields the case card does not have yet (a value already there is never overwritten).
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
        self._merge = redis.register_script(MERGE_SUMMARY)

    async def create(self, visitor_id: str, now: float | None = None, origin: str = "") -> str:
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
            mapping={
                "id": cid,
                "visitor_id": visitor_id,
                "origin": origin,
                "status": Status.BOT,
                "created_at": str(now),
            },
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
        return (status or Status.BOT) if created else None

    async def agent_id(self, cid: str) -> str:
        """The agent it is with now ('' when none)."""
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

    async def merge_summary(self, cid: str, patch: dict[str, Any]) -> dict[str, Any]:
        """Add the fields the case card does not have yet; returns the merged card."""
        merged = await self._merge(
            keys=[self.k.conv(cid)], args=[json.dumps(patch or {}, ensure_ascii=False)]
        )
        return loads(merged, {})

    async def agent_answered(self, cid: str) -> None:
        """A person answered: the customer's wait for a human reply is over."""
        await self.r.hdel(self.k.conv(cid), "waiting_since")

    async def claim_rating(self, cid: str, resolution: str) -> bool:
        """True the first time the resolution `resolution` (its resolved_at) is rated, in any process."""
        return await self.flag_once(cid, f"rated:{resolution}")

    async def flag_once(self, cid: str, flag: str) -> bool:
        """True the first time `flag` is raised for the conversation (any process)."""
        return bool(await self.r.hsetnx(self.k.conv(cid), f"flag:{flag}", "1"))
