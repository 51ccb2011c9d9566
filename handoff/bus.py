"""Live delivery across hub processes: Redis pub/sub wake-ups, local listeners, catch-up by stream id.

Bus messages are typed (the dataclasses below) and travel as JSON with readable keys. Pub/sub is
only a wake-up: customer sockets always read the stream from their last id, so a lost message
costs latency, never an event. An event carries the id of the event before it in the stream
(`prev`): a socket that has delivered exactly up to `prev` sends it at once, without reading the
stream; any other socket reads the stream from its last id. The process that stores an event offers
it to its own customer sockets first (`deliver_local`), before the pub/sub round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from redis.exceptions import RedisError

log = logging.getLogger("handoff.bus")


@dataclass(frozen=True)
class EventStored:
    """An event was added to a conversation's stream (with the conversation's status and agent)."""

    conversation_id: str
    event: dict[str, Any]
    status: str = ""
    agent_id: str = ""
    prev: str | None = None  # the event before it in the stream ('' if it is the first; None unknown)
    kind = "event"


@dataclass(frozen=True)
class Typing:
    """Someone is typing in a conversation (`sender`: customer, bot or agent)."""

    conversation_id: str
    sender: str
    agent: dict[str, Any] | None = None  # the agent who types, as customers see them
    agent_id: str = ""  # the agent assigned to the conversation (who should see a customer type)
    kind = "typing"


@dataclass(frozen=True)
class AgentNotice:
    """A message for agents' consoles: one agent (`agent_id`) or all of them (None)."""

    message: dict[str, Any]
    agent_id: str | None = None
    kind = "agent"


@dataclass(frozen=True)
class Wake:
    """Local only: catch up from the stream (sent to sockets after a pub/sub reconnection)."""

    conversation_id: str
    kind = "wake"


BusMessage = EventStored | Typing | AgentNotice | Wake
_TYPES: dict[str, type] = {t.kind: t for t in (EventStored, Typing, AgentNotice)}
Listener = Callable[[BusMessage], Awaitable[None]]


def encode(message: BusMessage) -> str:
    return json.dumps({"kind": message.kind, **asdict(message)}, ensure_ascii=False, separators=(",", ":"))


def decode(raw: str | bytes) -> BusMessage | None:
    """The message, or None for anything this version does not understand."""
    try:
        data = json.loads(raw)
        cls = _TYPES[data.pop("kind")]
        return cls(**data)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


class EventBus:
    """One subscriber task per process; messages are fanned out to local listeners."""

    def __init__(self, redis, channel: str):
        self.r = redis
        self.channel = channel
        self.conv_listeners: dict[str, set[Listener]] = defaultdict(set)
        self.agent_listeners: set[Listener] = set()
        self._task: asyncio.Task | None = None
        self._ready = asyncio.Event()
        self._stopping = False

    async def publish(self, message: BusMessage) -> None:
        try:
            await self.r.publish(self.channel, encode(message))
        except Exception:  # the stream is the source of truth; sockets catch up on their own
            log.warning("publish failed", exc_info=True)

    async def deliver_local(self, message: BusMessage) -> None:
        """Offer a message to this process's listeners of its conversation now (the same message
        comes back through pub/sub to every listener: conversation listeners must take it twice
        safely, as customer sockets do by event id)."""
        cid = getattr(message, "conversation_id", None)
        for listener in list(self.conv_listeners.get(cid, ())) if cid else ():
            try:
                await listener(message)
            except Exception:
                log.debug("listener failed", exc_info=True)

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
                    for cid in list(self.conv_listeners):
                        await self._dispatch(Wake(cid))
                first = False
                # a plain blocking read (no per-call time-out: a cancel landing inside a read
                # time-out can be swallowed); stop() cancels the task
                async for raw in pubsub.listen():
                    message = decode(raw.get("data") or "")
                    if message is not None:
                        await self._dispatch(message)
            except asyncio.CancelledError:
                raise
            except Exception:  # any connection trouble: reconnect
                if self._stopping:
                    return
                log.warning("pub/sub connection lost; reconnecting", exc_info=True)
                await asyncio.sleep(0.5)
            finally:
                await _close(pubsub)

    async def _dispatch(self, message: BusMessage) -> None:
        targets: list[Listener] = []
        cid = getattr(message, "conversation_id", None)
        if cid:
            targets.extend(self.conv_listeners.get(cid, ()))
        if not isinstance(message, Wake):
            targets.extend(self.agent_listeners)
        for listener in targets:
            try:
                await listener(message)
            except Exception:
                log.debug("listener failed", exc_info=True)


async def _close(pubsub) -> None:
    with contextlib.suppress(RedisError, OSError, TimeoutError, asyncio.CancelledError):
        await asyncio.wait_for(pubsub.aclose(), timeout=2)
