"""The bridge to Rasa: REST webhook for customer text, trigger_intent after a resolve."""

from __future__ import annotations

from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa did not answer in time, answered with an error, or with something unreadable."""


class RasaClient:
    def __init__(self, base_url: str, timeout: float, token: str = "", transport=None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        body = {"sender": sender, "message": message, "metadata": metadata}
        data = await self._post("/webhooks/rest/webhook", body)
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise RasaUnavailable("webhook answer is not a list of messages")
        return data

    async def trigger_intent(
        self, sender: str, intent: str, entities: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        # no output_channel: Rasa then collects the bot's answers into the response's "messages"
        body: dict[str, Any] = {"name": intent}
        if entities:
            body["entities"] = entities
        data = await self._post(f"/conversations/{sender}/trigger_intent", body)
        messages = data.get("messages") if isinstance(data, dict) else None
        return [m for m in messages or [] if isinstance(m, dict)]

    async def healthy(self, timeout: float = 2.0) -> tuple[bool, str]:
        try:
            response = await self._client.get(self.base_url + "/", timeout=timeout)
        except httpx.HTTPError as exc:
            return False, type(exc).__name__
        return response.status_code < 500, f"HTTP {response.status_code}"

    async def _post(self, path: str, body: dict[str, Any], params: dict[str, str] | None = None) -> Any:
        params = dict(params or {})
        if self.token:
            params["token"] = self.token
        try:
            response = await self._client.post(self.base_url + path, json=body, params=params or None)
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 300:
            raise RasaUnavailable(f"HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise RasaUnavailable("answer is not JSON") from None
