"""A scriptable stand-in for the Rasa server (REST webhook, trigger_intent, GET /), standard library only.

rasa = FakeRasa().start()
rasa.on_message = lambda body: [{"text": "ciao"}]     # or raise FakeRasa.Fail(500)
rasa.mode = "error" | "slow" | "ok"                     # 500s, or sleeps `slow_seconds`
rasa.requests                                          # every request: (method, path, json body)
rasa.stop()
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tools.processes import free_port


class FakeRasa:
    class Fail(Exception):
        def __init__(self, status: int = 500):
            super().__init__(status)
            self.status = status

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.mode = "ok"
        self.slow_seconds = 3.0
        self.requests: list[tuple[str, str, Any]] = []
        self.on_message: Callable[[dict], list[dict]] = lambda body: [
            {"text": f"echo: {body.get('message')}"}
        ]
        self.on_trigger: Callable[[str, dict], list[dict]] = lambda sender, body: [
            {"text": f"intent: {body.get('name')}"}
        ]
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._connections: set = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def messages(self) -> list[dict]:
        with self._lock:
            return [body for method, path, body in self.requests if path.startswith("/webhooks/rest/webhook")]

    def start(self) -> FakeRasa:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def setup(self):
                super().setup()
                with fake._lock:
                    fake._connections.add(self.connection)

            def finish(self):
                with fake._lock:
                    fake._connections.discard(self.connection)
                super().finish()

            def _send(self, status: int, payload: Any) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                with fake._lock:
                    fake.requests.append(("GET", self.path, None))
                if fake.mode == "error":
                    return self._send(500, {"error": "down"})
                return self._send(200, {"version": "fake"})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = None
                with fake._lock:
                    fake.requests.append(("POST", self.path, body))
                if fake.mode == "error":
                    return self._send(500, {"error": "internal"})
                if fake.mode == "slow":
                    time.sleep(fake.slow_seconds)
                try:
                    if self.path.startswith("/webhooks/rest/webhook"):
                        return self._send(200, fake.on_message(body))
                    if "/trigger_intent" in self.path:
                        sender = self.path.split("/")[2]
                        return self._send(
                            200,
                            {"tracker": {}, "messages": fake.on_trigger(sender, body)},
                        )
                except FakeRasa.Fail as fail:
                    return self._send(fail.status, {"error": "scripted failure"})
                return self._send(404, {"error": "not found"})

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-rasa", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop like a crashed Rasa: no new connections, and open keep-alive connections are cut."""
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> FakeRasa:  # noqa: PYI034 - Python 3.10 has no typing.Self
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def hands_off_during_turn(
    hub_url: str, token: str, summary: dict[str, Any], say: Callable[[dict], str]
) -> Callable[[dict], list[dict]]:
    """An `on_message` that plays the action server asking for a hand-off while the hub waits for
    Rasa's answer to that same message (`POST {hub_url}/v1/internal/conversations/{sender}/handoff`,
    reason request_human, with `summary`; `{customer_words}` in a summary value is the message),
    then answers `say(hub's result)`."""

    def reply(body: dict) -> list[dict]:
        filled = {
            k: (v.replace("{customer_words}", body["message"]) if isinstance(v, str) else v)
            for k, v in summary.items()
        }
        request = urllib.request.Request(
            f"{hub_url}/v1/internal/conversations/{body['sender']}/handoff",
            data=json.dumps({"reason": "request_human", "summary": filled}).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            return [{"text": say(json.loads(response.read()))}]

    return reply
