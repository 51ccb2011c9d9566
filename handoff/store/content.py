"""The content release live in every hub process (configuration, not conversation data: no TTL).

`make ship` / `make rollback` (tools/ship.py) publish a release here — its domain.yml
(`content:domain`) and its version (`content:version`: version, shipped_at, hash) — and announce it
on the bus; each hub process takes the words (handoff/services/content.py) and says so in
`content:loaded` (process → version), which is how `make ship` counts the processes that took it.
"""

from __future__ import annotations

import json
from typing import Any

from handoff.store.keys import Keys

LOADED_TTL = 86400  # processes gone long ago drop out of `content:loaded` a day after the last change

# KEYS: content domain, content version   ARGV: domain.yml text, version fields (JSON object)
# returns: 1
# The release's words and its version change together (one slot on a cluster: both shared keys).
PUBLISH = """
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
for k, v in pairs(cjson.decode(ARGV[2])) do redis.call('HSET', KEYS[2], k, v) end
return 1
"""


class ContentStore:
    def __init__(self, redis, keys: Keys):
        self.r = redis
        self.k = keys
        self._publish = redis.register_script(PUBLISH)

    async def publish(self, domain_text: str, version: dict[str, Any], notice: str) -> None:
        """Make a release live: its words and version at once, then the bus `notice` (an encoded
        bus message) so that every process takes it now."""
        fields = json.dumps({k: str(v) for k, v in version.items()})
        await self._publish(
            keys=[self.k.content_domain(), self.k.content_version()], args=[domain_text, fields]
        )
        await self.r.publish(self.k.channel(), notice)

    async def live_version(self) -> dict[str, str]:
        """The live release's version, shipped_at and hash ({} when none was shipped)."""
        return await self.r.hgetall(self.k.content_version())

    async def domain(self) -> str | None:
        """The live release's domain.yml (None when none was shipped)."""
        return await self.r.get(self.k.content_domain())

    async def mark_loaded(self, process: str, version: str) -> None:
        """This hub process now says the words of `version`."""
        pipe = self.r.pipeline(transaction=False)
        pipe.hset(self.k.content_loaded(), process, version)
        pipe.expire(self.k.content_loaded(), LOADED_TTL)
        await pipe.execute()

    async def processes_on(self, version: str) -> int:
        """How many hub processes said they took `version`."""
        loaded = await self.r.hgetall(self.k.content_loaded())
        return sum(1 for v in loaded.values() if v == version)
