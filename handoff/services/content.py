"""The content version live in this hub process: the responses of the release `make ship` published.

A release (tools/ship.py) is published in the content store (handoff/store/content.py: its
domain.yml and its version) with a `content` notice on the bus.
Every hub process takes the new words in place (no restart, no conversation touched); a process
that starts later reads them from Redis too. Without a published release the hub says the words
of its own domain.yml (SPORTELLO_DOMAIN). A published domain the hub cannot use (broken YAML, a
response the hub needs missing) is refused: the process keeps its words and logs why.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from typing import Any

from handoff.bus import AgentNotice, BusMessage
from handoff.responses import Responses, ResponsesError
from handoff.store.content import ContentStore

log = logging.getLogger("handoff.content")
CONTENT_NOTICE = "content"


class Content:
    def __init__(self, store: ContentStore, responses: Responses, bus):
        self.store = store
        self.responses = responses
        self.bus = bus
        self.version: dict[str, Any] = {"version": "", "shipped_at": None, "hash": ""}
        self.process = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._remove = None

    async def start(self) -> None:
        await self.refresh()
        self._remove = self.bus.listen_agents(self._on_bus)

    def stop(self) -> None:
        if self._remove:
            self._remove()

    async def _on_bus(self, message: BusMessage) -> None:
        if isinstance(message, AgentNotice) and message.message.get("type") == CONTENT_NOTICE:
            await self.refresh()

    async def refresh(self) -> bool:
        """Take the published release's words if they are newer than ours; True when taken."""
        raw_version = await self.store.live_version()
        if not raw_version or raw_version.get("version") == self.version["version"]:
            return False
        text = await self.store.domain()
        if text is None:
            return False
        try:
            self.responses.replace(Responses.parse(text, f"release {raw_version.get('version')}"))
        except ResponsesError as exc:
            log.error(
                "content release %s refused, keeping %s: %s",
                raw_version.get("version"),
                self.version["version"] or "domain.yml",
                exc,
            )
            return False
        self.version = {
            "version": raw_version.get("version", ""),
            "shipped_at": float(raw_version["shipped_at"]) if raw_version.get("shipped_at") else None,
            "hash": raw_version.get("hash", ""),
        }
        await self.store.mark_loaded(self.process, self.version["version"])
        log.info("content release %s is live in this process", self.version["version"])
        return True

    def current(self) -> dict[str, Any] | None:
        """What the console shows: the live release (None while the hub says its own domain.yml)."""
        return dict(self.version) if self.version["version"] else None
