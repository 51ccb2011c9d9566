"""Agents: accounts (argon2 hashes), presence and load."""

from __future__ import annotations

import asyncio
import functools
import re
import time
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from handoff.ids import new_agent_id
from handoff.store.keys import Keys

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SKILL_RE = re.compile(r"^[a-z0-9_]{1,40}$")
PRESENCE = ("online", "away", "offline")
# who a console account is: an agent takes conversations; a supervisor too, and manages the agents
# and reads the reports; an editor works on what the assistant understands and says (no
# conversations are routed to an editor)
ROLES = ("agent", "supervisor", "editor")
TAKES_CONVERSATIONS = ("agent", "supervisor")
GENDERS = (
    "f",
    "m",
)  # for Italian agreement in the widget ("si è unita/unito"); optional
_hasher = PasswordHasher()


class AgentError(ValueError):
    """Bad input for an agent account (clear message for the CLI and the API)."""


@dataclass
class Agent:
    id: str
    email: str
    name: str
    skills: list[str] = field(default_factory=list)
    capacity: int = 3
    disabled: bool = False
    token_version: int = 0
    password_hash: str = ""
    created_at: float = 0.0
    gender: str = ""
    role: str = "agent"

    @property
    def takes_conversations(self) -> bool:
        return self.role in TAKES_CONVERSATIONS and not self.disabled

    @classmethod
    def from_hash(cls, data: dict[str, str]) -> Agent:
        return cls(
            id=data["id"],
            email=data.get("email", ""),
            name=data.get("name", ""),
            skills=[s for s in data.get("skills", "").split(",") if s],
            capacity=int(data.get("capacity", "3") or 3),
            disabled=data.get("disabled") == "1",
            token_version=int(data.get("token_version", "0") or 0),
            password_hash=data.get("password_hash", ""),
            created_at=float(data.get("created_at", "0") or 0),
            gender=data.get("gender", "") if data.get("gender") in GENDERS else "",
            role=data.get("role") if data.get("role") in ROLES else "agent",
        )

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "skills": self.skills,
            "capacity": self.capacity,
            "gender": self.gender or None,
            "role": self.role,
        }

    def for_customer(self, with_id: bool = False) -> dict[str, Any]:
        """What a customer may see of the agent: the name, and the gender when known (no e-mail)."""
        view: dict[str, Any] = {"id": self.id} if with_id else {}
        view["name"] = self.name
        if self.gender:
            view["gender"] = self.gender
        return view

    def handles(self, problem_type: str | None) -> bool:
        return not self.skills or not problem_type or problem_type in self.skills


@dataclass
class AgentState:
    """An agent as routing sees it: presence (online, away, offline) and current load."""

    agent: Agent
    presence: str
    load: int

    @property
    def has_room(self) -> bool:
        """Online, takes conversations (not an editor) and below capacity: can take one now."""
        return (
            self.agent.takes_conversations and self.presence == "online" and self.load < self.agent.capacity
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.agent.id,
            "name": self.agent.name,
            "skills": self.agent.skills,
            "capacity": self.agent.capacity,
            "presence": self.presence,
            "load": self.load,
            "role": self.agent.role,
        }


def validate_agent_fields(email: str, name: str, skills: list[str], capacity: int) -> None:
    if not EMAIL_RE.match(email or ""):
        raise AgentError(f"{email!r} is not an e-mail address")
    if not name or not name.strip() or len(name) > 80:
        raise AgentError("the display name must be 1-80 characters")
    for skill in skills:
        if not SKILL_RE.match(skill):
            raise AgentError(f"skill {skill!r} must be lower-case letters, digits or _ (a problem type)")
    if not isinstance(capacity, int) or capacity < 1 or capacity > 50:
        raise AgentError("capacity must be an integer between 1 and 50")


def validate_gender(gender: str | None) -> str:
    """'' (not given), 'f' or 'm'; anything else is an error."""
    gender = (gender or "").strip().lower()
    if gender and gender not in GENDERS:
        raise AgentError("gender must be 'f' or 'm' (or left out)")
    return gender


def validate_role(role: str | None) -> str:
    """'agent' (not given), 'supervisor' or 'editor'; anything else is an error."""
    role = (role or "agent").strip().lower() if isinstance(role, str) or role is None else ""
    if role not in ROLES:
        raise AgentError(f"role must be one of {', '.join(ROLES)}")
    return role


def validate_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < 8:
        raise AgentError("the password must be at least 8 characters long")


class AgentStore:
    def __init__(self, redis, keys: Keys, heartbeat_timeout: float = 45.0, ttl: int = 30 * 86400):
        self.r = redis
        self.k = keys
        self.heartbeat_timeout = heartbeat_timeout
        self.ttl = ttl

    async def _seen(self, aid: str, when: float) -> None:
        pipe = self.r.pipeline(transaction=False)
        pipe.zadd(self.k.seen(), {aid: when})
        pipe.expire(self.k.seen(), self.ttl)
        pipe.expire(self.k.presence(), self.ttl)
        await pipe.execute()

    # accounts -----------------------------------------------------------
    async def create(
        self,
        email: str,
        name: str,
        password: str,
        skills: list[str] | None = None,
        capacity: int = 3,
        gender: str | None = None,
        role: str | None = None,
    ) -> Agent:
        email = (email or "").strip().lower()
        role = validate_role(role)
        skills = [s.strip().lower() for s in (skills or []) if s.strip()]
        validate_agent_fields(email, name, skills, capacity)
        gender = validate_gender(gender)
        validate_password(password)
        aid = new_agent_id()
        if not await self.r.set(self.k.agent_email(email), aid, nx=True):
            raise AgentError(f"an agent with e-mail {email} already exists")
        password_hash = await asyncio.to_thread(_hasher.hash, password)
        agent = Agent(
            id=aid,
            email=email,
            name=name.strip(),
            skills=skills,
            capacity=capacity,
            password_hash=password_hash,
            created_at=time.time(),
            gender=gender,
            role=role,
        )
        await self.r.hset(
            self.k.agent(aid),
            mapping={
                "id": aid,
                "email": email,
                "name": agent.name,
                "skills": ",".join(skills),
                "capacity": str(capacity),
                "disabled": "0",
                "token_version": "0",
                "password_hash": password_hash,
                "created_at": str(agent.created_at),
                "gender": gender,
                "role": role,
            },
        )
        await self.r.sadd(self.k.agents(), aid)
        return agent

    async def get(self, aid: str) -> Agent | None:
        if not aid:
            return None
        data = await self.r.hgetall(self.k.agent(aid))
        return Agent.from_hash(data) if data else None

    async def by_email(self, email: str) -> Agent | None:
        aid = await self.r.get(self.k.agent_email((email or "").strip().lower()))
        return await self.get(aid) if aid else None

    async def all(self) -> list[Agent]:
        ids = sorted(await self.r.smembers(self.k.agents()))
        agents = []
        for aid in ids:
            agent = await self.get(aid)
            if agent:
                agents.append(agent)
        return agents

    async def update(
        self, aid: str, *, name=None, skills=None, capacity=None, gender=None, role=None
    ) -> Agent:
        agent = await self.get(aid)
        if agent is None:
            raise AgentError("unknown agent")
        new_name = name if name is not None else agent.name
        new_skills = [s.strip().lower() for s in skills if s.strip()] if skills is not None else agent.skills
        new_capacity = capacity if capacity is not None else agent.capacity
        validate_agent_fields(agent.email, new_name, new_skills, new_capacity)
        new_gender = validate_gender(gender) if gender is not None else agent.gender
        new_role = validate_role(role) if role is not None else agent.role
        await self.r.hset(
            self.k.agent(aid),
            mapping={
                "name": new_name,
                "skills": ",".join(new_skills),
                "capacity": str(new_capacity),
                "gender": new_gender,
                "role": new_role,
            },
        )
        return await self.get(aid)

    async def set_disabled(self, aid: str, disabled: bool) -> None:
        if not await self.r.exists(self.k.agent(aid)):
            raise AgentError("unknown agent")
        await self.r.hset(self.k.agent(aid), "disabled", "1" if disabled else "0")
        await self.r.hincrby(self.k.agent(aid), "token_version", 1)
        if disabled:
            await self.set_presence(aid, "offline")

    async def set_password(self, aid: str, password: str) -> None:
        validate_password(password)
        if not await self.r.exists(self.k.agent(aid)):
            raise AgentError("unknown agent")
        password_hash = await asyncio.to_thread(_hasher.hash, password)
        await self.r.hset(self.k.agent(aid), "password_hash", password_hash)
        await self.r.hincrby(self.k.agent(aid), "token_version", 1)

    async def authenticate(self, email: str, password: str) -> Agent | None:
        """The agent for these credentials, or None (unknown, wrong password or disabled alike)."""
        agent = await self.by_email(email)
        if agent is None or not isinstance(password, str):
            # spend comparable time so unknown e-mails are not distinguishable by timing
            await asyncio.to_thread(_verify_dummy, password if isinstance(password, str) else "")
            return None
        ok = await asyncio.to_thread(_verify, agent.password_hash, password)
        if not ok or agent.disabled:
            return None
        return agent

    async def revoke_token(self, jti: str, seconds: float) -> None:
        """A signed-out token stays refused until it would have expired."""
        await self.r.set(self.k.revoked_token(jti), "1", px=max(1, int(seconds * 1000)))

    async def token_revoked(self, jti: str) -> bool:
        return bool(jti) and bool(await self.r.exists(self.k.revoked_token(jti)))

    # presence -----------------------------------------------------------
    async def set_presence(self, aid: str, status: str, now: float | None = None) -> None:
        if status not in PRESENCE:
            raise AgentError(f"presence must be one of {', '.join(PRESENCE)}")
        now = time.time() if now is None else now
        await self.r.hset(self.k.presence(), aid, status)
        if status == "offline":
            await self.mark_gone(aid, now)
        else:
            await self._seen(aid, now)

    async def touch(self, aid: str, now: float | None = None) -> None:
        """A sign of life from the agent outside a console (e.g. claiming over the API): the
        heartbeat time-out and the grace period count from now."""
        await self._seen(aid, time.time() if now is None else now)

    async def mark_gone(self, aid: str, now: float | None = None) -> None:
        """The agent's console went away: offline from now on, the grace period starts now."""
        now = time.time() if now is None else now
        await self._seen(aid, now - self.heartbeat_timeout - 0.001)

    async def socket_alive(self, aid: str, socket_id: str, now: float | None = None) -> None:
        """A console socket (in any hub process) is open and alive: it keeps the agent present."""
        now = time.time() if now is None else now
        key = self.k.agent_sockets(aid)
        pipe = self.r.pipeline(transaction=False)
        pipe.zadd(key, {socket_id: now})
        pipe.expire(key, self.ttl)
        await pipe.execute()
        await self._seen(aid, now)

    async def socket_closed(self, aid: str, socket_id: str, now: float | None = None) -> bool:
        """Forget a closed socket; True when the agent has no live console socket left anywhere."""
        now = time.time() if now is None else now
        key = self.k.agent_sockets(aid)
        pipe = self.r.pipeline(transaction=False)
        pipe.zrem(key, socket_id)
        pipe.zremrangebyscore(key, "-inf", now - self.heartbeat_timeout)
        pipe.zcard(key)
        *_, left = await pipe.execute()
        return int(left) == 0

    async def presence(self, aid: str, now: float | None = None) -> str:
        now = time.time() if now is None else now
        status = await self.r.hget(self.k.presence(), aid) or "offline"
        seen = await self.r.zscore(self.k.seen(), aid)
        if seen is None or now - seen > self.heartbeat_timeout:
            return "offline"
        return status

    async def offline_since(self, aid: str) -> float | None:
        seen = await self.r.zscore(self.k.seen(), aid)
        return None if seen is None else seen + self.heartbeat_timeout

    async def read_marks(self, aid: str) -> dict[str, int]:
        """How many customer messages of each conversation the agent has read (cid → count)."""
        raw = await self.r.hgetall(self.k.agent_read(aid))
        return {cid: int(n) for cid, n in raw.items() if str(n).isdigit()}

    async def mark_read(self, aid: str, cid: str, count: int) -> None:
        """The agent has read the first `count` customer messages of `cid` (never goes back)."""
        key = self.k.agent_read(aid)
        current = await self.r.hget(key, cid)
        if current is None or int(current) < count:
            await self.r.hset(key, cid, count)
        await self.r.expire(key, self.ttl)

    async def load(self, aid: str) -> int:
        return await self.r.scard(self.k.agent_convs(aid))

    async def conversations(self, aid: str) -> list[str]:
        return sorted(await self.r.smembers(self.k.agent_convs(aid)))

    async def forget_conversation(self, aid: str, cid: str) -> None:
        """Drop a conversation that no longer exists (expired) from the agent's load."""
        await self.r.srem(self.k.agent_convs(aid), cid)

    async def snapshot(self, now: float | None = None) -> list[AgentState]:
        """Every enabled account that takes conversations (agents and supervisors, not editors),
        with presence and load: routing, the wait, the transfer list."""
        return [state for state in await self.team(now) if state.agent.takes_conversations]

    async def team(self, now: float | None = None) -> list[AgentState]:
        """Every account, disabled ones and editors too, with presence and load (the supervisor's
        view of the team)."""
        now = time.time() if now is None else now
        return [
            AgentState(agent, await self.presence(agent.id, now), await self.load(agent.id))
            for agent in await self.all()
        ]


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("sportello-dummy-password")


def _verify_dummy(password: str) -> bool:
    return _verify(_dummy_hash(), password)
