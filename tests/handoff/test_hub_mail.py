"""Keeping the promise when nobody is online, against a real SMTP server (aiosmtpd on a free port):
the offline notice, agents' replies a customer did not read, a mail server that goes away, the
signed link back to the conversation, the offer to be answered by e-mail, tickets past their time."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest

from tests.handoff.helpers import ws_connect, ws_recv
from tools.devmail import DevMailServer
from tools.processes import free_port

LINK = re.compile(r"link: (\S+)")


@pytest.fixture
def smtp(tmp_path):
    server = DevMailServer(tmp_path / "mail", free_port()).start()
    yield server
    server.stop()


@pytest.fixture
async def mailing(make_hub, smtp):
    return await make_hub(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_tls="none",
        public_url="https://shop.example/negozio",
        mail_reply_delay=0.3,
        sweep_interval=0.1,
    )


async def _mails(smtp, count: int, timeout: float = 10.0):
    for _ in range(int(timeout / 0.05)):
        got = smtp.messages()
        if len(got) >= count:
            return got
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} mail(s), got {len(smtp.messages())}")


async def test_an_offline_handoff_is_mailed_once_with_the_code_and_a_working_link(mailing, smtp):
    conv = await mailing.new_conversation()
    cid = conv["conversation_id"]
    result = (
        await mailing.handoff(cid, {"reason": "problem", "summary": {"email": "giulia@example.it"}})
    ).json()
    assert (result["status"], result["reply_by"], result["email"]) == (
        "offline",
        "email",
        "giulia@example.it",
    )
    [mail] = await _mails(smtp, 1)
    assert mail["To"] == "giulia@example.it" and mail["Subject"] == f"TEST subject {result['ticket_id']}"
    body = mail.get_body().get_content()
    link = LINK.search(body).group(1)
    assert link.startswith("https://shop.example/negozio/?sportello=")
    # the same hand-off asked again does not mail again
    await mailing.handoff(cid, {"reason": "problem", "summary": {"email": "giulia@example.it"}})
    await asyncio.sleep(0.5)
    assert len(smtp.messages()) == 1
    # the link reopens the conversation in another browser, whose answer reaches the agents
    token = link.split("sportello=")[1]
    resumed = await mailing.http.post("/v1/conversations/resume", json={"link": token})
    assert resumed.status_code == 200, resumed.text
    again = resumed.json()
    assert again["conversation_id"] == cid
    history = await mailing.events(again)
    assert any(e.get("type") == "handoff" for e in history)  # the whole conversation is there
    serena = await mailing.online_agent("Serena")
    claimed = await serena.post(f"/conversations/{cid}/claim")
    assert claimed.status_code == 200
    async with ws_connect(f"{mailing.ws}/v1/agent/stream?token={serena.token}") as ws:
        await ws_recv(ws, lambda m: m["type"] == "hello")
        assert (await mailing.say(again, "eccomi, ho letto la mail")).status_code == 201
        frame = await ws_recv(ws, lambda m: m["type"] == "event" and m["event"].get("from") == "customer")
        assert frame["event"]["text"] == "eccomi, ho letto la mail"


async def test_a_forged_or_expired_link_is_refused(mailing):
    conv = await mailing.new_conversation()
    hub = mailing.hub
    good = hub.auth.resume_link(conv["conversation_id"], "v", 60)
    forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    expired = hub.auth.resume_link(conv["conversation_id"], "v", -1)
    a_conversation_token = conv["token"]  # a token of another kind is not a link
    for bad in (forged, expired, a_conversation_token, "", None, 42):
        response = await mailing.http.post("/v1/conversations/resume", json={"link": bad})
        assert (response.status_code, response.json()["error"]) == (401, "invalid_link"), bad
    assert (await mailing.http.post("/v1/conversations/resume", json={"link": good})).status_code == 200


async def test_without_an_address_the_bot_asks_and_the_address_given_keeps_the_promise(mailing, smtp):
    conv = await mailing.new_conversation()
    cid = conv["conversation_id"]
    result = (await mailing.handoff(cid)).json()
    assert (result["status"], result["reply_by"]) == ("offline", "ask_email")
    await asyncio.sleep(0.3)
    assert smtp.messages() == []
    await mailing.say(conv, "scrivetemi a anna.verdi@example.it grazie")
    said = [e["text"] for e in await mailing.events(conv) if e.get("from") == "bot"]
    # the address is never written back in full in the chat (whoever typed it may not own it)
    assert said == [f"TEST noted a**a.v***i@example.it for {result['ticket_id']}"]
    [mail] = await _mails(smtp, 1)
    assert mail["To"] == "anna.verdi@example.it"
    assert (await mailing.state(cid))["email"] == "anna.verdi@example.it"


async def test_an_agent_reply_the_customer_did_not_read_goes_by_email_once(mailing, smtp):
    serena = await mailing.online_agent("Serena")
    conv = await mailing.new_conversation()
    cid = conv["conversation_id"]
    await mailing.handoff(cid, {"reason": "problem", "summary": {"email": "luca@example.it"}})
    # the customer's page is open: a reply is read there, no mail
    async with ws_connect(f"{mailing.ws}/v1/conversations/{cid}/stream?token={conv['token']}") as page:
        await ws_recv(page, lambda m: m.get("type") == "handoff")
        body = {"text": "Ciao Luca, controllo subito", "client_id": str(uuid.uuid4())}
        assert (await serena.post(f"/conversations/{cid}/messages", body)).status_code == 201
        await ws_recv(page, lambda m: m.get("from") == "agent")
        await asyncio.sleep(0.8)  # past MAIL_REPLY_DELAY
        assert smtp.messages() == []
    # the page is closed: the next replies go by e-mail, together, once
    for text in ("Ho trovato il problema.", "Ti mando un tavolo nuovo venerdì."):
        await serena.post(f"/conversations/{cid}/messages", {"text": text, "client_id": str(uuid.uuid4())})
    [mail] = await _mails(smtp, 1)
    body = mail.get_body().get_content()
    assert mail["Subject"].startswith("TEST Serena answered")
    assert "Ho trovato il problema." in body and "Ti mando un tavolo nuovo venerdì." in body
    assert "controllo subito" not in body  # read on the page already
    await asyncio.sleep(0.8)
    assert len(smtp.messages()) == 1


async def test_a_mail_waits_while_the_smtp_server_is_down_and_is_sent_once_when_it_is_back(mailing, smtp):
    smtp.stop()
    conv = await mailing.new_conversation()
    cid = conv["conversation_id"]
    result = (
        await mailing.handoff(cid, {"reason": "problem", "summary": {"email": "sara@example.it"}})
    ).json()
    await asyncio.sleep(0.5)
    outbox = mailing.hub.stores.outbox
    [mid] = await mailing.hub.stores.redis.zrange(mailing.hub.stores.keys.mail_due(), 0, -1)
    stored = await outbox.get(mid)
    assert stored["status"] == "retrying" and int(stored["attempts"]) >= 1 and stored["last_error"]
    smtp.start()
    # due again (the back-off is long): make it due now, as time would
    await mailing.hub.stores.redis.zadd(mailing.hub.stores.keys.mail_due(), {mid: 0})
    [mail] = await _mails(smtp, 1)
    assert result["ticket_id"] in mail["Subject"]
    for _ in range(50):  # marked sent right after the server's "250 OK"
        if (await outbox.get(mid))["status"] == "sent":
            break
        await asyncio.sleep(0.1)
    assert (await outbox.get(mid))["status"] == "sent"
    await asyncio.sleep(0.5)
    assert len(smtp.messages()) == 1  # sent once, never again
    # two processes racing for the outbox: claimed by one only
    await outbox.add({"to": "x@example.it", "subject": "s", "body": "b"})
    first, second = await asyncio.gather(outbox.claim(lease=30), outbox.claim(lease=30))
    assert sorted([len(first), len(second)]) == [0, 1]


async def test_a_long_wait_offers_email_and_keeps_the_place(make_hub, smtp):
    hub = await make_hub(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_tls="none",
        wait_offer_minutes=3,
        default_handling_seconds=600,  # 10 minutes per case: any queue is a long wait
    )
    serena = await hub.add_agent("Serena", capacity=1)
    await hub.hub.stores.agents.set_presence(serena.id, "online")
    busy = await hub.new_conversation()  # Serena is full: the next cases queue up behind it
    assert (await hub.handoff(busy["conversation_id"])).json()["status"] == "assigned"
    older = await hub.new_conversation()
    await hub.handoff(older["conversation_id"], {"reason": "problem", "summary": {"email": "a@example.it"}})
    conv = await hub.new_conversation()
    cid = conv["conversation_id"]
    result = (await hub.handoff(cid, {"reason": "problem", "summary": {"email": "b@example.it"}})).json()
    assert result["status"] == "queued" and result["eta_minutes"] > 3
    await hub.hub.waits.queue_changed()
    offers = [e for e in await hub.events(conv) if e.get("buttons")]
    assert [b["payload"] for b in offers[-1]["buttons"]] == ["/email_instead", "/keep_waiting"]
    await hub.hub.waits.queue_changed()
    assert len([e for e in await hub.events(conv) if e.get("buttons")]) == 1  # offered once
    chose = await hub.say(conv, "By e-mail", payload="/email_instead")
    assert chose.status_code == 201
    state = await hub.state(cid)
    assert state["status"] == "offline" and state["summary"]["email"] == "b@example.it"
    said = [e["text"] for e in await hub.events(conv) if e.get("from") == "bot"]
    assert said[-1] == f"TEST {result['ticket_id']} by e-mail to b@example.it"
    [mail] = await _mails(smtp, 1)
    assert mail["To"] == "b@example.it"
    # its place: the offline list is by hand-off time, so it stays behind the case before it
    await hub.hub.waits.email_instead(older["conversation_id"])
    assert await hub.hub.stores.indexes.offline_ids() == [older["conversation_id"], cid]


async def test_a_ticket_past_its_promised_time_is_flagged_to_everyone_online(make_hub):
    hub = await make_hub(ticket_promise_seconds=0.2)
    serena = await hub.online_agent("Serena")
    await hub.hub.stores.agents.set_presence(serena.agent.id, "offline")
    conv = await hub.new_conversation()
    await hub.handoff(conv["conversation_id"])
    async with ws_connect(f"{hub.ws}/v1/agent/stream?token={serena.token}") as ws:
        await ws_recv(ws, lambda m: m["type"] == "hello")
        await hub.hub.stores.agents.set_presence(serena.agent.id, "away")  # online, not taking chats
        await asyncio.sleep(0.3)
        await hub.hub.cases.flag_overdue_tickets()
        frame = await ws_recv(ws, lambda m: m["type"] == "ticket_overdue")
        assert frame["conversation"]["id"] == conv["conversation_id"] and frame["conversation"]["overdue"]
        assert await hub.hub.cases.flag_overdue_tickets() == 0  # once
    items = (await serena.get("/conversations", status="offline")).json()["conversations"]
    assert items, await hub.state(conv["conversation_id"])
    item = items[0]
    assert item["overdue"] is True and item["reply_by"] < item["handoff_at"] + 1
    # an agent answers and keeps it open: back in the list, no longer overdue (nobody waits)
    await serena.post("/presence", {"status": "online"})
    assert (await serena.post(f"/conversations/{conv['conversation_id']}/claim")).status_code == 200
    await serena.post(
        f"/conversations/{conv['conversation_id']}/messages",
        {"text": "Risposta", "client_id": str(uuid.uuid4())},
    )
    released = await serena.post(f"/conversations/{conv['conversation_id']}/release")
    assert released.status_code == 200 and released.json()["conversation"]["status"] == "offline"
    assert released.json()["conversation"]["overdue"] is False


async def test_with_everyone_away_the_wait_is_not_invented_and_email_is_offered_at_once(make_hub, smtp):
    """Agents signed in but all "Assente": nobody says "circa un minuto" (no one may come back for
    an hour): the customer is queued, told the wait is unknown, and offered an answer by e-mail at
    once; with nobody signed in at all, the ticket and the e-mail (the offline path)."""
    hub = await make_hub(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none", wait_offer_minutes=3)
    for name in ("Serena", "Marco"):
        agent = await hub.add_agent(name)
        await hub.hub.stores.agents.set_presence(agent.id, "away")
    conv = await hub.new_conversation()
    cid = conv["conversation_id"]
    result = (
        await hub.handoff(cid, {"reason": "request_human", "summary": {"email": "b@example.it"}})
    ).json()
    assert (result["status"], result["queue_position"], result["eta_minutes"], result["wait"]) == (
        "queued",
        1,
        None,
        None,
    )
    await hub.hub.idle()
    offers = [e for e in await hub.events(conv) if e.get("buttons")]
    assert [e["text"] for e in offers] == ["TEST nobody at the desk, e-mail instead?"]
    assert [b["payload"] for b in offers[0]["buttons"]] == ["/email_instead", "/keep_waiting"]
    handoffs = [e for e in await hub.events(conv) if e["type"] == "handoff"]
    assert handoffs[-1]["eta_minutes"] is None and "wait" in handoffs[-1] and handoffs[-1]["wait"] is None
    # writing while waiting: told the truth again, in the words for an unknown wait
    await hub.say(conv, "c'è qualcuno?")
    await hub.hub.idle()
    said = [e["text"] for e in await hub.events(conv) if e.get("from") == "bot"]
    assert said[-1] == f"TEST added to {result['ticket_id']}, still at 1, nobody at the desk"
    assert not any("minute" in text for text in said)
    # staying: the position, still no invented wait
    await hub.say(conv, "I wait", payload="/keep_waiting")
    said = [e["text"] for e in await hub.events(conv) if e.get("from") == "bot"]
    assert said[-1] == "TEST still at 1, nobody at the desk"
    # someone comes online: a real estimate again
    serena = await hub.hub.stores.agents.by_email("serena@sportello.example")
    await hub.hub.stores.agents.set_presence(serena.id, "online")
    assert (await hub.hub.waits.wait(2))["eta_minutes"] is not None
    # nobody signed in at all: the offline path, as before
    for name in ("serena", "marco"):
        agent = await hub.hub.stores.agents.by_email(f"{name}@sportello.example")
        await hub.hub.stores.agents.set_presence(agent.id, "offline")
    other = await hub.new_conversation()
    placed = (
        await hub.handoff(
            other["conversation_id"], {"reason": "request_human", "summary": {"email": "c@example.it"}}
        )
    ).json()
    assert placed["status"] == "offline"
