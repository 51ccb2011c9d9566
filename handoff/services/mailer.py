"""E-mail to customers, so that a promise made when nobody is online is kept.

Two mails, both in domain.yml's words (content editors own them) and in the customer's register:

* the **offline notice**, when a hand-off ends with nobody available: the pratica code, when to
  expect an answer, and a link back to the conversation;
* an **agent's reply** the customer did not read on the page (they closed it): the agent's name,
  the messages, and the link.

The link is signed and expires (`MAIL_LINK_TTL`): it reopens the widget on the same conversation,
with its whole history, and the customer can answer there.

Mails go through the durable outbox (handoff/store/outbox.py): stored first, sent by whichever hub
process claims them, retried with back-off while the SMTP server is away, marked sent once it
accepts them. A process that dies between the server's "250 OK" and marking the mail sent would
send it again after the lease: the mail keeps its Message-ID, so the customer's mail client shows
one. Without SMTP_HOST nothing is sent and the bot promises no e-mail.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import aiosmtplib

from handoff.ids import stream_order
from handoff.responses import Responses
from handoff.services import metrics
from handoff.services.auth import Auth
from handoff.services.events import Events
from handoff.settings import Settings
from handoff.states import Status
from handoff.store import Stores
from handoff.store.records import Conversation

log = logging.getLogger("handoff.mail")
SEND_LEASE = 60.0
SMTP_TIMEOUT = 20.0


class Mailer:
    def __init__(
        self,
        settings: Settings,
        stores: Stores,
        responses: Responses,
        auth: Auth,
        events: Events | None = None,
    ):
        self.events = events  # the metrics home hears each mail sent (MAIL_SENT)
        self.settings = settings
        self.stores = stores
        self.convs = stores.conversations
        self.transcript = stores.transcript
        self.pages = stores.pages
        self.outbox = stores.outbox
        self.responses = responses
        self.auth = auth
        self._sending = asyncio.Lock()

    @property
    def enabled(self) -> bool:
        return self.settings.mail_enabled

    def reply_by(self, conv: Conversation, mailed: bool) -> str:
        """How a customer nobody can answer now will be answered: `email` (their address has the
        promise), `ask_email` (we could, with an address), or `chat` (no e-mail configured, or no
        more mail to that address or from that visitor today: come back here)."""
        if not self.enabled:
            return "chat"
        if conv.email:
            return "email" if mailed else "chat"
        return "ask_email"

    def link(self, conv: Conversation) -> str:
        """The signed link that reopens the widget on this conversation."""
        token = self.auth.resume_link(conv.id, conv.visitor_id, self.settings.mail_link_ttl)
        base = self.settings.public_url or f"http://{self.settings.host}:{self.settings.port}"
        return f"{base}/?sportello={token}"

    def _words(self, conv: Conversation, kind: str, **values: Any) -> tuple[str, str]:
        values = {"ticket_id": conv.ticket_id, "link": self.link(conv), **values}
        subject = self.responses.text(f"utter_mail_{kind}_subject", conv.voice, **values)
        body = self.responses.text(f"utter_mail_{kind}_body", conv.voice, **values)
        return subject, body

    # what is sent -----------------------------------------------------------------------
    async def offline_notice(self, cid: str) -> bool:
        """E-mail the promise of a hand-off that ended offline, once per hand-off, when the case
        has an address (else the bot asks for one) and the caps allow it. True when the promise is
        in the outbox (now or before)."""
        conv = await self.convs.get(cid)
        if not self.enabled or conv is None or conv.status != Status.OFFLINE or not conv.email:
            return False
        handoff = str(conv.handoff_at)
        if conv.offline_mailed_for == handoff:
            return True
        if not await self.within_caps(conv):
            return False
        subject, body = self._words(conv, "offline")
        mid = await self.outbox.add(
            {"to": conv.email, "subject": subject, "body": body, "kind": "offline", "conversation_id": cid},
            once=f"offline:{cid}:{handoff}",
        )
        await self.convs.set_fields(cid, {"offline_mailed_for": handoff})
        if mid:
            log.info("offline notice for %s stored as %s", cid, mid)
            self.kick()
        return True

    async def within_caps(self, conv: Conversation) -> bool:
        """Whether one more mail may go to this conversation's address because of what a visitor
        wrote: per address and per visitor a day, and overall an hour (every process counts)."""
        limits, s = self.stores.limits, self.settings
        address = hashlib.sha256(conv.email.strip().lower().encode()).hexdigest()[:32]
        for name, ident, limit, window in (
            ("mail-to", address, s.mail_per_address_per_day, 86400),
            ("mail-from", conv.visitor_id or conv.id, s.mail_per_visitor_per_day, 86400),
            ("mail-all", "-", s.mail_per_hour, 3600),
        ):
            if await limits.hit(name, ident, limit, window=window) is not None:
                log.warning("mail for conversation %s not sent: the %s cap is reached", conv.id, name)
                return False
        return True

    async def agent_replied(self, cid: str) -> None:
        """An agent wrote: if the customer does not read it on the page within MAIL_REPLY_DELAY,
        it goes by e-mail (checked by `check_replies`)."""
        if self.enabled:
            await self.outbox.schedule_reply_check(cid, time.time() + self.settings.mail_reply_delay)

    async def check_replies(self) -> int:
        """E-mail the agents' replies whose customer is not on the page and has not seen them."""
        stored = 0
        for cid in await self.outbox.due_reply_checks():
            conv = await self.convs.get(cid)
            if conv is None or not conv.email:
                continue
            if await self.pages.connected(cid):
                continue  # the page is open: they read it there
            after = max(conv.customer_seen, conv.mailed_upto, key=stream_order) or None
            unseen = [
                e
                for e in await self.transcript.events(cid, after=after)
                if e.get("type") == "message" and e.get("from") == "agent"
            ]
            if not unseen:
                continue
            agent = (unseen[-1].get("agent") or {}).get("name") or ""
            messages = "\n\n".join(str(e.get("text", "")) for e in unseen)
            subject, body = self._words(conv, "reply", agent_name=agent, messages=messages)
            last = unseen[-1]["id"]
            mid = await self.outbox.add(
                {"to": conv.email, "subject": subject, "body": body, "kind": "reply", "conversation_id": cid},
                once=f"reply:{cid}:{last}",
            )
            await self.convs.set_fields(cid, {"mailed_upto": last})
            stored += 1 if mid else 0
        if stored:
            self.kick()
        return stored

    # sending ------------------------------------------------------------------------------
    def kick(self) -> None:
        """Send what is due now, in the background (the sweeper also sends every few seconds)."""
        task = asyncio.get_running_loop().create_task(self.send_due(), name="mail-send")
        task.add_done_callback(lambda t: t.cancelled() or t.exception())

    async def send_due(self) -> int:
        """Send the mails due now (claimed: another process does not send them meanwhile)."""
        if not self.enabled:
            return 0
        sent = 0
        async with self._sending:
            for mid in await self.outbox.claim(SEND_LEASE):
                mail = await self.outbox.get(mid)
                if mail is None:
                    await self.outbox.dropped(mid, "expired")
                    continue
                if mail.get("status") == "sent":
                    await self.outbox.sent(mid)
                    continue
                attempts = int(mail.get("attempts") or 0) + 1
                try:
                    await self._smtp(mail)
                except aiosmtplib.SMTPRecipientsRefused as exc:
                    log.warning("mail %s refused for every recipient: %s", mid, exc)
                    await self.outbox.dropped(mid, str(exc))
                except (ValueError, TypeError, KeyError) as exc:  # a mail that can never be sent
                    log.warning("mail %s dropped: it cannot be written (%s)", mid, exc)
                    await self.outbox.dropped(mid, f"{type(exc).__name__}: {exc}")
                except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
                    later = await self.outbox.failed(mid, f"{type(exc).__name__}: {exc}", attempts)
                    log.warning("mail %s not sent (%s); next try in %.0f s", mid, exc, later - time.time())
                else:
                    await self.outbox.sent(mid)
                    sent += 1
                    if self.events is not None and mail.get("conversation_id"):
                        await self.events.fact(
                            mail["conversation_id"], metrics.MAIL_SENT, kind=mail.get("kind") or ""
                        )
        return sent

    async def _smtp(self, mail: dict[str, str]) -> None:
        message = EmailMessage()
        message["From"] = self.settings.mail_from
        message["To"] = mail["to"]
        message["Subject"] = mail["subject"]
        message["Message-ID"] = mail["message_id"]
        message["Date"] = formatdate(float(mail.get("created_at") or time.time()), localtime=True)
        message["X-Sportello-Conversation"] = mail.get("conversation_id", "")
        message.set_content(mail["body"])
        tls = self.settings.smtp_tls
        await aiosmtplib.send(
            message,
            hostname=self.settings.smtp_host,
            port=self.settings.smtp_port,
            username=self.settings.smtp_user or None,
            password=self.settings.smtp_password or None,
            use_tls=tls == "tls",
            start_tls=True if tls == "starttls" else False,
            timeout=SMTP_TIMEOUT,
        )
