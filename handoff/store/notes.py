"""Internal notes of a conversation (`conv:{cid}:notes`): for agents only, never in the stream, so
never sent to the customer."""

from __future__ import annotations

import json
from typing import Any

from handoff.store.keys import Keys
from handoff.store.records import loads


class NoteStore:
    def __init__(self, redis, keys: Keys, ttl: int):
        self.r = redis
        self.k = keys
        self.ttl = ttl

    async def add(self, cid: str, note: dict[str, Any]) -> None:
        pipe = self.r.pipeline(transaction=False)
        pipe.rpush(self.k.notes(cid), json.dumps(note, ensure_ascii=False))
        pipe.expire(self.k.notes(cid), self.ttl)
        await pipe.execute()

    async def all(self, cid: str) -> list[dict[str, Any]]:
        return [loads(n, {}) for n in await self.r.lrange(self.k.notes(cid), 0, -1)]
