"""Fixed-window rate limits kept in Redis (shared by every hub process)."""

from __future__ import annotations

import time


class RateLimiter:
    def __init__(self, redis, keys, window: int = 60):
        self.r = redis
        self.k = keys
        self.window = window

    async def hit(self, name: str, ident: str, limit: int, now: float | None = None) -> float | None:
        """Count one hit; None while within `limit` per window, else the seconds until it resets."""
        now = time.time() if now is None else now
        bucket = int(now // self.window)
        key = self.k.rate(name, ident, bucket)
        pipe = self.r.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, self.window * 2)
        count, _ = await pipe.execute()
        if int(count) <= limit:
            return None
        return (bucket + 1) * self.window - now
