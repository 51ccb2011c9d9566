"""The hub's internal API, as the bot uses it (docs/api.md, "Internal API")."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

import aiohttp

from bot.actions.config import Settings

logger = logging.getLogger(__name__)


class HubUnavailable(RuntimeError):
    """The hub could not be reached or refused the request."""


class HubClient:
    """A small async client for ``/v1/internal/…`` with a bearer token and time-outs."""

    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        """Configure the client (no connection is opened here)."""
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    @classmethod
    def from_settings(cls, settings: Optional[Settings] = None) -> HubClient:
        """A client for the configured hub."""
        settings = settings or Settings.from_env()
        return cls(settings.hub_url, settings.hub_token, settings.hub_timeout)

    async def _call(
        self,
        method: str,
        path: str,
        body: Optional[dict[str, Any]] = None,
        allow_404: bool = False,
        allow_429: bool = False,
    ) -> Optional[dict[str, Any]]:
        try:
            async with aiohttp.ClientSession(timeout=self._timeout, headers=self._headers) as session:
                async with session.request(method, f"{self._base}{path}", json=body) as response:
                    if (allow_404 and response.status == 404) or (allow_429 and response.status == 429):
                        return None
                    if response.status >= 400:
                        text = await response.text()
                        raise HubUnavailable(f"hub answered {response.status}: {text[:200]}")
                    return await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise HubUnavailable(f"hub unreachable: {exc!r}") from exc

    async def handoff(
        self,
        conversation_id: str,
        reason: str,
        summary: dict[str, Any],
        ticket_id: Optional[str] = None,
    ) -> dict[str, Any]:
        """Ask the hub to hand the conversation to a person; returns its routing decision."""
        body: dict[str, Any] = {"reason": reason, "summary": summary}
        if ticket_id:
            body["ticket_id"] = ticket_id
        result = await self._call("POST", f"/v1/internal/conversations/{conversation_id}/handoff", body)
        if not result or result.get("status") not in {"assigned", "queued", "offline"}:
            raise HubUnavailable(f"unexpected hand-off answer: {result!r}")
        return result

    async def ticket(self, ticket_id: str) -> Optional[dict[str, Any]]:
        """The ticket, or None when the hub does not know it."""
        return await self._call("GET", f"/v1/internal/tickets/{ticket_id}", allow_404=True)

    async def rate(self, conversation_id: str, rating: int) -> None:
        """Store the customer's 1–5 satisfaction rating."""
        await self._call("POST", f"/v1/internal/conversations/{conversation_id}/rating", {"rating": rating})

    async def order_lookup(self, conversation_id: str, kind: str) -> bool:
        """Count an order lookup (`lookup`) or a failed proof of an order (`failed_proof`) with the
        hub, which limits them per conversation, visitor and origin: False when past the limits.
        If the hub cannot be asked, the lookup goes on (the form's own attempts still bound it)."""
        try:
            answer = await self._call(
                "POST",
                f"/v1/internal/conversations/{conversation_id}/order-lookups",
                {"kind": kind},
                allow_429=True,
            )
        except HubUnavailable as exc:
            logger.warning("order %s of %s not counted by the hub: %s", kind, conversation_id, exc)
            return True
        return answer is not None
