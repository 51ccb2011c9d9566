"""Helpers for the hub's tests: the real Sanic server in-process, HTTP/WebSocket clients."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from typing import Any

import httpx
import websockets
from sanic import Sanic

from handoff.app import create_app
from handoff.settings import Settings
from handoff.store import AgentStore, Keys
from tools.processes import free_port

INTERNAL_TOKEN = "test-internal-token-4f9a2c7e"
SECRET = "test-secret-that-is-long-enough-for-hs256"
PASSWORD = "correct-horse-battery"


class RunningHub:
    """The hub's real Sanic server, in this test's event loop, on a free port."""

    def __init__(self, settings: Settings, **app_options: Any):
        self.settings = settings
        self.app_options = app_options  # create_app's clock= and rules=
        self.port = free_port()
        self.app: Sanic | None = None
        self.server = None
        self.http: httpx.AsyncClient | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def hub(self):
        return self.app.ctx.hub

    async def start(self) -> RunningHub:
        self.app = create_app(self.settings, **self.app_options)
        self.server = await self.app.create_server(
            host="127.0.0.1",
            port=self.port,
            return_asyncio_server=True,
            access_log=False,
        )
        await self.server.startup()
        await self.server.before_start()
        await self.server.after_start()
        self.http = httpx.AsyncClient(base_url=self.url, timeout=10)
        return self

    async def stop(self) -> None:
        async def step(name, coro, timeout=10):
            try:
                await asyncio.wait_for(coro, timeout)
            except TimeoutError:
                tasks = [t for t in asyncio.all_tasks() if not t.done()]
                import io

                stacks = io.StringIO()
                for task in tasks:
                    task.print_stack(file=stacks)
                print(stacks.getvalue())
                raise AssertionError(f"stopping the hub hung at {name}; pending: {tasks}") from None

        await step("http client", self.http.aclose())
        await step("before_stop", self.server.before_stop())
        for task in list(self.app.websocket_tasks):
            task.cancel()
        closing = self.server.close()
        if closing:
            await step("close", closing)
        await step("after_stop", self.server.after_stop())
        Sanic.unregister_app(self.app)

    # helpers ------------------------------------------------------------
    async def state(self, cid: str) -> dict[str, Any] | None:
        """The conversation's stored state (fields of handoff.store.records.Conversation)."""
        conv = await self.hub.stores.conversations.get(cid)
        return dataclasses.asdict(conv) if conv else None

    async def new_conversation(self, visitor_token: str | None = None) -> dict[str, Any]:
        body = {"visitor_token": visitor_token} if visitor_token else {}
        response = await self.http.post("/v1/conversations", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    async def say(self, conv: dict, text: str, client_id: str | None = None, **extra) -> httpx.Response:
        body = {
            "type": "message",
            "text": text,
            "client_id": client_id or str(uuid.uuid4()),
            **extra,
        }
        return await self.http.post(
            f"/v1/conversations/{conv['conversation_id']}/messages",
            json=body,
            headers={"Authorization": f"Bearer {conv['token']}"},
        )

    async def events(self, conv: dict, after: str | None = None) -> list[dict]:
        params = {"after": after} if after else {}
        response = await self.http.get(
            f"/v1/conversations/{conv['conversation_id']}/events",
            params=params,
            headers={"Authorization": f"Bearer {conv['token']}"},
        )
        assert response.status_code == 200, response.text
        return response.json()["events"]

    async def handoff(
        self, cid: str, body: dict | None = None, token: str = INTERNAL_TOKEN
    ) -> httpx.Response:
        return await self.http.post(
            f"/v1/internal/conversations/{cid}/handoff",
            json=body if body is not None else {"reason": "request_human", "summary": {}},
            headers={"Authorization": f"Bearer {token}"},
        )

    async def add_agent(
        self,
        name: str,
        skills: list[str] | None = None,
        capacity: int = 3,
        email: str | None = None,
        gender: str | None = None,
        role: str | None = None,
    ):
        store = AgentStore(
            self.hub.stores.redis, Keys(self.settings.key_prefix), self.settings.heartbeat_timeout
        )
        return await store.create(
            email or f"{name.lower()}@sportello.example",
            name,
            PASSWORD,
            skills or [],
            capacity,
            gender=gender,
            role=role,
        )

    async def login(self, email: str, password: str = PASSWORD) -> str:
        response = await self.http.post("/v1/agent/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return response.json()["token"]

    async def online_agent(self, name: str, **kwargs) -> AgentSession:
        agent = await self.add_agent(name, **kwargs)
        token = await self.login(agent.email)
        response = await self.http.post(
            "/v1/agent/presence",
            json={"status": "online"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return AgentSession(self, agent, token)

    async def wait_for(self, predicate, timeout: float = 5.0, interval: float = 0.02):
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = await predicate()
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(interval)

    async def wait_events(self, conv: dict, predicate, timeout: float = 5.0) -> list[dict]:
        async def check():
            events = await self.events(conv)
            return events if predicate(events) else None

        return await self.wait_for(check, timeout)


class AgentSession:
    def __init__(self, running: RunningHub, agent, token: str):
        self.running = running
        self.agent = agent
        self.token = token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, path: str, **params) -> httpx.Response:
        return await self.running.http.get("/v1/agent" + path, params=params, headers=self.headers)

    async def post(self, path: str, body: dict | None = None) -> httpx.Response:
        return await self.running.http.post("/v1/agent" + path, json=body or {}, headers=self.headers)


async def ws_recv(ws, predicate=lambda m: True, timeout: float = 5.0) -> dict:
    """Next JSON message from a websockets client that satisfies `predicate`."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            raise AssertionError("no matching WebSocket message in time")
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=remaining))
        if predicate(message):
            return message


def ws_connect(url: str, **kwargs):
    return websockets.connect(url, open_timeout=5, close_timeout=2, **kwargs)
