"""Fixed-window rate limits kept in Redis (shared by every hub process)."""

from __future__ import annotations

import time


class RateLimiter:
    def __init__(self, redis, keys, window: int = 60):
        self.r = redis
        self.k = keys
        self.window = window

    async def hit(
        self, name: str, ident: str, limit: int, now: float | None = None, window: int | None = None
    ) -> float | None:
        """Count one hit; None while within `limit` per window (the limiter's, or `window` seconds),
        else the seconds until it resets."""
        now = time.time() if now is None else now
        window = window or self.window
        bucket = int(now // window)
        key = self.k.rate(name, ident, bucket)
        pipe = self.r.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, window * 2)
        count, _ = await pipe.execute()
        if int(count) <= limit:
            return None
        return (bucket + 1) * window - now

    async def once(self, name: str, ident: str, seconds: float) -> bool:
        """True the first time `ident` is spent under `name` (a link, a code), for `seconds`."""
        return bool(await self.r.set(self.k.rate(name, ident, 0), "1", nx=True, ex=max(1, int(seconds))))
