"""A private, throw-away redis-server for tests (never the shared one on 6379).

with RedisServer() as redis:        # or: server = RedisServer(); server.start(); ... server.stop()
    redis.url                        # redis://127.0.0.1:<port>/0
    redis.command("FLUSHALL")       # tiny RESP client, no dependencies
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tools.processes import free_port, redis_argv


def server_env() -> dict[str, str]:
    """The environment a test's redis-server runs with: ours without libfaketime (`make test-dates`
    runs the suites at another date; Redis is a server of its own on the machine's clock — and
    libfaketime cannot start redis-server's allocator)."""
    return {
        k: v
        for k, v in os.environ.items()
        if k != "LD_PRELOAD" and not k.startswith(("FAKETIME", "DONT_FAKE"))
    }


class RedisServer:
    def __init__(self, executable: str | None = None, appendonly: bool = True):
        self.executable = executable or shutil.which("redis-server") or "redis-server"
        self.appendonly = appendonly
        self.port: int | None = None
        self.dir: Path | None = None
        self.process: subprocess.Popen | None = None
        self.extra: list[str] = []  # more redis-server options (a cluster node's)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> RedisServer:
        self.dir = self.dir or Path(tempfile.mkdtemp(prefix="sportello-redis-"))
        self.port = self.port or free_port()
        self.process = subprocess.Popen(
            [*redis_argv(self.executable, self.port, self.dir, self.appendonly), *self.extra],
            stdout=subprocess.PIPE,  # redis-server logs (warnings only) to stdout
            stderr=subprocess.STDOUT,
            env=server_env(),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stdout.read().decode(errors="replace") if self.process.stdout else ""
                raise RuntimeError(f"redis-server exited early: {err}")
            try:
                if self.command("PING") == "PONG":
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise TimeoutError("redis-server did not answer PING")

    def command(self, *args: str) -> object:
        """Send one command with a minimal RESP client; returns the decoded reply."""
        payload = f"*{len(args)}\r\n".encode()
        for arg in args:
            data = str(arg).encode()
            payload += b"$" + str(len(data)).encode() + b"\r\n" + data + b"\r\n"
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(payload)
            reader = sock.makefile("rb")
            return _read_reply(reader)

    def crash(self) -> None:
        """Die like a crashed server (SIGKILL): what AOF has not written yet is lost."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)

    def shut_down(self) -> None:
        """Stop as an operator would (SIGTERM: the AOF is flushed); `start()` again brings the same
        data back on the same port."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process and self.process.stdout:
            self.process.stdout.close()
        self.process = None
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        self.port = None

    def __enter__(self) -> RedisServer:  # noqa: PYI034 - Python 3.10 has no typing.Self
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _read_reply(reader) -> object:
    line = reader.readline()
    if not line:
        raise OSError("connection closed")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RuntimeError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        if size < 0:
            return None
        data = reader.read(size + 2)
        return data[:-2].decode(errors="replace")
    if kind == b"*":
        count = int(rest)
        if count < 0:
            return None
        return [_read_reply(reader) for _ in range(count)]
    raise OSError(f"unexpected reply {line!r}")
