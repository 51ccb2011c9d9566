"""A development mail server: an SMTP server (aiosmtpd) that delivers nothing and keeps every mail it
receives as a file, so developers see what customers would get. `make run` starts it when no
SMTP_HOST is given, and the hub shows the folder at /dev/mail (HUB_DEV_MAILBOX).

    .venv/hub/bin/python -m tools.devmail --port 8025 --dir .run/mail

Each mail is `<time>-<n>.eml` (the message as received) in the folder (the hub's page reads it:
handoff/blueprints/devmail.py). Tests use the same class
(`DevMailServer`) on a free port; `stop()` and `start()` simulate the mail server going away.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import signal
import threading
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class _Keeper:
    def __init__(self, folder: Path):
        self.folder = folder
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self.lock:
            name = f"{time.time():.6f}-{next(self.counter)}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


class DevMailServer:
    """An SMTP server on 127.0.0.1:`port` that keeps what it receives in `folder`."""

    def __init__(self, folder: Path, port: int, host: str = "127.0.0.1"):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.host = host
        self.port = port
        self._controller: Controller | None = None

    def start(self) -> DevMailServer:
        self._controller = Controller(_Keeper(self.folder), hostname=self.host, port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[email.message.EmailMessage]:
        """The mails received so far, oldest first."""
        return read_mailbox(self.folder)


def read_mailbox(folder: Path) -> list[email.message.EmailMessage]:
    """The mails a development mail server kept in `folder`, oldest first."""
    return [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in sorted(Path(folder).glob("*.eml"), key=lambda p: float(p.name.split("-")[0]))
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", type=Path, default=Path(".run/mail"))
    args = parser.parse_args()
    server = DevMailServer(args.dir, args.port).start()
    print(f"development mail server on 127.0.0.1:{args.port}, keeping mails in {args.dir}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
