"""Helpers for the bot's tests: trackers built from events and a stand-in hub over real HTTP."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from typing import Any, Optional

from aiohttp import web
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

DOMAIN: dict[str, Any] = {}

# The day every bot test runs on (tests/bot/conftest.py pins SPORTELLO_TODAY to it): the demo order
# 2345678 was delivered `today-12`, i.e. on 12/11.
PINNED_TODAY = date(2026, 11, 24)


def make_tracker(
    text: str = "",
    intent: Optional[str] = None,
    entities: Optional[list[dict[str, Any]]] = None,
    slots: Optional[dict[str, Any]] = None,
    events: Optional[list[dict[str, Any]]] = None,
    active_loop: Optional[str] = None,
    sender_id: str = "conv-test-1",
    frustration: Optional[dict[str, Any]] = None,
) -> Tracker:
    """A tracker whose latest message is ``text`` classified as ``intent``."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or []}
    if frustration is not None:
        latest["frustration"] = frustration
    history = list(events or [])
    history.append({"event": "user", "text": text, "parse_data": latest})
    return Tracker(
        sender_id=sender_id,
        slots=dict(slots or {}),
        latest_message=latest,
        events=history,
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def user_event(text: str, intent: str, entities: Optional[list] = None) -> dict[str, Any]:
    """A past customer message, as Rasa stores it."""
    return {
        "event": "user",
        "text": text,
        "parse_data": {"text": text, "intent": {"name": intent}, "entities": entities or []},
    }


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    """The response names the action asked for, in order."""
    return [m.get("response") for m in dispatcher.messages]


class StandInHub:
    """Plays the hub's internal API over real HTTP and records what the bot sent."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.handoff_reply: dict[str, Any] = {
            "status": "assigned",
            "agent": {"id": "ag-serena", "name": "Serena"},
            "ticket_id": "T6QYJ5XKA",
        }
        self.handoff_status_code = 200
        self.delay = 0.0
        self.tickets: dict[str, dict[str, Any]] = {}
        # order lookups and failed proofs it allows (like the hub's limits), then 429
        self.lookup_limit = {"lookup": 1000, "failed_proof": 1000}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/internal/conversations/{cid}/handoff", self.handoff)
        app.router.add_get("/v1/internal/tickets/{tid}", self.ticket)
        app.router.add_post("/v1/internal/conversations/{cid}/rating", self.rating)
        app.router.add_post("/v1/internal/conversations/{cid}/order-lookups", self.order_lookup)
        return app

    async def _record(self, request: web.Request, kind: str) -> dict[str, Any]:
        body = await request.json() if request.can_read_body else None
        entry = {
            "kind": kind,
            "path": request.path,
            "auth": request.headers.get("Authorization"),
            "body": body,
            **request.match_info,
        }
        self.requests.append(entry)
        return entry

    async def handoff(self, request: web.Request) -> web.Response:
        await self._record(request, "handoff")
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.handoff_status_code != 200:
            return web.json_response({"error": "boom"}, status=self.handoff_status_code)
        return web.json_response(self.handoff_reply)

    async def ticket(self, request: web.Request) -> web.Response:
        await self._record(request, "ticket")
        ticket = self.tickets.get(request.match_info["tid"])
        if ticket is None:
            return web.json_response({"error": "ticket_not_found"}, status=404)
        return web.json_response(ticket)

    async def rating(self, request: web.Request) -> web.Response:
        await self._record(request, "rating")
        return web.json_response({"ok": True})

    async def order_lookup(self, request: web.Request) -> web.Response:
        entry = await self._record(request, "order_lookup")
        kind = (entry["body"] or {}).get("kind")
        counted = sum(
            1 for r in self.requests if r["kind"] == "order_lookup" and (r["body"] or {}).get("kind") == kind
        )
        if counted > self.lookup_limit.get(kind, 0):
            return web.json_response({"error": "rate_limited"}, status=429, headers={"Retry-After": "60"})
        return web.json_response({"allowed": True})

    def count(self, kind: str, body_kind: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if r["kind"] == kind and (body_kind is None or (r["body"] or {}).get("kind") == body_kind)
        )

    def last(self, kind: str) -> dict[str, Any]:
        return [r for r in self.requests if r["kind"] == kind][-1]


def pretty(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False)
