"""The durable e-mail outbox: a mail is stored before anything is sent, claimed by one process at a
time, retried with back-off while the SMTP server is away, and marked sent once accepted.

Keys: `mail:{mid}` (hash: the mail and its state), `mail:due` (zset mid → when to try next, a claim
pushes it one lease ahead so a crashed sender's mail is tried again by another process),
`mail:once:{key}` (a mail that must go once, e.g. the offline notice of one hand-off).
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from handoff.store.keys import Keys

# KEYS: due   ARGV: now, lease (s), max
# The mails due now, each pushed one lease ahead: a process that dies while sending leaves it to
# whoever claims it after the lease.
CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
for _, mid in ipairs(due) do
  redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), mid)
end
return due
"""

# KEYS: once, mail, due   ARGV: mail JSON fields..., due, ttl
# Store a mail (and make it due) unless one with the same `once` key exists.
ADD_ONCE = """
if KEYS[1] ~= '' and redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[3]) == false then return 0 end
local fields = cjson.decode(ARGV[2])
for k, v in pairs(fields) do redis.call('HSET', KEYS[2], k, v) end
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
return 1
"""

BACKOFF = (10, 30, 60, 300, 900, 1800, 3600)  # seconds before the next try, then every hour


class Outbox:
    def __init__(self, redis, keys: Keys, ttl: int):
        self.r = redis
        self.k = keys
        self.ttl = ttl
        self._claim = redis.register_script(CLAIM)
        self._add = redis.register_script(ADD_ONCE)

    async def add(
        self, mail: dict[str, Any], once: str | None = None, due: float | None = None
    ) -> str | None:
        """Store a mail (to, subject, body, kind, conversation_id…) to be sent; with `once`, only
        the first mail with that key is stored. Returns its id, or None if it existed already."""
        mid = f"m{int(time.time() * 1000)}-{secrets.token_hex(4)}"
        fields = {
            **{k: (json.dumps(v) if isinstance(v, (dict, list)) else str(v)) for k, v in mail.items()},
            "id": mid,
            "status": "pending",
            "attempts": "0",
            "created_at": str(time.time()),
            "message_id": f"<{mid}@sportello>",
        }
        stored = await self._add(
            keys=[self.k.mail_once(once) if once else "", self.k.mail(mid), self.k.mail_due()],
            args=[mid, json.dumps(fields), self.ttl, due if due is not None else time.time()],
        )
        return mid if int(stored) else None

    async def claim(self, lease: float = 60.0, count: int = 10, now: float | None = None) -> list[str]:
        """The ids of mails due now, claimed for `lease` seconds."""
        now = time.time() if now is None else now
        return list(await self._claim(keys=[self.k.mail_due()], args=[now, lease, count]))

    async def get(self, mid: str) -> dict[str, str] | None:
        data = await self.r.hgetall(self.k.mail(mid))
        return data or None

    async def sent(self, mid: str, now: float | None = None) -> None:
        """The SMTP server accepted it: never again."""
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(self.k.mail(mid), mapping={"status": "sent", "sent_at": str(now or time.time())})
        pipe.zrem(self.k.mail_due(), mid)
        await pipe.execute()

    async def failed(self, mid: str, error: str, attempts: int, now: float | None = None) -> float:
        """Not sent: try again later (back-off); returns when."""
        now = time.time() if now is None else now
        later = now + BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(
            self.k.mail(mid),
            mapping={"attempts": str(attempts), "last_error": error[:300], "status": "retrying"},
        )
        pipe.zadd(self.k.mail_due(), {mid: later})
        await pipe.execute()
        return later

    async def dropped(self, mid: str, error: str) -> None:
        """A mail that can never be sent (no recipient, refused by every try): kept, not retried."""
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(self.k.mail(mid), mapping={"status": "failed", "last_error": error[:300]})
        pipe.zrem(self.k.mail_due(), mid)
        await pipe.execute()

    async def pending(self) -> int:
        return int(await self.r.zcard(self.k.mail_due()))

    # the customer's page and the replies they may not have read -------------------------------
    async def schedule_reply_check(self, cid: str, due: float) -> None:
        """Check at `due` whether the customer read the agent's reply on the page (else e-mail it)."""
        await self.r.zadd(self.k.reply_checks(), {cid: due}, nx=True)

    async def due_reply_checks(self, now: float | None = None, count: int = 50) -> list[str]:
        """Conversations whose reply check is due, taken (another process will not take them)."""
        now = time.time() if now is None else now
        due = await self.r.zrangebyscore(self.k.reply_checks(), "-inf", now, start=0, num=count)
        taken = []
        for cid in due:
            if await self.r.zrem(self.k.reply_checks(), cid):
                taken.append(cid)
        return taken
