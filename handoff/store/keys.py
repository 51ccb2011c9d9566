"""Every Redis key the hub uses, under one prefix (Rasa's tracker/lock keys share the Redis)."""

from __future__ import annotations

import hashlib


class Keys:
    def __init__(self, prefix: str = "sportello:"):
        self.p = prefix

    # conversations
    def conv(self, cid: str) -> str:
        return f"{self.p}conv:{cid}"

    def events(self, cid: str) -> str:
        return f"{self.p}conv:{cid}:events"

    def clients(self, cid: str) -> str:
        return f"{self.p}conv:{cid}:clients"

    def notes(self, cid: str) -> str:
        return f"{self.p}conv:{cid}:notes"

    def bot_turns(self, cid: str) -> str:
        return f"{self.p}conv:{cid}:bot"

    def bot_lease(self, cid: str) -> str:
        return f"{self.p}conv:{cid}:bot-lease"

    def waiting(self, cid: str) -> str:
        return f"{self.p}conv:{cid}:waiting"

    def bot_pending(self) -> str:
        return f"{self.p}bot:pending"

    def visitor_convs(self, vid: str) -> str:
        return f"{self.p}visitor:{vid}:convs"

    def email_convs(self, email: str) -> str:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
        return f"{self.p}email:{digest}:convs"

    def order_convs(self, order_number: str) -> str:
        return f"{self.p}order:{order_number}:convs"

    def agent_read(self, aid: str) -> str:
        return f"{self.p}agent:{aid}:read"

    def offline(self) -> str:
        return f"{self.p}convs:offline"

    def customer_sockets(self, cid: str) -> str:
        return f"{self.p}conv:{cid}:sockets"

    # e-mail
    def mail(self, mid: str) -> str:
        return f"{self.p}mail:{mid}"

    def mail_due(self) -> str:
        return f"{self.p}mail:due"

    def mail_once(self, key: str) -> str:
        return f"{self.p}mail:once:{key}"

    def reply_checks(self) -> str:
        return f"{self.p}mail:reply-checks"

    # the content release live (tools/ship.py): configuration, not conversation data (no TTL)
    def content_domain(self) -> str:
        return f"{self.p}content:domain"

    def content_version(self) -> str:
        return f"{self.p}content:version"

    def content_loaded(self) -> str:
        return f"{self.p}content:loaded"

    # tickets
    def ticket(self, tid: str) -> str:
        return f"{self.p}ticket:{tid}"

    def ticket_convs(self, tid: str) -> str:
        return f"{self.p}ticket:{tid}:convs"

    def visitor_tickets(self, vid: str) -> str:
        return f"{self.p}visitor:{vid}:tickets"

    # agents
    def agents(self) -> str:
        return f"{self.p}agents"

    def agent(self, aid: str) -> str:
        return f"{self.p}agent:{aid}"

    def agent_email(self, email: str) -> str:
        return f"{self.p}agent-email:{email.strip().lower()}"

    def agent_convs(self, aid: str) -> str:
        return f"{self.p}agent:{aid}:convs"

    def agent_sockets(self, aid: str) -> str:
        return f"{self.p}agent:{aid}:sockets"

    def revoked_token(self, jti: str) -> str:
        return f"{self.p}token-revoked:{jti}"

    def agent_resolved(self, aid: str) -> str:
        return f"{self.p}agent:{aid}:resolved"

    def presence(self) -> str:
        return f"{self.p}presence"

    def seen(self) -> str:
        return f"{self.p}presence:seen"

    # routing
    def queue(self) -> str:
        return f"{self.p}queue"

    def handling(self) -> str:
        return f"{self.p}stats:handling"

    def csat(self) -> str:
        return f"{self.p}stats:csat"

    def csat_agent(self, aid: str) -> str:
        return f"{self.p}stats:csat:{aid}"

    # safety
    def rate(self, name: str, ident: str, window: int) -> str:
        return f"{self.p}rate:{name}:{ident}:{window}"

    # pub/sub
    def channel(self) -> str:
        return f"{self.p}bus"
