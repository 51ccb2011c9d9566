"""The hub's behaviour: conversations, the Rasa bridge, hand-offs, routing and agents' actions.

Blueprints stay thin and call these methods; state lives in Redis behind the store classes, so any
number of hub processes can share the work.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import re
import time
import uuid
from typing import Any

from handoff.bus import EventBus
from handoff.errors import ClientError, NotFound
from handoff.ids import is_ticket_id, new_visitor_id
from handoff.rasa import RasaClient, RasaUnavailable
from handoff.responses import Responses
from handoff.routing import RoutingMixin
from handoff.settings import Settings
from handoff.store import (
    AgentStore,
    ConversationStore,
    Keys,
    QueueStore,
    RateLimiter,
    TicketStore,
)
from handoff.store.agents import Agent
from handoff.tokens import Signer, TokenError
from handoff.views import ConsoleViewsMixin

log = logging.getLogger("handoff.hub")

REASONS = (
    "request_human",
    "frustration",
    "fallback",
    "problem",
    "ticket_followup",
    "bot_unavailable",
)
SUMMARY_FIELDS = (
    "problem_type",
    "order_number",
    "description",
    "email",
    "mood",
    "customer_words",
    "bot_tried",
    "order",
    "customer_name",
)
FRUSTRATED = ("frustrated", "angry")
CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
HUMAN_STATES = ("queued", "assigned", "offline")


SUMMARY_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SUMMARY_MAX_BYTES = 16 * 1024


def validate_summary(summary: Any) -> dict[str, Any]:
    """The bot's case card: the documented fields plus any extra simple ones (e.g. mood_reasons).

    Strings, numbers and lists of them are kept; `order` may be an object; empty values are
    dropped; the whole card must stay under 16 KiB.
    """
    if summary is None:
        return {}
    if not isinstance(summary, dict):
        raise ClientError("invalid_summary", "summary must be an object")
    clean: dict[str, Any] = {}
    for key, value in summary.items():
        if not isinstance(key, str) or not SUMMARY_KEY_RE.match(key):
            raise ClientError("invalid_summary", f"summary key {str(key)[:40]!r} is not a field name")
        if isinstance(value, dict):
            if key != "order":
                raise ClientError("invalid_summary", f"summary.{key} must be a string")
        elif isinstance(value, list):
            if not all(isinstance(v, (str, int, float)) for v in value):
                raise ClientError("invalid_summary", f"summary.{key} must be a list of strings")
            value = [str(v).strip()[:500] for v in value][:30]
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, (int, float)):
            value = str(value)
        elif isinstance(value, str):
            value = value.strip()[:4000]
        elif value is not None:
            raise ClientError("invalid_summary", f"summary.{key} must be a string")
        if value not in (None, "", [], {}):
            clean[key] = value
    if len(json.dumps(clean, ensure_ascii=False).encode()) > SUMMARY_MAX_BYTES:
        raise ClientError("invalid_summary", "summary is larger than 16 KiB", 413)
    return clean


class Hub(RoutingMixin, ConsoleViewsMixin):
    """Conversations, the Rasa bridge, hand-offs and agents' actions (routing and views in mixins)."""

    def __init__(self, settings: Settings, redis, responses: Responses, rasa: RasaClient):
        self.settings = settings
        self.r = redis
        self.responses = responses
        self.rasa = rasa
        self.keys = Keys(settings.key_prefix)
        ttl = settings.retention_seconds
        self.convs = ConversationStore(redis, self.keys, ttl)
        self.agents = AgentStore(redis, self.keys, settings.heartbeat_timeout, ttl)
        self.tickets = TicketStore(redis, self.keys, ttl)
        self.queue = QueueStore(redis, self.keys, ttl, settings.default_handling_seconds)
        self.limits = RateLimiter(redis, self.keys)
        self.bus = EventBus(redis, self.keys.channel())
        self.signer = Signer(settings.secret)
        self._bot_workers: dict[str, asyncio.Task] = {}
        self._bot_kicked: set[str] = set()
        self.owner = f"{os.getpid()}:{uuid.uuid4().hex[:12]}"  # this process, for bot leases
        self._tasks: set[asyncio.Task] = set()
        self._drain_lock = asyncio.Lock()
        self._positions_lock = asyncio.Lock()
        self._sweeper: asyncio.Task | None = None
        self.canned_selection: list[dict[str, str]] | None = None  # from the canned file, if any

    # lifecycle ------------------------------------------------------------
    async def start(self, sweeper: bool = True) -> None:
        await self.bus.start()
        if sweeper:
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="hub-sweeper")

    async def stop(self) -> None:
        if self._sweeper:
            self._sweeper.cancel()
        for task in list(self._tasks):
            task.cancel()
        pending = [t for t in [self._sweeper, *self._tasks] if t]
        if pending:
            await asyncio.wait(pending, timeout=3)
        await self.bus.stop()

    def spawn(self, coro, name: str | None = None) -> asyncio.Task:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def idle(self, timeout: float = 5.0) -> None:
        """Wait until no background work (bot calls, resolves) is pending — for tests and shutdown."""
        deadline = time.monotonic() + timeout
        while (self._tasks or self._bot_workers) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    # events -----------------------------------------------------------------
    async def emit(
        self, cid: str, event: dict[str, Any], client_id: str | None = None
    ) -> tuple[str, bool, dict]:
        """Store an event in the conversation's stream, then wake every process that listens."""
        eid, new, stored, _ = await self.convs.append(cid, event, client_id)
        if new:
            await self._publish_event(cid, stored)
        return eid, new, stored

    async def _publish_event(self, cid: str, stored: dict[str, Any]) -> None:
        status, agent_id = await self.r.hmget(self.keys.conv(cid), "status", "agent_id")
        await self.bus.publish(
            {
                "k": "event",
                "c": cid,
                "e": stored,
                "s": status or "",
                "a": agent_id or "",
            }
        )

    async def typing(self, cid: str, who: str, agent_name: str | None = None) -> None:
        message: dict[str, Any] = {"k": "typing", "c": cid, "from": who}
        if agent_name:
            message["agent"] = {"name": agent_name}
        if who == "customer":
            message["a"] = await self.r.hget(self.keys.conv(cid), "agent_id") or ""
        await self.bus.publish(message)

    async def notify_agent(self, aid: str | None, message: dict[str, Any]) -> None:
        await self.bus.publish({"k": "agent", "to": aid, "m": message})

    # agent tokens -------------------------------------------------------------
    def issue_agent_token(self, agent: Agent) -> dict[str, Any]:
        ttl = self.settings.agent_token_ttl
        token = self.signer.sign("agent", {"sub": agent.id, "ver": agent.token_version}, ttl=ttl)
        return {
            "token": token,
            "expires_at": int(time.time() + ttl),
            "agent": agent.public(),
        }

    async def authenticate_agent(self, token: str | None) -> Agent:
        """The agent of a valid token; disabled agents and old token versions are refused."""
        payload = self.signer.verify(token, "agent")
        agent = await self.agents.get(str(payload.get("sub") or ""))
        if agent is None or agent.disabled or payload.get("ver") != agent.token_version:
            raise TokenError("token no longer valid")
        return agent

    # customers --------------------------------------------------------------
    async def create_conversation(self, visitor_token: Any, ip: str) -> dict[str, str]:
        if not await self.limits.hit("conv", ip or "-", self.settings.rate_conversations_per_minute):
            raise ClientError(
                "rate_limited",
                "too many new conversations from this address; retry in a minute",
                429,
            )
        visitor_id = None
        if isinstance(visitor_token, str) and visitor_token:
            try:
                visitor_id = self.signer.verify(visitor_token, "visitor").get("vid")
            except TokenError:
                visitor_id = None  # forged or expired: a fresh visitor
        if not isinstance(visitor_id, str) or not visitor_id:
            visitor_id = new_visitor_id()
        cid = await self.convs.create(visitor_id)
        ttl = self.settings.retention_seconds
        return {
            "conversation_id": cid,
            "token": self.signer.sign("conversation", {"cid": cid, "vid": visitor_id}, ttl=ttl),
            "visitor_token": self.signer.sign("visitor", {"vid": visitor_id}, ttl=ttl),
        }

    def verify_conversation_token(self, token: str | None, cid: str) -> dict[str, Any]:
        payload = self.signer.verify(token, "conversation")
        if payload.get("cid") != cid:
            raise TokenError("token is for another conversation")
        return payload

    def _check_text(self, text: Any, *, allow_empty: bool = False) -> str:
        if text is None and allow_empty:
            return ""
        if not isinstance(text, str):
            raise ClientError("invalid_message", "text must be a string")
        text = text.strip()
        if not text and not allow_empty:
            raise ClientError("empty_message", "text must not be empty")
        if len(text) > self.settings.max_message_length:
            raise ClientError(
                "too_long",
                f"text is longer than {self.settings.max_message_length} characters",
                413,
            )
        return text

    @staticmethod
    def _check_client_id(client_id: Any) -> str:
        if not isinstance(client_id, str) or not CLIENT_ID_RE.match(client_id):
            raise ClientError(
                "invalid_client_id",
                "client_id must be a UUID (8-64 letters, digits, - or _)",
            )
        return client_id

    async def customer_message(self, cid: str, visitor_id: str, body: Any) -> dict[str, Any]:
        """Validate, store once per client_id, ack; in bot mode forward it to Rasa (in order)."""
        if not isinstance(body, dict):
            raise ClientError("invalid_json", "the body must be a JSON object")
        if body.get("type", "message") != "message":
            raise ClientError("unknown_type", "expected type 'message'")
        client_id = self._check_client_id(body.get("client_id"))
        payload = body.get("payload")
        if payload is not None and (not isinstance(payload, str) or not payload or len(payload) > 500):
            raise ClientError(
                "invalid_payload",
                "payload must be one of the buttons of the latest bot message",
            )
        text = self._check_text(body.get("text"), allow_empty=payload is not None)
        known = await self.convs.client_event_id(cid, client_id)
        if known:
            return {"type": "ack", "client_id": client_id, "id": known}
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "this conversation does not exist (any more)")
        if payload is not None:
            button = next(
                (b for b in conv["buttons"] if isinstance(b, dict) and b.get("payload") == payload),
                None,
            )
            if button is None:
                raise ClientError(
                    "invalid_payload",
                    "payload must be one of the buttons of the latest bot message",
                )
            text = text or str(button.get("title") or payload)
        if not await self.limits.hit("msg", cid, self.settings.rate_messages_per_minute):
            raise ClientError("rate_limited", "too many messages; slow down a little", 429)
        event = {
            "type": "message",
            "from": "customer",
            "text": text,
            "client_id": client_id,
        }
        turn = {
            "message": payload or text,
            "text": text,
            "visitor_id": visitor_id or conv.get("visitor_id", ""),
        }
        # the pending bot turn is recorded atomically with the message (if in bot mode then)
        eid, new, stored, queued = await self.convs.append(cid, event, client_id, bot_turn=turn)
        if new:
            await self._publish_event(cid, stored)
        if queued:
            self._wake_bot(cid)
        return {"type": "ack", "client_id": client_id, "id": eid}

    # the Rasa bridge ----------------------------------------------------------
    # Pending bot turns live in Redis (`conv:{cid}:bot`, recorded with the customer's message).
    # One process at a time holds a conversation's lease (`conv:{cid}:bot-lease`, renewed while it
    # works) and answers the turns in order; if it dies, the lease expires and any process's
    # sweeper takes over. No lock is held across the Rasa call beyond this lease, which nothing else
    # (e.g. the internal hand-off endpoint) waits for.
    def _wake_bot(self, cid: str) -> None:
        if cid in self._bot_workers:
            self._bot_kicked.add(cid)  # the local worker re-checks before letting go
            return
        self._bot_workers[cid] = self.spawn(self._bot_worker(cid), name=f"bot-{cid}")

    async def sweep_bot_turns(self) -> int:
        """Take over pending bot turns whose lease expired (their process died); returns how many."""
        started = 0
        older_than = time.time() - min(1.0, self.settings.bot_lease_seconds)
        for cid in await self.convs.pending_bot_conversations(older_than):
            if cid in self._bot_workers:
                continue
            if await self.r.exists(self.keys.bot_lease(cid)):
                continue
            self._wake_bot(cid)
            started += 1
        return started

    async def _bot_worker(self, cid: str) -> None:
        lease = self.settings.bot_lease_seconds
        renewer: asyncio.Task | None = None
        try:
            if not await self.convs.acquire_bot_lease(cid, self.owner, lease):
                return  # another process is answering this conversation
            lost = asyncio.Event()
            renewer = asyncio.create_task(self._renew_bot_lease(cid, lost))
            while not lost.is_set():
                self._bot_kicked.discard(cid)
                turn = await self.convs.next_bot_turn(cid)
                if turn is None:
                    left = await self.convs.release_bot_lease(cid, self.owner)
                    if left > 0:
                        continue
                    if (
                        left == 0
                        and cid in self._bot_kicked
                        and await self.convs.acquire_bot_lease(cid, self.owner, lease)
                    ):
                        continue
                    break
                try:
                    await self._bot_turn(cid, turn)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("bot turn failed for conversation %s", cid)
                    # skip it (as a poison message would otherwise block the conversation)
                    await self.convs.finish_bot_turn(cid, str(turn.get("eid")), [], None)
        finally:
            if renewer is not None:
                renewer.cancel()
            if self._bot_workers.get(cid) is asyncio.current_task():
                del self._bot_workers[cid]

    async def _renew_bot_lease(self, cid: str, lost: asyncio.Event) -> None:
        lease = self.settings.bot_lease_seconds
        while True:
            await asyncio.sleep(lease / 3)
            try:
                if not await self.convs.renew_bot_lease(cid, self.owner, lease):
                    log.warning("lost the bot lease of conversation %s", cid)
                    lost.set()
                    return
            except Exception:
                log.warning("could not renew the bot lease of %s", cid, exc_info=True)

    async def _keep_typing(self, cid: str) -> None:
        while True:
            await self.typing(cid, "bot")
            await asyncio.sleep(4)

    async def _bot_turn(self, cid: str, turn: dict[str, Any]) -> None:
        turn_eid = str(turn.get("eid") or "")
        message = str(turn.get("message") or "")
        text = str(turn.get("text") or "")
        status = await self.r.hget(self.keys.conv(cid), "status")
        if status != "bot":
            # a person has taken over meanwhile: the message is already theirs
            await self.convs.finish_bot_turn(cid, turn_eid, [], None)
            return
        typing = asyncio.create_task(self._keep_typing(cid))
        try:
            items = await self.rasa.send(cid, message, {"visitor_id": turn.get("visitor_id") or ""})
        except RasaUnavailable as exc:
            log.warning("Rasa unavailable for conversation %s: %s", cid, exc)
            typing.cancel()
            apology = self.responses.render("utter_hub_bot_unavailable")
            if await self._finish_bot_turn(cid, turn_eid, [apology]):
                result = await self.handoff(cid, "bot_unavailable", {"customer_words": text})
                await self.announce_handoff(cid, result)
            return
        finally:
            typing.cancel()
        await self._finish_bot_turn(cid, turn_eid, items)

    async def _finish_bot_turn(self, cid: str, turn_eid: str, items: list[dict[str, Any]]) -> bool:
        """Store the answer to a pending turn once (atomically with removing the turn)."""
        events, buttons = self._bot_events(items)
        stored = await self.convs.finish_bot_turn(cid, turn_eid, events, buttons)
        if stored is None:
            log.info("bot turn %s of %s was already answered", turn_eid, cid)
            return False
        for event in stored:
            await self._publish_event(cid, event)
        return True

    async def say(self, cid: str, response: str, **values: Any) -> None:
        rendered = self.responses.render(response, **values)
        await self.bot_items(cid, [rendered])

    async def announce_handoff(self, cid: str, result: dict[str, Any]) -> None:
        """Tell the customer the outcome of a hand-off the hub made itself (domain.yml words)."""
        agent = result.get("agent") or {}
        eta = result.get("eta_seconds")
        await self.say(
            cid,
            f"utter_handoff_{result['status']}",
            agent_name=agent.get("name"),
            ticket_id=result.get("ticket_id"),
            queue_position=result.get("queue_position"),
            eta_minutes=max(1, math.ceil(eta / 60)) if eta is not None else None,
        )

    @staticmethod
    def _bot_events(
        items: list[dict[str, Any]],
    ) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
        """Rasa's answers (text, buttons, image, custom) as bot message events, plus the buttons."""
        events: list[dict[str, Any]] = []
        turn_buttons: list[dict[str, str]] = []
        for item in items:
            event: dict[str, Any] = {
                "type": "message",
                "from": "bot",
                "text": str(item.get("text") or ""),
            }
            buttons = []
            for button in item.get("buttons") or []:
                if isinstance(button, dict) and button.get("payload"):
                    buttons.append(
                        {
                            "title": str(button.get("title") or ""),
                            "payload": str(button["payload"]),
                        }
                    )
            if buttons:
                event["buttons"] = buttons
                turn_buttons.extend(buttons)
            if isinstance(item.get("image"), str):
                event["image"] = item["image"]
            if item.get("custom") is not None:
                event["custom"] = item["custom"]
            if not event["text"] and len(event) == 3:
                continue
            events.append(event)
        return events, turn_buttons

    async def bot_items(self, cid: str, items: list[dict[str, Any]]) -> None:
        """Store Rasa's answers (text, buttons, image, custom) as bot messages."""
        events, turn_buttons = self._bot_events(items)
        for event in events:
            await self.emit(cid, event)
        await self.convs.set_fields(cid, {"buttons": turn_buttons})

    # hand-offs ----------------------------------------------------------------
    async def handoff(
        self,
        cid: str,
        reason: str,
        summary: dict[str, Any] | None = None,
        ticket_id: str | None = None,
        priority: str | None = None,
    ) -> dict[str, Any]:
        """Open a hand-off (exactly one per conversation, however many race); idempotent."""
        if reason not in REASONS:
            raise ClientError("invalid_reason", f"reason must be one of {', '.join(REASONS)}")
        if priority not in (None, "normal", "high"):
            raise ClientError("invalid_priority", "priority must be 'normal' or 'high'")
        if ticket_id is not None and not is_ticket_id(ticket_id):
            raise ClientError("invalid_ticket_id", "ticket_id must look like T6QYJ5XKA")
        summary = validate_summary(summary)
        now = time.time()
        outcome, previous = await self.convs.begin_handoff(cid, now)
        if outcome == "missing":
            raise NotFound("conversation_not_found", "unknown conversation")
        if outcome == "routing":
            for _ in range(500):
                await asyncio.sleep(0.01)
                if await self.r.hget(self.keys.conv(cid), "status") != "routing":
                    break
            else:
                raise ClientError(
                    "handoff_in_progress",
                    "a hand-off is being routed; retry shortly",
                    409,
                )
            outcome = "open"
        if outcome == "open":
            if summary:
                merged = await self.convs.merge_summary(cid, summary)
                tid = await self.r.hget(self.keys.conv(cid), "ticket_id")
                if tid:
                    await self.tickets.reopen(tid, cid, merged)
            return await self.handoff_state(cid)
        try:
            return await self._open_handoff(cid, reason, summary, ticket_id, priority, now)
        except Exception:
            await self.convs.set_fields(cid, {"status": previous if previous in ("bot", "") else "bot"})
            raise

    async def _open_handoff(self, cid, reason, summary, ticket_id, priority, now) -> dict[str, Any]:
        conv = await self.convs.get(cid) or {}
        visitor_id = conv.get("visitor_id", "")
        merged = {**(conv.get("summary") or {}), **summary}
        mood = merged.get("mood") or ""
        if priority != "high" and (mood in FRUSTRATED or reason == "frustration"):
            priority = "high"  # an angry customer goes first, whatever the caller said
        priority = priority or "normal"
        sticky: list[str] = []
        ticket = await self.tickets.get(ticket_id) if ticket_id else None
        if ticket is not None:
            await self.tickets.reopen(ticket_id, cid, merged, now)
            tid = ticket_id
            if ticket.get("agent"):
                sticky.append(ticket["agent"]["id"])
        else:
            tid = await self.tickets.open(cid, visitor_id, merged, now)
        email = str(merged.get("email") or "").strip().lower()
        if email:
            await self.convs.index_email(cid, email, now)
        sticky += [conv.get("last_agent_id", ""), conv.get("previous_agent_id", "")]
        sticky += await self._customer_agents(visitor_id, email, exclude=cid)
        await self.convs.set_fields(
            cid,
            {
                "reason": reason,
                "priority": priority,
                "mood": mood,
                "problem_type": merged.get("problem_type", ""),
                "order_number": merged.get("order_number", ""),
                "customer_name": merged.get("customer_name", ""),
                "email": email,
                "ticket_id": tid,
                "handoff_at": now,
                "summary": merged,
                "queue_position": "",
            },
        )
        status, agent = await self._place(cid, sticky, merged.get("problem_type") or "", priority, now)
        result: dict[str, Any] = {"status": status, "agent": None, "ticket_id": tid}
        event: dict[str, Any] = {
            "type": "handoff",
            "status": status,
            "ticket_id": tid,
            "reason": reason,
        }
        if agent is not None:
            await self.tickets.set_agent(tid, agent.id, agent.name)
            result["agent"] = event["agent"] = agent.for_customer(with_id=True)
        if status == "queued":
            position = await self.queue.position(cid) or 1
            eta = await self._eta(position)
            result.update(queue_position=position, eta_seconds=eta)
            event.update(queue_position=position, eta_seconds=eta)
            await self.convs.set_fields(cid, {"queue_position": position})
        await self.emit(cid, event)
        if agent is not None:
            await self.notify_agent(
                agent.id,
                {"type": "assigned", "conversation": await self.conversation_view(cid)},
            )
        if status in ("queued", "offline"):
            await self.queue_changed()
        return result

    # agents' actions ----------------------------------------------------------------
    async def claim(self, cid: str, agent: Agent) -> dict[str, Any]:
        if not await self.convs.exists(cid):
            raise NotFound("conversation_not_found", "unknown conversation")
        result = await self.convs.assign(cid, agent.id, ("queued", "offline"))
        if result == -1:
            raise ClientError(
                "at_capacity",
                "you are at your capacity; resolve or transfer a conversation first",
                409,
            )
        if result != 1:
            raise ClientError("not_claimable", "this conversation is not waiting for an agent", 409)
        await self._announce_assigned(cid, agent.id)
        await self.queue_changed()
        return await self.conversation_view(cid)

    async def _require_assigned(self, cid: str, agent: Agent) -> dict[str, Any]:
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "unknown conversation")
        if conv.get("status") != "assigned" or conv.get("agent_id") != agent.id:
            raise ClientError("not_assigned", "this conversation is not assigned to you", 409)
        return conv

    async def agent_message(self, cid: str, agent: Agent, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ClientError("invalid_json", "the body must be a JSON object")
        client_id = self._check_client_id(body.get("client_id"))
        text = self._check_text(body.get("text"))
        await self._require_assigned(cid, agent)
        event = {
            "type": "message",
            "from": "agent",
            "text": text,
            "agent": agent.for_customer(),
            "client_id": client_id,
        }
        eid, _, _ = await self.emit(cid, event, client_id=f"agent:{client_id}")
        return {"type": "ack", "client_id": client_id, "id": eid}

    async def add_note(self, cid: str, agent: Agent, text: Any) -> dict[str, Any]:
        text = self._check_text(text)
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "unknown conversation")
        note = {
            "text": text,
            "agent": {"id": agent.id, "name": agent.name},
            "ts": time.time(),
        }
        await self.convs.add_note(cid, note)
        await self.notify_agent(None, {"type": "note", "conversation_id": cid, "note": note})
        return note

    async def transfer(self, cid: str, agent: Agent, to_id: Any, note: Any = None) -> dict[str, Any]:
        if not isinstance(to_id, str) or not to_id:
            raise ClientError("invalid_agent_id", "agent_id is required")
        if note is not None:
            note = self._check_text(note, allow_empty=True)
        await self._require_assigned(cid, agent)
        target = await self.agents.get(to_id)
        if target is None or target.disabled:
            raise NotFound("agent_not_found", "unknown agent")
        if target.id == agent.id:
            raise ClientError("invalid_agent_id", "you cannot transfer a conversation to yourself")
        if await self.agents.presence(target.id) == "offline":
            raise ClientError("agent_offline", f"{target.name} is offline", 409)
        result = await self.convs.transfer(cid, agent.id, target.id)
        if result == -1:
            raise ClientError("at_capacity", f"{target.name} is at capacity", 409)
        if result != 1:
            raise ClientError("not_assigned", "this conversation is not assigned to you", 409)
        if note:
            await self.convs.add_note(
                cid,
                {
                    "text": note,
                    "agent": {"id": agent.id, "name": agent.name},
                    "ts": time.time(),
                    "transfer_to": target.id,
                },
            )
        transfer = {
            "from": {"id": agent.id, "name": agent.name},
            "to": {"id": target.id, "name": target.name},
            "note": note or "",
        }
        await self._announce_assigned(cid, target.id, {"transfer": transfer})
        await self.notify_agent(
            agent.id,
            {"type": "transferred", "conversation_id": cid, "transfer": transfer},
        )
        await self.drain()
        return await self.conversation_view(cid)

    async def resolve(self, cid: str, agent: Agent, note: Any = None) -> dict[str, Any]:
        if note is not None:
            note = self._check_text(note, allow_empty=True)
        await self._require_assigned(cid, agent)
        now = time.time()
        ok, assigned_at = await self.convs.resolve(cid, agent.id, now)
        if not ok:
            raise ClientError("not_assigned", "this conversation is not assigned to you", 409)
        if assigned_at:
            await self.queue.record_handling(now - assigned_at)
        tid = await self.r.hget(self.keys.conv(cid), "ticket_id")
        if tid:
            await self.tickets.close(tid, now)
        if note:
            await self.convs.add_note(
                cid,
                {
                    "text": note,
                    "agent": {"id": agent.id, "name": agent.name},
                    "ts": now,
                },
            )
        await self.emit(cid, {"type": "resolved"})
        await self.notify_agent(agent.id, {"type": "resolved", "conversation_id": cid})
        self.spawn(self._after_resolve(cid), name=f"resolved-{cid}")
        await self.drain()
        return await self.conversation_view(cid)

    async def _after_resolve(self, cid: str) -> None:
        try:
            messages = await self.rasa.trigger_intent(cid, "handoff_resolved")
        except RasaUnavailable as exc:
            log.warning("trigger_intent failed for %s: %s", cid, exc)
            return
        await self.bot_items(cid, messages)

    async def rate(self, cid: str, rating: Any) -> dict[str, Any]:
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise ClientError("invalid_rating", "rating must be an integer from 1 to 5")
        conv = await self.convs.get(cid)
        if conv is None:
            raise NotFound("conversation_not_found", "unknown conversation")
        aid = conv.get("last_agent_id") or conv.get("agent_id") or ""
        previous = int(conv["rating"]) if conv.get("rating") else None
        pipe = self.r.pipeline(transaction=True)
        for key in [self.keys.csat()] + ([self.keys.csat_agent(aid)] if aid else []):
            if previous is not None:
                pipe.hincrby(key, "sum", rating - previous)
            else:
                pipe.hincrby(key, "sum", rating)
                pipe.hincrby(key, "count", 1)
            pipe.expire(key, self.settings.retention_seconds)
        pipe.hset(
            self.keys.conv(cid),
            mapping={"rating": rating, "rated_at": time.time(), "rated_agent_id": aid},
        )
        await pipe.execute()
        return {"conversation_id": cid, "rating": rating, "agent_id": aid or None}
