"""Rasa's tracker and lock stores on `REDIS_URL`: one Redis, a Redis Cluster or Sentinel.

Rasa 3.6's own `type: redis` stores connect to one host only; these are the same stores (same keys,
same serialisation: Rasa's RedisTrackerStore and RedisLockStore) with the client chosen from the URL
(sportello/redis_url.py: `redis://`, `redis+cluster://`, `redis+sentinel://`). Each key they use is a
single key (a tracker, a lock), so on a cluster they spread over every master. endpoints.yml names
them:

    tracker_store:
      type: bot.redis_stores.TrackerStore
      url: ${REDIS_URL}
    lock_store:
      type: bot.redis_stores.LockStore
      url: ${REDIS_URL}
"""

from __future__ import annotations

from typing import Any, Optional

from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import RedisTrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from sportello.redis_url import sync_client


class TrackerStore(RedisTrackerStore):
    def __init__(
        self,
        domain: Domain,
        host: Optional[str] = None,
        event_broker: Any = None,
        record_exp: Optional[float] = None,
        key_prefix: Optional[str] = None,
        **_: Any,
    ) -> None:
        if not host:
            raise ValueError("tracker_store needs `url: ${REDIS_URL}` in endpoints.yml")
        super().__init__(
            domain=domain, event_broker=event_broker, record_exp=record_exp, key_prefix=key_prefix
        )
        self.red = sync_client(host, decode_responses=True)  # what RedisTrackerStore reads and writes


class LockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        if not endpoint_config.url:
            raise ValueError("lock_store needs `url: ${REDIS_URL}` in endpoints.yml")
        super().__init__(key_prefix=endpoint_config.kwargs.get("key_prefix"))
        self.red = sync_client(endpoint_config.url, socket_timeout=10)
