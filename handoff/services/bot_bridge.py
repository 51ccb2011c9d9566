"""The bridge to Rasa: durable bot turns answered in order, the bot's words stored as events.

Pending bot turns live in Redis (`conv:{cid}:bot`, recorded with the customer's message). One
process at a time holds a conversation's lease (`conv:{cid}:bot-lease`, renewed while it works) and
answers the turns in order; if it dies, the lease expires and any process's sweeper takes over. No
lock is held across the Rasa call beyond this lease, which nothing else (e.g. the internal hand-off
endpoint) waits for.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from typing import Any

from handoff.rasa import RasaClient, RasaUnavailable
from handoff.responses import Responses
from handoff.services import metrics
from handoff.services.cases import Cases
from handoff.services.events import Events
from handoff.services.router import Router
from handoff.services.waits import Waits
from handoff.settings import Settings
from handoff.states import Status
from handoff.store import Stores
from sportello import shop
from sportello.patterns import extract_email

# an index entry without a turn is dropped once this old (see take_over_orphans)
STALE_INDEX_SECONDS = 10.0

log = logging.getLogger("handoff.bot")
_UNREAD = object()  # _answer: the status was not read with the turn


def bot_events(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Rasa's answers (text, buttons, image, custom) as bot message events, plus the turn's buttons."""
    events: list[dict[str, Any]] = []
    turn_buttons: list[dict[str, str]] = []
    for item in items:
        event: dict[str, Any] = {"type": "message", "from": "bot", "text": str(item.get("text") or "")}
        buttons = [
            {"title": str(b.get("title") or ""), "payload": str(b["payload"])}
            for b in item.get("buttons") or []
            if isinstance(b, dict) and b.get("payload")
        ]
        if buttons:
            event["buttons"] = buttons
            turn_buttons.extend(buttons)
        if isinstance(item.get("image"), str):
            event["image"] = item["image"]
        if item.get("custom") is not None:
            event["custom"] = item["custom"]
        if event["text"] or len(event) > 3:
            events.append(event)
    return events, turn_buttons


class BotBridge:
    """Answers customer messages with Rasa while a conversation is in bot mode."""

    def __init__(
        self,
        settings: Settings,
        stores: Stores,
        rasa: RasaClient,
        responses: Responses,
        events: Events,
        router: Router,
        waits: Waits,
        cases: Cases,
    ):
        self.settings = settings
        self.convs = stores.conversations
        self.turns = stores.bot_turns
        self.rules = stores.rules
        self.rasa = rasa
        self.responses = responses
        self.events = events
        self.router = router
        self.waits = waits
        self.cases = cases
        self.owner = f"{os.getpid()}:{uuid.uuid4().hex[:12]}"  # this process, for bot leases
        self._workers: dict[str, asyncio.Task] = {}
        self._kicked: set[str] = set()
        self._tasks: set[asyncio.Task] = set()

    # background work ---------------------------------------------------------------------
    def spawn(self, coro, name: str | None = None) -> asyncio.Task:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    @property
    def busy(self) -> bool:
        return bool(self._tasks or self._workers)

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=3)

    # turns --------------------------------------------------------------------------------
    def wake(self, cid: str) -> None:
        """A bot turn was queued for `cid`: answer it (in this process, unless one is running)."""
        if cid in self._workers:
            self._kicked.add(cid)  # the local worker re-checks before letting go
            return
        self._workers[cid] = self.spawn(self._worker(cid), name=f"bot-{cid}")

    async def take_over_orphans(self) -> int:
        """Take over pending bot turns whose lease expired (their process died); returns how many."""
        started = 0
        now = time.time()
        entries = [
            (cid, score)
            for cid, score in await self.turns.indexed(now - min(1.0, self.settings.bot_lease_seconds))
            if cid not in self._workers
        ]
        states = await self.turns.states([cid for cid, _ in entries])
        forget_before = now - max(STALE_INDEX_SECONDS, 2 * self.settings.bot_lease_seconds)
        for (cid, score), (pending, leased) in zip(entries, states, strict=True):
            if leased:
                continue
            if pending:
                self.wake(cid)
                started += 1
            elif score < forget_before:
                # indexed, but no turn was queued with it (the conversation had left bot mode) or
                # its drop lost a race: no process is between indexing and storing a turn this long
                await self.turns.untrack(cid, repr(score))
        return started

    async def _worker(self, cid: str) -> None:
        lease = self.settings.bot_lease_seconds
        renewer: asyncio.Task | None = None
        try:
            # the lease, the first turn and the status in one round trip (the reads count only
            # if the lease was taken)
            acquired, turn, status = await self.turns.next_and_status(cid, self.owner, lease)
            if not acquired:
                return  # another process is answering this conversation
            lost = asyncio.Event()
            renewer = asyncio.create_task(self._renew_lease(cid, lost))
            first = True
            while not lost.is_set():
                self._kicked.discard(cid)
                if not first:
                    _, turn, status = await self.turns.next_and_status(cid)
                first = False
                if turn is None:
                    left = await self.turns.release_lease(cid, self.owner)
                    if left > 0:
                        continue
                    if (
                        left == 0
                        and cid in self._kicked
                        and await self.turns.acquire_lease(cid, self.owner, lease)
                    ):
                        continue
                    break
                try:
                    await self._answer(cid, turn, status)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("bot turn failed for conversation %s", cid)
                    # skip it (as a poison message would otherwise block the conversation)
                    await self._finish(cid, str(turn.get("eid")), [], None)
        finally:
            if renewer is not None:
                renewer.cancel()
            if self._workers.get(cid) is asyncio.current_task():
                del self._workers[cid]

    async def _renew_lease(self, cid: str, lost: asyncio.Event) -> None:
        lease = self.settings.bot_lease_seconds
        while True:
            await asyncio.sleep(lease / 3)
            try:
                if not await self.turns.renew_lease(cid, self.owner, lease):
                    log.warning("lost the bot lease of conversation %s", cid)
                    lost.set()
                    return
            except Exception:
                log.warning("could not renew the bot lease of %s", cid, exc_info=True)

    async def _keep_typing(self, cid: str) -> None:
        while True:
            await self.events.typing(cid, "bot")
            await asyncio.sleep(4)

    async def _answer(self, cid: str, turn: dict[str, Any], status: str | None | object = _UNREAD) -> None:
        """Answer one turn; `status` is the conversation's status read with the turn (read now
        when not given)."""
        turn_eid = str(turn.get("eid") or "")
        if status is _UNREAD:
            status = await self.convs.status(cid)
        if status != Status.BOT:
            # a person has taken over meanwhile: the message is already theirs
            await self._finish(cid, turn_eid, [], None)
            return
        typing = asyncio.create_task(self._keep_typing(cid))
        try:
            metadata = {"visitor_id": turn.get("visitor_id") or ""}
            if turn.get("verified_email"):  # the shop's site says who is signed in (docs/widget.md)
                metadata["verified_email"] = turn["verified_email"]
            items = await self.rasa.send(cid, str(turn.get("message") or ""), metadata)
        except RasaUnavailable as exc:
            log.warning("Rasa unavailable for conversation %s: %s", cid, exc)
            typing.cancel()
            await self._hand_off_instead(cid, turn_eid, str(turn.get("text") or ""))
            return
        finally:
            typing.cancel()
        events, buttons = bot_events(items)
        if not events:
            # Every customer message gets an answer in this assistant; none at all means a part
            # of it failed (e.g. the action server is down: Rasa then answers 200 with []).
            log.warning("Rasa answered nothing for conversation %s (is the action server up?)", cid)
            await self._hand_off_instead(cid, turn_eid, str(turn.get("text") or ""))
            return
        await self._finish(cid, turn_eid, events, buttons)

    async def _hand_off_instead(self, cid: str, turn_eid: str, text: str) -> None:
        """Rasa cannot answer: apologise, hand off and say the outcome, in that order (the
        hand-off's own event waits for this turn's words)."""
        words = [self.responses.render("utter_hub_bot_unavailable")]
        try:
            result = await self.router.open_handoff(cid, "bot_unavailable", {"customer_words": text})
        except Exception:  # the apology is still said; asking for a person again retries
            log.exception("the hand-off after Rasa failed did not open for %s", cid)
        else:
            words.append(self.announcement(result))
        events, buttons = bot_events(words)
        await self._finish(cid, turn_eid, events, buttons)

    async def _finish(self, cid: str, turn_eid: str, events: list[dict[str, Any]], buttons) -> bool:
        """Store the answer to a pending turn once (atomically with removing the turn)."""
        stored = await self.turns.finish(cid, turn_eid, events, buttons)
        if stored is None:
            log.info("bot turn %s of %s was already answered", turn_eid, cid)
            return False
        await self.events.published_all(cid, stored)
        if events:
            await self._check_voice(cid, len(events))
        return True

    async def _check_voice(self, cid: str, messages: int) -> None:
        """The assistant's words stored while a person had the conversation (a person took it over
        while Rasa was answering): counted, as the reports promise 0 (docs/reports.md)."""
        if await self.convs.status(cid) in self.rules.holds_agent:
            await self.events.fact(cid, metrics.BOT_SPOKE, messages=messages)

    # the hub's own words ---------------------------------------------------------------------
    def announcement(self, result: dict[str, Any]) -> dict[str, Any]:
        """The outcome of a hand-off the hub made itself, in domain.yml's words."""
        agent = result.get("agent") or {}
        name = f"utter_handoff_{result['status']}"
        if result.get("reply_by") in ("email", "ask_email"):
            name += "_" + result["reply_by"]  # the promise by e-mail (or the question for an address)
        return self.responses.render(
            name,
            email=result.get("email"),
            agent_name=agent.get("name"),
            ticket_id=result.get("ticket_id"),
            queue_position=result.get("queue_position"),
            eta_minutes=result.get("eta_minutes"),
        )

    async def store_bot_items(self, cid: str, items: list[dict[str, Any]]) -> None:
        """Store bot messages that are not the answer to a turn (e.g. after trigger_intent)."""
        events, buttons = bot_events(items)
        for event in events:
            await self.events.emit(cid, event)
        await self.convs.set_fields(cid, {"buttons": buttons})

    # while a person is awaited ------------------------------------------------------------------
    async def customer_waiting(self, cid: str, status: str, text: str, payload: str | None = None) -> None:
        """A customer wrote while waiting for (or talking to) a person. Waiting, they are told once
        per hand-off what happens next; an order number or an e-mail they give goes on the case card
        (the bot looks the order up: `case_detail`); an e-mail given for an answer by e-mail is
        confirmed at once. The offer to leave and be answered by e-mail is answered here too."""
        if status == Status.QUEUED and payload == "/email_instead":
            await self.waits.email_instead(cid)
            return
        if status == Status.QUEUED and payload == "/keep_waiting":
            await self.waits.keep_waiting(cid)
            return
        email = extract_email(text)
        number = shop.current().order_number(text)
        if status in self.rules.holds_agent and not email and not number:
            return  # talking to a person, nothing for the case card: nothing to do (no Redis read)
        conv = await self.convs.get(cid)
        if conv is None:
            return
        if email and not conv.email and status == Status.OFFLINE and self.router.mailer.enabled:
            # the address the bot (or the e-mail offer) asked for: the promise can be kept now (unless
            # the caps on mail refuse it: then the customer is told the promise here, below)
            if await self.cases.add_to_case(cid, {"email": email}):
                said = self.responses.render(
                    "utter_hub_email_noted", conv.voice, ticket_id=conv.ticket_id, email=email
                )
                await self.convs.set_fields(cid, {"waiting_ack_for": str(conv.handoff_at)})
                await self.events.emit(cid, {"type": "message", "from": "bot", **said})
                conv.waiting_ack_for = str(conv.handoff_at)
        if status in (Status.QUEUED, Status.OFFLINE) and conv.waiting_ack_for != str(conv.handoff_at):
            values: dict[str, Any] = {"ticket_id": conv.ticket_id}
            if status == Status.QUEUED:
                values.update(await self.waits.wait(conv.queue_position or 1))
            said = self.responses.render(f"utter_hub_waiting_{status}", conv.voice, **values)
            await self.convs.set_fields(cid, {"waiting_ack_for": str(conv.handoff_at)})
            await self.events.emit(cid, {"type": "message", "from": "bot", **said})
        entities = {}
        if number and not conv.order_number:
            entities["order_number"] = number
        if email and not conv.email:
            entities["email"] = email
        if entities:
            self.spawn(self._add_case_detail(cid, entities), name=f"detail-{cid}")

    async def _add_case_detail(self, cid: str, entities: dict[str, str]) -> None:
        try:
            await self.rasa.trigger_intent(cid, "case_detail", entities)
        except RasaUnavailable as exc:  # the detail stays in the transcript, where the agent reads it
            log.warning("case detail of %s not added: %s", cid, exc)

    def after_resolve(self, cid: str) -> None:
        """Close the loop in the background: Rasa's `handoff_resolved` ("Posso fare ancora altro…")."""
        self.spawn(self._trigger_resolved(cid), name=f"resolved-{cid}")

    async def _trigger_resolved(self, cid: str) -> None:
        try:
            messages = await self.rasa.trigger_intent(cid, "handoff_resolved")
        except RasaUnavailable as exc:
            log.warning("trigger_intent failed for %s: %s", cid, exc)
            return
        await self.store_bot_items(cid, messages)
