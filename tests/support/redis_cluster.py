"""A private, throw-away Redis Cluster for tests: three masters on free loopback ports, with AOF.

with RedisCluster() as cluster:     # or: cluster = RedisCluster().start(); ...; cluster.stop()
    cluster.url                     # redis+cluster://127.0.0.1:<p1>,127.0.0.1:<p2>,127.0.0.1:<p3>
    cluster.nodes                   # the three RedisServer processes (each answers `command()`)

Real `redis-server --cluster-enabled yes` processes joined by `redis-cli --cluster create`, as an
operator builds one; never the shared Redis on 6379.
"""

from __future__ import annotations

import shutil
import subprocess
import time

from tests.support.redis_server import RedisServer, server_env
from tools.processes import free_port


class ClusterNode(RedisServer):
    def start(self, timeout: float = 10.0) -> ClusterNode:
        # the cluster bus needs a port of its own (by default port + 10000, so the port must be
        # 55535 or less): both are picked free
        while self.port is None or self.port > 55535:
            self.port = free_port()
        self.extra = [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            "5000",
            "--cluster-port",
            str(free_port()),
        ]
        return super().start(timeout)


class RedisCluster:
    def __init__(self, masters: int = 3):
        self.nodes = [ClusterNode() for _ in range(masters)]

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{node.port}" for node in self.nodes)

    def start(self, timeout: float = 30.0) -> RedisCluster:
        cli = shutil.which("redis-cli")
        if cli is None:
            raise RuntimeError("redis-cli is not on PATH (it comes with redis-server)")
        try:
            for node in self.nodes:
                node.start()
            created = subprocess.run(
                [
                    cli,
                    "--cluster",
                    "create",
                    *(f"127.0.0.1:{node.port}" for node in self.nodes),
                    "--cluster-replicas",
                    "0",
                    "--cluster-yes",
                ],
                capture_output=True,
                env=server_env(),
                text=True,
                timeout=timeout,
                check=False,
            )
            if created.returncode != 0:
                raise RuntimeError(f"redis-cli --cluster create failed: {created.stdout}{created.stderr}")
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if all("cluster_state:ok" in str(node.command("CLUSTER", "INFO")) for node in self.nodes):
                    return self
                time.sleep(0.1)
            raise TimeoutError("the cluster did not reach cluster_state:ok")
        except BaseException:
            self.stop()
            raise

    def keys_per_node(self, pattern: str = "*") -> list[int]:
        return [len(node.command("KEYS", pattern) or []) for node in self.nodes]

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def __enter__(self) -> RedisCluster:  # noqa: PYI034 - Python 3.10 has no typing.Self
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
