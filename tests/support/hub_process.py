"""Start the hub as a real process (`python -m handoff`) on a free port, for multi-process tests.

with HubProcess(env={"REDIS_URL": ..., "RASA_URL": ...}) as hub:
    hub.url   # http://127.0.0.1:<port>
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tools.processes import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(REPO_ROOT / ".venv" / "hub" / "bin" / "python")


def run_handoff(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    """`python -m handoff …` run to its end (serve refusing a configuration, the agents CLI), with
    only `env` and a minimal PATH; output captured as text."""
    return subprocess.run(
        [PYTHON, "-m", "handoff", *args],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class HubProcess:
    def __init__(self, env: dict[str, str], python: str | None = None, port: int | None = None):
        self.port = port or free_port()
        self.python = python or str(REPO_ROOT / ".venv" / "hub" / "bin" / "python")
        if not Path(self.python).exists():
            self.python = sys.executable
        self.env = {
            **os.environ,
            **env,
            "HUB_PORT": str(self.port),
            "HUB_HOST": "127.0.0.1",
        }
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        self.process: subprocess.Popen | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__/close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> HubProcess:
        self.process = subprocess.Popen(
            [self.python, "-m", "handoff", "serve"],
            cwd=str(REPO_ROOT),
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub exited with {self.process.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.url + "/v1/health", timeout=1) as response:
                    response.read()
                return self
            except urllib.error.HTTPError:
                return self  # it answers (503 just means Rasa or Redis is not healthy)
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"hub did not start on port {self.port}:\n{self.output()}")

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def kill(self) -> None:
        """Die like a crashed process (SIGKILL): no shutdown hooks, nothing flushed."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None

    def __enter__(self) -> HubProcess:  # noqa: PYI034 - Python 3.10 has no typing.Self
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self._log.close()
