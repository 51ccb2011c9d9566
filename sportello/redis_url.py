"""`REDIS_URL`: one Redis, a Redis Cluster or a Redis behind Sentinel, with redis-py's own clients.

    redis://[user:password@]host:port/db          one Redis (also rediss:// for TLS, unix:///path)
    redis+cluster://[user:password@]host:port,host:port,...
                                                  a Redis Cluster: any of its masters, the client
                                                  finds the others and follows slot moves
    redis+sentinel://[user:password@]host:port,host:port,.../service[/db]
                                                  the master Sentinel names `service` (a new one
                                                  after a fail-over): the Sentinels' addresses

On a cluster every key the hub's scripts touch together must sit in one hash slot: the hub's keys
then all carry one hash tag (`cluster_prefix`: `sportello:` becomes `{sportello}:`), see
docs/operations.md. Rasa's trackers and locks (their own keys, bot/redis_stores.py) spread over the
cluster. `make ship` (tools/ship.py) reaches the same Redis through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

SINGLE_SCHEMES = ("redis", "rediss", "unix")
CLUSTER = "redis+cluster"
SENTINEL = "redis+sentinel"
SCHEMES = (*SINGLE_SCHEMES, CLUSTER, SENTINEL)


class RedisURLError(ValueError):
    """A REDIS_URL that cannot be used; the message says what is wrong in it."""


@dataclass(frozen=True)
class RedisTarget:
    kind: str  # "single", "cluster" or "sentinel"
    url: str
    nodes: tuple[tuple[str, int], ...] = ()
    service: str = ""
    db: int = 0
    username: str | None = None
    password: str | None = None

    @property
    def cluster(self) -> bool:
        return self.kind == "cluster"


def parse(url: str) -> RedisTarget:
    scheme, sep, _ = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise RedisURLError(
            f"REDIS_URL={url!r} must start with one of {', '.join(s + '://' for s in SCHEMES)}"
        )
    if scheme in SINGLE_SCHEMES:
        return RedisTarget("single", url)
    parts = urlsplit(url)
    hosts = parts.netloc.rpartition("@")[2]
    nodes = tuple(_node(url, text) for text in hosts.split(","))
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    path = [p for p in parts.path.split("/") if p]
    if scheme == CLUSTER:
        if path not in ([], ["0"]):
            raise RedisURLError(f"REDIS_URL={url!r}: a Redis Cluster has only database 0")
        return RedisTarget("cluster", url, nodes, username=username, password=password)
    if not path or len(path) > 2:
        raise RedisURLError(
            f"REDIS_URL={url!r} must name the Sentinel service: redis+sentinel://host:port,…/service[/db]"
        )
    db = path[1] if len(path) == 2 else "0"
    if not db.isdigit():
        raise RedisURLError(f"REDIS_URL={url!r}: the database must be a number, not {db!r}")
    return RedisTarget(
        "sentinel", url, nodes, service=path[0], db=int(db), username=username, password=password
    )


def _node(url: str, text: str) -> tuple[str, int]:
    host, colon, port = text.rpartition(":")
    if not colon or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise RedisURLError(f"REDIS_URL={url!r}: {text!r} is not host:port")
    return host.strip("[]"), int(port)


_TAG = re.compile(r"\{[^{}]+\}")


def cluster_prefix(prefix: str) -> str:
    """The hub's key prefix with a hash tag, so that all its keys share one slot of a cluster:
    `sportello:` → `{sportello}:`; a prefix that has a tag already is kept."""
    if _TAG.search(prefix):
        return prefix
    name = prefix.rstrip(":") or "sportello"
    return "{" + name + "}:"


def key_prefix(prefix: str, url: str) -> str:
    """The key prefix the hub uses on this REDIS_URL."""
    return cluster_prefix(prefix) if parse(url).cluster else prefix


def async_client(url: str, **kwargs):
    """A redis.asyncio client for REDIS_URL. `kwargs` are connection options (decode_responses,
    retry, timeouts); `max_connections` and `pool_timeout` size the pool. A single Redis gets a
    blocking pool (a burst waits for a free connection instead of failing)."""
    from redis.asyncio import BlockingConnectionPool, Redis

    target = parse(url)
    max_connections = kwargs.pop("max_connections", None)
    pool_timeout = kwargs.pop("pool_timeout", None)
    if target.kind == "single":
        pool_kwargs = dict(kwargs)
        if max_connections is not None:
            pool_kwargs["max_connections"] = max_connections
        if pool_timeout is not None:
            pool_kwargs["timeout"] = pool_timeout
        return Redis.from_pool(BlockingConnectionPool.from_url(url, **pool_kwargs))
    auth = {"username": target.username, "password": target.password}
    if target.cluster:
        from redis.asyncio.cluster import ClusterNode, RedisCluster

        return RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
            max_connections=max_connections or 100,
            **auth,
            **kwargs,
        )
    from redis.asyncio.sentinel import Sentinel

    sentinel = Sentinel(
        list(target.nodes),
        sentinel_kwargs={"socket_connect_timeout": kwargs.get("socket_connect_timeout", 2)},
        **auth,
        **kwargs,
    )
    extra = {"max_connections": max_connections} if max_connections else {}
    return sentinel.master_for(target.service, redis_class=Redis, db=target.db, **extra)


def sync_client(url: str, **kwargs):
    """The same for the command-line tools (redis-py's blocking clients)."""
    from redis import Redis

    target = parse(url)
    if target.kind == "single":
        return Redis.from_url(url, **kwargs)
    auth = {"username": target.username, "password": target.password}
    if target.cluster:
        from redis.cluster import ClusterNode, RedisCluster

        return RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in target.nodes], **auth, **kwargs
        )
    from redis.sentinel import Sentinel

    sentinel = Sentinel(list(target.nodes), **auth, **kwargs)
    return sentinel.master_for(target.service, db=target.db)
