"""Helpers shared by the blueprints: JSON bodies, bearer tokens, a socket writer."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from typing import Any

from sanic import Request

from handoff import validation
from handoff.errors import ClientError

log = logging.getLogger("handoff.ws")
TOKEN_CHARS = re.compile(r"[\x21-\x7e]{1,4096}")
WS_UNAUTHORIZED = 4401  # close codes of a refused stream (after the upgrade; see api.md)
WS_NOT_FOUND = 4404


def read_json(request: Request, required: bool = True) -> dict[str, Any]:
    """The request's JSON object body (validation.json_object says what is refused)."""
    body = request.body or b""
    if not body.strip():
        if required:
            raise ClientError("invalid_json", "a JSON object body is required")
        return {}
    return validation.json_object(body, "body")


def read_frame(raw: Any) -> dict[str, Any]:
    """A WebSocket frame as a JSON object, or ClientError("invalid_json") (the socket stays open)."""
    if not isinstance(raw, str):
        raise ClientError("invalid_json", "send JSON text frames")
    return validation.json_object(raw, "frame")


def bearer(request: Request, allow_query: bool = False) -> str | None:
    """The bearer token of the request (header, or `?token=` where allowed); None when absent or
    not printable ASCII, which no token the hub issues ever is."""
    header = request.headers.get("authorization", "")
    token = None
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    elif allow_query:
        token = request.args.get("token")
    if not token or not TOKEN_CHARS.fullmatch(token):
        return None
    return token


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class SocketWriter:
    """Serialises sends on one socket; bus callbacks enqueue, never block the bus."""

    def __init__(self, ws, limit: int = 1000):
        self.ws = ws
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=limit)
        self.lock = asyncio.Lock()
        self.task = asyncio.create_task(self._run())
        self.closed = False

    async def send(self, obj: Any) -> None:
        async with self.lock:
            await self.ws.send(dumps(obj))

    def post(self, obj: Any) -> None:
        if self.closed:
            return
        try:
            self.queue.put_nowait(obj)
        except asyncio.QueueFull:  # a client that does not read: drop it, it will resume by id
            log.warning("socket too slow; closing it")
            self.closed = True
            asyncio.create_task(self.ws.close(code=1013, reason="too slow"))

    async def _run(self) -> None:
        while True:
            obj = await self.queue.get()
            try:
                await self.send(obj)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - any send failure means the socket is gone
                self.closed = True
                return

    async def stop(self) -> None:
        self.closed = True
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
