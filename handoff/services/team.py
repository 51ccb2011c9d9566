"""What a supervisor does with the team from the console: see every account with its presence and
load, add one, change skills, capacity, role or name, disable or enable it, reset a password.
Reassigning a conversation is the desk's (AgentDesk.reassign: the same path as a transfer).

Every change that takes rights away (disabled, new password) signs the account's consoles out at
once, in every hub process, as the CLI does.
"""

from __future__ import annotations

from typing import Any

from handoff.errors import ClientError, NotFound
from handoff.services.agent_desk import REVOKED
from handoff.services.console import ConsoleQueries
from handoff.services.events import Events
from handoff.store import Stores
from handoff.store.agents import Agent, AgentError

ADD_FIELDS = {"email", "name", "password", "skills", "capacity", "role", "gender"}
UPDATE_FIELDS = {"name", "skills", "capacity", "role", "gender", "disabled"}


def _fields(body: dict[str, Any], allowed: set[str]) -> dict[str, Any]:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ClientError(
            "invalid_field", f"unknown field {unknown[0]!r} (known: {', '.join(sorted(allowed))})"
        )
    return body


def _skills(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise ClientError("invalid_skills", "skills is a list of problem types (empty: every type)")
    return value


def _capacity(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ClientError("invalid_capacity", "capacity must be an integer between 1 and 50")
    return value


class Team:
    def __init__(self, stores: Stores, events: Events, console: ConsoleQueries):
        self.agents = stores.agents
        self.events = events
        self.console = console

    async def view(self) -> list[dict[str, Any]]:
        """Every account: who, role, skills, capacity, presence, load, disabled."""
        return [
            {
                **state.agent.public(),
                "presence": state.presence,
                "load": state.load,
                "disabled": state.agent.disabled,
            }
            for state in await self.agents.team()
        ]

    async def _get(self, aid: Any) -> Agent:
        agent = await self.agents.get(aid) if isinstance(aid, str) else None
        if agent is None:
            raise NotFound("agent_not_found", "unknown agent")
        return agent

    async def add(self, body: dict[str, Any]) -> dict[str, Any]:
        _fields(body, ADD_FIELDS)
        try:
            agent = await self.agents.create(
                str(body.get("email") or ""),
                str(body.get("name") or ""),
                body.get("password") if isinstance(body.get("password"), str) else "",
                _skills(body.get("skills")) or [],
                _capacity(body.get("capacity")) or 3,
                gender=body.get("gender") if isinstance(body.get("gender"), str) else None,
                role=body.get("role") if isinstance(body.get("role"), str) else None,
            )
        except AgentError as exc:
            raise ClientError("invalid_agent", str(exc)) from None
        await self._team_changed()
        return agent.public()

    async def update(self, aid: Any, body: dict[str, Any], by: Agent) -> dict[str, Any]:
        _fields(body, UPDATE_FIELDS)
        agent = await self._get(aid)
        disabled = body.get("disabled")
        if disabled is not None and not isinstance(disabled, bool):
            raise ClientError("invalid_disabled", "disabled is true or false")
        role = body.get("role")
        if agent.id == by.id and (disabled or (role is not None and role != agent.role)):
            raise ClientError("invalid_agent", "you cannot disable yourself or change your own role", 409)
        for key in ("name", "gender", "role"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise ClientError("invalid_agent", f"{key} must be text")
        try:
            agent = await self.agents.update(
                agent.id,
                name=body.get("name"),
                skills=_skills(body.get("skills")),
                capacity=_capacity(body.get("capacity")),
                gender=body.get("gender"),
                role=role,
            )
            if disabled is not None and disabled != agent.disabled:
                await self.agents.set_disabled(agent.id, disabled)
                await self.events.notify_agent(agent.id, {"type": REVOKED})
        except AgentError as exc:
            raise ClientError("invalid_agent", str(exc)) from None
        await self._team_changed()
        return next(a for a in await self.view() if a["id"] == agent.id)

    async def reset_password(self, aid: Any, password: Any) -> None:
        agent = await self._get(aid)
        try:
            await self.agents.set_password(agent.id, password if isinstance(password, str) else "")
        except AgentError as exc:
            raise ClientError("invalid_password", str(exc)) from None
        await self.events.notify_agent(agent.id, {"type": REVOKED})

    async def _team_changed(self) -> None:
        """Consoles' transfer lists follow (the `agents` frame)."""
        await self.events.notify_agents({"type": "agents", "agents": await self.console.agents_view()})
