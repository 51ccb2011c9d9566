"""Every Redis key the hub uses, under one prefix (Rasa's tracker/lock keys share the Redis).

On a Redis Cluster the prefix carries a hash tag (`{sportello}:`, see sportello/redis_url.py) and the
keys fall in two groups:

* a conversation's own keys (its state hash, event stream, idempotency hash, bot turns, lease,
  notes, sockets) carry the conversation's id as their tag, `sportello:conv:{<cid>}…`, so each
  conversation lives on one master and conversations spread over all of them;
* the keys shared across conversations (the queue, the offline list, agents and their loads, the
  bot-turn index, tickets, mail, rate limits…) keep the prefix's tag and live together on one master.

A Lua script only ever touches keys of one group (see handoff/store/conversations.py for how a
transition that changes both is done). On a single Redis the names are the same as always.
"""

from __future__ import annotations

import hashlib
import re

_TAG = re.compile(r"\{[^{}]+\}")


class Keys:
    def __init__(self, prefix: str = "sportello:"):
        self.p = prefix
        # the prefix has a hash tag only on a cluster: there each conversation gets its own tag
        self.conversation_tags = bool(_TAG.search(prefix))
        self._conv = prefix.replace("{", "").replace("}", "") + "conv:"

    # a conversation's own keys (one slot per conversation on a cluster)
    def _c(self, cid: str) -> str:
        return f"{self._conv}{{{cid}}}" if self.conversation_tags else f"{self.p}conv:{cid}"

    def conv(self, cid: str) -> str:
        return self._c(cid)

    def events(self, cid: str) -> str:
        return f"{self._c(cid)}:events"

    def clients(self, cid: str) -> str:
        return f"{self._c(cid)}:clients"

    def notes(self, cid: str) -> str:
        return f"{self._c(cid)}:notes"

    def bot_turns(self, cid: str) -> str:
        return f"{self._c(cid)}:bot"

    def bot_lease(self, cid: str) -> str:
        return f"{self._c(cid)}:bot-lease"

    def waiting(self, cid: str) -> str:
        return f"{self._c(cid)}:waiting"

    def customer_sockets(self, cid: str) -> str:
        return f"{self._c(cid)}:sockets"

    # shared keys (the prefix's slot on a cluster)
    def bot_pending(self) -> str:
        return f"{self.p}bot:pending"

    def synced(self, cid: str) -> str:
        """The last revision of a conversation whose indexes (queue, offline, agent loads) are set."""
        return f"{self.p}synced:{cid}"

    def journal(self) -> str:
        """Conversations whose transition may not have reached the indexes yet (cid → when)."""
        return f"{self.p}journal"

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

    # derived figures (handoff/store/stats.py)
    def csat(self) -> str:
        return f"{self.p}stats:csat"

    def csat_agent(self, aid: str) -> str:
        return f"{self.p}stats:csat:{aid}"

    def conv_stats(self, cid: str) -> str:
        return f"{self.p}stats:conv:{cid}"

    def stats_convs(self) -> str:
        return f"{self.p}stats:convs"

    def stats_day(self, day: str) -> str:
        return f"{self.p}stats:day:{day}"

    # safety
    def rate(self, name: str, ident: str, window: int) -> str:
        return f"{self.p}rate:{name}:{ident}:{window}"

    # pub/sub
    def channel(self) -> str:
        return f"{self.p}bus"
