"""Live delivery across hub processes: Redis pub/sub wake-ups, local listeners, catch-up by stream id."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from redis.exceptions import RedisError

log = logging.getLogger("handoff.bus")

Listener = Callable[[dict[str, Any]], Awaitable[None]]


class EventBus:
    """One subscriber task per process; messages are fanned out to local listeners.

    Bus messages (JSON): {"k": "event", "c": cid, "e": event}, {"k": "typing", "c": cid, "from": ...},
    {"k": "agent", "to": aid | null, "m": message}. Pub/sub is only a wake-up: customer sockets always
    read the stream from their last id, so a lost message costs latency, never an event.
    """

    def __init__(self, redis, channel: str):
        self.r = redis
        self.channel = channel
        self.conv_listeners: dict[str, set[Listener]] = defaultdict(set)
        self.agent_listeners: set[Listener] = set()
        self._task: asyncio.Task | None = None
        self._ready = asyncio.Event()
        self._on_reconnect: list[Callable[[], Awaitable[None]]] = []
        self._stopping = False

    async def publish(self, message: dict[str, Any]) -> None:
        try:
            await self.r.publish(
                self.channel,
                json.dumps(message, ensure_ascii=False, separators=(",", ":")),
            )
        except Exception:  # the stream is the source of truth; sockets catch up on their own
            log.warning("publish failed", exc_info=True)

    def on_reconnect(self, callback: Callable[[], Awaitable[None]]) -> None:
        self._on_reconnect.append(callback)

    def listen_conversation(self, cid: str, listener: Listener) -> Callable[[], None]:
        self.conv_listeners[cid].add(listener)

        def remove() -> None:
            listeners = self.conv_listeners.get(cid)
            if listeners is not None:
                listeners.discard(listener)
                if not listeners:
                    self.conv_listeners.pop(cid, None)

        return remove

    def listen_agents(self, listener: Listener) -> Callable[[], None]:
        self.agent_listeners.add(listener)
        return lambda: self.agent_listeners.discard(listener)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="hub-bus")
        try:
            await asyncio.wait_for(self._ready.wait(), timeout=5)
        except TimeoutError:
            log.warning("pub/sub subscription not ready after 5 s; continuing (sockets poll too)")

    async def stop(self) -> None:
        self._stopping = True
        if self._task:
            self._task.cancel()
            done, _ = await asyncio.wait([self._task], timeout=3)
            if not done:
                log.warning("the pub/sub task did not stop in time; abandoning it")

    async def _run(self) -> None:
        first = True
        while not self._stopping:
            pubsub = self.r.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                self._ready.set()
                if not first:  # events may have been published while we were away: catch up
                    for cid, listeners in list(self.conv_listeners.items()):
                        for listener in list(listeners):
                            await listener({"k": "wake", "c": cid})
                    for callback in self._on_reconnect:
                        await callback()
                first = False
                # a plain blocking read (no per-call time-out: a cancel landing inside a read
                # time-out can be swallowed); stop() cancels the task
                async for message in pubsub.listen():
                    try:
                        data = json.loads(message["data"])
                    except (ValueError, TypeError, KeyError):
                        continue
                    await self._dispatch(data)
            except asyncio.CancelledError:
                raise
            except Exception:  # any connection trouble: reconnect
                if self._stopping:
                    return
                log.warning("pub/sub connection lost; reconnecting", exc_info=True)
                await asyncio.sleep(0.5)
            finally:
                await _close(pubsub)

    async def _dispatch(self, data: dict[str, Any]) -> None:
        targets: list[Listener] = []
        if data.get("c"):
            targets.extend(self.conv_listeners.get(data["c"], ()))
        targets.extend(self.agent_listeners)
        for listener in targets:
            try:
                await listener(data)
            except Exception:
                log.debug("listener failed", exc_info=True)


async def _close(pubsub) -> None:
    with contextlib.suppress(RedisError, OSError, TimeoutError, asyncio.CancelledError):
        await asyncio.wait_for(pubsub.aclose(), timeout=2)
