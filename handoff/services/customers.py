"""Customers: starting a conversation, their messages (stored once, then to the bot or a person)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from typing import Any

import jwt

from handoff import validation
from handoff.bus import BusMessage, EventStored, Typing, Wake
from handoff.errors import ClientError, NotFound, RateLimited, Unauthorized
from handoff.responses import Responses
from handoff.services import metrics
from handoff.services.auth import Auth
from handoff.services.bot_bridge import BotBridge
from handoff.services.events import Events
from handoff.settings import Settings
from handoff.states import Status
from handoff.store import Stores
from handoff.tokens import TokenError


def as_text(text: str) -> str:
    """A customer's words as Rasa must read them: never as an intent (`/intent{…}`, the REST
    channel's shorthand), whatever they typed; the transcript keeps what they wrote."""
    return text.lstrip().lstrip("/").lstrip() or "?"


class Customers:
    def __init__(
        self,
        settings: Settings,
        stores: Stores,
        auth: Auth,
        events: Events,
        bot: BotBridge,
        responses: Responses,
    ):
        self.settings = settings
        self.responses = responses
        self.convs = stores.conversations
        self.transcript = stores.transcript
        self.turns = stores.bot_turns
        self.pages = stores.pages
        self.rules = stores.rules
        self.limits = stores.limits
        self.auth = auth
        self.events = events
        self.bot = bot

    async def start(self, visitor_token: Any, ip: str, customer_token: Any = None) -> dict[str, Any]:
        """A new conversation and its tokens; a returning browser keeps its visitor id. With the
        shop's signed token of a signed-in customer (`customer_token`), their e-mail counts as
        proven; a token that does not verify starts the conversation unproven and says why."""
        wait = await self.limits.hit("conv", ip or "-", self.settings.rate_conversations_per_minute)
        if wait is not None:
            raise RateLimited("too many new conversations from this address; retry in a minute", wait)
        visitor_id = self.auth.visitor_of(visitor_token)
        origin = hashlib.sha256(f"{self.settings.key_prefix}{ip or '-'}".encode()).hexdigest()[:16]
        proven, refused = self.signed_in(customer_token)
        cid = await self.convs.create(visitor_id, origin=origin)
        if proven:
            await self.convs.set_fields(cid, {"verified_email": proven})
        await self.events.fact(cid, metrics.STARTED, visitor_id=visitor_id)
        if self.settings.welcome:
            # the panel never opens empty: who answers (an assistant) and the common needs
            await self.bot.store_bot_items(cid, [self.responses.render("utter_welcome")])
        answer: dict[str, Any] = {"conversation_id": cid, **self.auth.conversation_tokens(cid, visitor_id)}
        if customer_token is not None:
            answer["customer"] = {"verified": bool(proven), **({"error": refused} if refused else {})}
        return answer

    def signed_in(self, token: Any) -> tuple[str, str]:
        """(the e-mail, '') of a valid signed-in customer token; ('', why) otherwise."""
        if token is None:
            return "", ""
        secret = self.settings.customer_token_secret
        if not secret:
            return "", "not_configured"
        if not isinstance(token, str) or len(token) > 4096:
            return "", "invalid"
        try:
            claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["exp", "email"]})
            return validation.email(claims["email"]), ""
        except jwt.ExpiredSignatureError:
            return "", "expired"
        except (jwt.PyJWTError, ClientError, ValueError, TypeError):
            return "", "invalid"

    async def message(self, cid: str, visitor_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Validate, store once per client_id, ack; in bot mode the bot answers it (in order)."""
        if body.get("type", "message") != "message":
            raise ClientError("unknown_type", "expected type 'message'")
        client_id = validation.client_id(body.get("client_id"))
        payload = body.get("payload")
        if payload is not None and (not isinstance(payload, str) or not payload or len(payload) > 500):
            raise ClientError(
                "invalid_payload", "payload must be one of the buttons of the latest bot message"
            )
        text = validation.text(
            body.get("text"), self.settings.max_message_length, allow_empty=payload is not None
        )
        # the idempotency check and the conversation in one round trip
        known, conv = await self.transcript.message_context(cid, client_id)
        if known:
            return {"type": "ack", "client_id": client_id, "id": known}
        if conv is None:
            raise NotFound("conversation_not_found", "this conversation does not exist (any more)")
        if payload is not None:
            button = next(
                (b for b in conv.buttons if isinstance(b, dict) and b.get("payload") == payload), None
            )
            if button is None:
                raise ClientError(
                    "invalid_payload", "payload must be one of the buttons of the latest bot message"
                )
            text = text or str(button.get("title") or payload)
        # the rate limit and, in bot mode, the bot turn's index entry at once (both are shared keys;
        # an entry for a message refused here has no turn and is dropped by the sweep)
        mark = ""
        if conv.status == Status.BOT:
            wait, mark = await asyncio.gather(
                self.limits.hit("msg", cid, self.settings.rate_messages_per_minute),
                self.turns.index(cid),
            )
        else:
            wait = await self.limits.hit("msg", cid, self.settings.rate_messages_per_minute)
        if wait is not None:
            raise RateLimited("too many messages; slow down a little", wait)
        event = {"type": "message", "from": "customer", "text": text, "client_id": client_id}
        # what the customer types is always text for Rasa (a leading "/" would be read as an intent
        # with entities); only a payload of the buttons offered is sent as one
        turn = {
            "message": payload or as_text(text),
            "text": text,
            "visitor_id": visitor_id or conv.visitor_id,
            "verified_email": conv.verified_email,
        }
        # the pending bot turn is recorded atomically with the message (if in bot mode then)
        appended = await self.transcript.append(cid, event, client_id, bot_turn=turn, bot_mark=mark)
        if appended.bot_turn_queued:
            self.bot.wake(cid)  # the turn is durable now: its worker starts while we publish
        if appended.new:
            await self.events.published(cid, appended)
        if appended.new and not appended.bot_turn_queued and appended.status in self.rules.handoff_open:
            await self.bot.customer_waiting(cid, appended.status, text, payload)
        return {"type": "ack", "client_id": client_id, "id": appended.id}

    async def resume(self, link: Any, ip: str) -> dict[str, str]:
        """The conversation of a link from an e-mail, with a token for that conversation only (never
        the visitor's token, which would open their other cases). A link works once, and not after
        the case it was sent about was resolved; a forged, expired, used or outdated link is
        refused (401 invalid_link) and changes nothing."""
        wait = await self.limits.hit("resume", ip or "-", self.settings.rate_conversations_per_minute)
        if wait is not None:
            raise RateLimited("too many links opened from this address; retry in a minute", wait)
        try:
            link_claims = self.auth.resumed(link)
        except TokenError:
            raise Unauthorized("invalid_link", "this link is not valid or has expired") from None
        conv = await self.convs.get(link_claims.cid)
        if conv is None:
            raise NotFound("conversation_not_found", "this conversation does not exist (any more)")
        if conv.resolved_at is not None and conv.resolved_at >= link_claims.issued_at:
            raise Unauthorized(
                "invalid_link", "this link is no longer valid: the case it was about is closed"
            )
        if not await self.limits.once("link", link_claims.jti, link_claims.seconds_left):
            raise Unauthorized("invalid_link", "this link was used already: write to us from the chat")
        return {
            "conversation_id": conv.id,
            "token": self.auth.conversation_token(conv.id, link_claims.visitor_id),
        }

    async def page_open(self, cid: str, socket_id: str, seen: str | None) -> None:
        await self.pages.alive(cid, socket_id, seen)

    async def page_closed(self, cid: str, socket_id: str, seen: str | None) -> None:
        await self.pages.closed(cid, socket_id, seen)

    async def typing(self, cid: str) -> None:
        await self.events.typing(cid, "customer")

    async def events_after(self, cid: str, after: str | None) -> list[dict[str, Any]]:
        """The conversation's events after `after` (all when None), for resume and HTTP clients."""
        return await self.transcript.events(cid, after=after)

    def subscribe(
        self,
        cid: str,
        wake: Callable[[], None],
        post: Callable[[dict], None],
        deliver: Callable[[dict, str], bool] | None = None,
    ) -> Callable[[], None]:
        """Live updates for a customer's socket: `deliver(event, prev)` offers a new event with the
        id of the one before it (True: the socket sent it, or had it already), else `wake()` (the
        socket reads the stream from its last id); `post(frame)` for typing of the bot or the
        agent. Returns the function that unsubscribes."""

        async def on_bus(message: BusMessage) -> None:
            if isinstance(message, EventStored):
                if deliver is None or message.prev is None or not deliver(message.event, message.prev):
                    wake()
            elif isinstance(message, Wake):
                wake()
            elif isinstance(message, Typing) and message.sender != "customer":
                frame: dict[str, Any] = {"type": "typing", "from": message.sender}
                if message.agent:
                    frame["agent"] = message.agent
                post(frame)

        return self.events.bus.listen_conversation(cid, on_bus)

    async def exists(self, cid: str) -> bool:
        return await self.convs.exists(cid)
