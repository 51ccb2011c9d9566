"""Starting local processes for development and tests: free ports, readiness checks, a private Redis.

Standard library only, importable on Python 3.10 and 3.11+: the `make run` launcher
(tools/devstack.py) and the test suites (tests/support) share these.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Optional


def free_port(preferred: Optional[int] = None, host: str = "127.0.0.1") -> int:
    """``preferred`` when it is free on ``host``, otherwise any free port."""
    if preferred:
        with socket.socket() as probe:
            try:
                probe.bind((host, preferred))
                return preferred
            except OSError:
                pass
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_for(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    proc: Optional[subprocess.Popen] = None,
    log: Optional[Path] = None,
    interval: float = 0.5,
) -> None:
    """Poll ``check()`` until it is true; fail early, with the log's tail, if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with code {proc.returncode}.\n{tail}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(interval)
    raise RuntimeError(f"{what} not ready after {timeout:.0f} s" + (f" (log: {log})" if log else ""))


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """True when something accepts connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def http_ok(url: str) -> bool:
    """True when ``url`` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def redis_argv(binary: str, port: int, data_dir: Path, appendonly: bool = True) -> list[str]:
    """A private redis-server on loopback; with AOF (`appendfsync everysec`) unless told otherwise."""
    return [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--appendonly",
        "yes" if appendonly else "no",
        "--appendfsync",
        "everysec",
        "--save",
        "",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
    ]


def redis_pong(port: int, host: str = "127.0.0.1") -> bool:
    """True when the Redis on ``host:port`` answers PING."""
    with socket.create_connection((host, port), timeout=1) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(16).startswith(b"+PONG")
