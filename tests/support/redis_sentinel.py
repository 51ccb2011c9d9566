"""A private Redis behind Sentinel for tests: a master, a replica and one Sentinel on free ports.

with RedisSentinel() as group:
    group.url                       # redis+sentinel://127.0.0.1:<sentinel port>/sportello/0
    group.fail_over()               # the replica becomes the master (SENTINEL FAILOVER), waited for
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.redis_server import RedisServer, server_env
from tools.processes import free_port

SERVICE = "sportello"


class RedisSentinel:
    def __init__(self):
        self.master = RedisServer()
        self.replica = RedisServer()
        self.port: int | None = None
        self.dir: Path | None = None
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis+sentinel://127.0.0.1:{self.port}/{SERVICE}/0"

    def command(self, *args: str) -> object:
        probe = RedisServer()
        probe.port = self.port
        return probe.command(*args)

    def master_port(self) -> int:
        return int(self.command("SENTINEL", "get-master-addr-by-name", SERVICE)[1])

    def start(self, timeout: float = 30.0) -> RedisSentinel:
        try:
            self.master.start()
            self.replica.extra = ["--replicaof", "127.0.0.1", str(self.master.port)]
            self.replica.start()
            self.dir = Path(tempfile.mkdtemp(prefix="sportello-sentinel-"))
            self.port = free_port()
            config = self.dir / "sentinel.conf"
            config.write_text(
                f"port {self.port}\nbind 127.0.0.1\ndir {self.dir}\n"
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.master.port} 1\n"
                f"sentinel down-after-milliseconds {SERVICE} 2000\n"
                f"sentinel failover-timeout {SERVICE} 10000\n"
            )
            self.process = subprocess.Popen(
                [shutil.which("redis-server") or "redis-server", str(config), "--sentinel"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=server_env(),
            )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                try:
                    replicas = self.command("SENTINEL", "replicas", SERVICE)
                    if self.master_port() == self.master.port and replicas:
                        return self
                except (OSError, RuntimeError, TypeError):
                    pass
                time.sleep(0.2)
            raise TimeoutError("Sentinel did not see the master and its replica")
        except BaseException:
            self.stop()
            raise

    def fail_over(self, timeout: float = 30.0) -> None:
        """Promote the replica, as Sentinel does when the master dies, and wait until it serves."""
        self.command("SENTINEL", "FAILOVER", SERVICE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.master_port() == self.replica.port and "role:master" in str(
                self.replica.command("INFO", "replication")
            ):
                return
            time.sleep(0.2)
        raise TimeoutError("the fail-over did not finish")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
        self.replica.stop()
        self.master.stop()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> RedisSentinel:  # noqa: PYI034
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
