"""Tokens: a customer's (bound to one conversation), a visitor's (one browser), an agent's."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from handoff.ids import new_visitor_id
from handoff.store import AgentStore
from handoff.store.agents import Agent
from handoff.tokens import Signer, TokenError


@dataclass(frozen=True)
class LinkClaims:
    """A link from an e-mail: the conversation it reopens, the visitor it was for, its id (a link
    works once), when it was made and how long it has left."""

    cid: str
    visitor_id: str
    jti: str
    issued_at: float
    seconds_left: float


class Auth:
    def __init__(self, signer: Signer, agents: AgentStore, conversation_ttl: float, agent_ttl: float):
        self.signer = signer
        self.agents = agents
        self.conversation_ttl = conversation_ttl
        self.agent_ttl = agent_ttl

    def visitor_of(self, visitor_token: Any) -> str:
        """The visitor id of a returning browser's token, or a new one (forged or expired: new)."""
        if isinstance(visitor_token, str) and visitor_token:
            try:
                vid = self.signer.verify(visitor_token, "visitor").get("vid")
            except TokenError:
                vid = None
            if isinstance(vid, str) and vid:
                return vid
        return new_visitor_id()

    def conversation_token(self, cid: str, visitor_id: str) -> str:
        """The token that opens conversation `cid` only."""
        return self.signer.sign("conversation", {"cid": cid, "vid": visitor_id}, ttl=self.conversation_ttl)

    def conversation_tokens(self, cid: str, visitor_id: str) -> dict[str, str]:
        """A new conversation's token and its browser's visitor token."""
        return {
            "token": self.conversation_token(cid, visitor_id),
            "visitor_token": self.signer.sign("visitor", {"vid": visitor_id}, ttl=self.conversation_ttl),
        }

    def resume_link(self, cid: str, visitor_id: str, ttl: float) -> str:
        """The token of a link (in an e-mail) that reopens conversation `cid`; expires after `ttl`."""
        return self.signer.sign("resume", {"cid": cid, "vid": visitor_id}, ttl=ttl)

    def resumed(self, link_token: Any) -> LinkClaims:
        """What a valid link token says; TokenError when forged or expired."""
        payload = self.signer.verify(link_token if isinstance(link_token, str) else None, "resume")
        cid, vid, jti = payload.get("cid"), payload.get("vid"), payload.get("jti")
        if not isinstance(cid, str) or not cid or not isinstance(jti, str) or not jti:
            raise TokenError("no conversation in the link")
        left = max(1.0, float(payload["exp"]) - time.time())
        return LinkClaims(cid, str(vid or ""), jti, float(payload["iat"]), left)

    def verify_conversation(self, token: str | None, cid: str) -> str:
        """The visitor id of a valid token for conversation `cid`; TokenError otherwise."""
        payload = self.signer.verify(token, "conversation")
        if payload.get("cid") != cid:
            raise TokenError("token is for another conversation")
        return str(payload.get("vid") or "")

    def issue_agent_token(self, agent: Agent) -> dict[str, Any]:
        token = self.signer.sign("agent", {"sub": agent.id, "ver": agent.token_version}, ttl=self.agent_ttl)
        return {"token": token, "expires_at": int(time.time() + self.agent_ttl), "agent": agent.public()}

    async def agent_session(self, token: str | None) -> tuple[Agent, dict[str, Any]]:
        """The agent of a valid token, and the token's claims. This is the one place an agent's
        token is checked: expired, revoked (logout), disabled agents and old token versions
        (password changed) are refused — on every request and, periodically, on open sockets."""
        payload = self.signer.verify(token, "agent")
        agent = await self.agents.get(str(payload.get("sub") or ""))
        if agent is None or agent.disabled or payload.get("ver") != agent.token_version:
            raise TokenError("token no longer valid")
        if await self.agents.token_revoked(str(payload.get("jti") or "")):
            raise TokenError("signed out")
        return agent, payload

    async def agent(self, token: str | None) -> Agent:
        return (await self.agent_session(token))[0]

    async def sign_out(self, payload: dict[str, Any]) -> None:
        """Revoke one token (its `jti`) until it would have expired anyway."""
        left = float(payload.get("exp") or 0) - time.time()
        if payload.get("jti") and left > 0:
            await self.agents.revoke_token(str(payload["jti"]), left)
