"""Helpers shared by the blueprints: JSON bodies, bearer tokens, a socket writer."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from sanic import Request

from handoff.errors import ClientError

log = logging.getLogger("handoff.ws")


def read_json(request: Request, required: bool = True) -> dict[str, Any]:
    body = request.body or b""
    if not body.strip():
        if required:
            raise ClientError("invalid_json", "a JSON object body is required")
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ClientError("invalid_json", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ClientError("invalid_json", "the body must be a JSON object")
    return data


def read_frame(raw: Any) -> dict[str, Any]:
    """A WebSocket frame as a JSON object, or ClientError("invalid_json") (the socket stays open)."""
    try:
        data = json.loads(raw)
    except (ValueError, TypeError):
        raise ClientError("invalid_json", "the frame is not valid JSON") from None
    if not isinstance(data, dict):
        raise ClientError("invalid_json", "the frame must be a JSON object")
    return data


def bearer(request: Request, allow_query: bool = False) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    if allow_query:
        return request.args.get("token") or None
    return None


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
