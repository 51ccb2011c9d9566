"""A typed value is a claim, not a proof (hardening, second round): each test makes an attack an
outsider made against the hub, and checks that it gets nothing. docs/security.md has the rows."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import jwt
import pytest

from handoff.settings import REPO_ROOT, Settings
from tests.handoff.helpers import INTERNAL_TOKEN, ws_connect, ws_recv
from tools.devmail import DevMailServer
from tools.processes import free_port

VICTIM = {
    "problem_type": "item_damaged",
    "order_number": "2345678",
    "email": "luca.bianchi@example.it",
    "customer_name": "Luca Bianchi",
    "description": "il tavolo è arrivato con una gamba rotta",
}


async def _victim_case(running) -> tuple[dict, dict]:
    """The victim's conversation, handed off with their name, e-mail and order (the bot proved the
    order: `order_verified`), with some of their own words in it."""
    victim = await running.new_conversation()
    await running.say(victim, "il mio tavolo Oslo è arrivato rotto, abito in via Roma 3")
    result = (
        await running.handoff(
            victim["conversation_id"],
            {"reason": "problem", "summary": {**VICTIM, "order_verified": "email", "email_verified": "yes"}},
        )
    ).json()
    return victim, result


@pytest.mark.parametrize(
    "claim",
    [
        {"email": VICTIM["email"]},
        {"order_number": VICTIM["order_number"]},
        {"email": VICTIM["email"], "order_number": VICTIM["order_number"]},
        # what the bot sends when an injected `/request_human{"email": …}` filled its slot
        {"email": VICTIM["email"].upper(), "problem_type": "item_damaged"},
    ],
)
async def test_a_stranger_who_types_a_customers_email_or_order_takes_over_nothing(running, claim):
    serena = await running.online_agent("Serena", capacity=5)
    victim, placed = await _victim_case(running)
    assert placed["status"] == "assigned"
    attacker = await running.new_conversation()  # another browser
    got = (
        await running.handoff(attacker["conversation_id"], {"reason": "request_human", "summary": claim})
    ).json()
    # a new case of its own: the victim's conversation is not closed into the attacker's, its
    # ticket is not the attacker's
    assert got["ticket_id"] != placed["ticket_id"]
    victim_state = await running.state(victim["conversation_id"])
    assert victim_state["status"] == "assigned" and not victim_state["merged_into"]
    # the agent's view of the attacker's conversation: the claim, marked unverified — never the
    # victim's name, earlier chat or history
    detail = (
        await serena.running.http.get(
            f"/v1/agent/conversations/{attacker['conversation_id']}", headers=serena.headers
        )
    ).json()
    text = json.dumps(detail, ensure_ascii=False)
    assert "Luca Bianchi" not in text and "via Roma" not in text
    assert detail["earlier"] == [] and detail["history"] == []
    assert (
        detail["case_card"]["claimed_case"]
        == f"{placed['ticket_id']} ({'e-mail' if 'email' in claim else 'ordine'}, non verificato)"
    )
    assert not detail["case_card"]["order_verified"] and detail["case_card"]["email_verified"] is False
    # and whatever the agent writes on the victim's case goes to the victim only
    async with ws_connect(
        f"{running.ws}/v1/conversations/{attacker['conversation_id']}/stream?token={attacker['token']}"
    ) as ws:
        await ws_recv(ws, lambda m: m.get("type") == "handoff")
        sent = await serena.post(
            f"/conversations/{victim['conversation_id']}/messages",
            {"text": "Gentile Luca, le mando un tavolo nuovo", "client_id": str(uuid.uuid4())},
        )
        assert sent.status_code in (200, 201), sent.text
        with pytest.raises((AssertionError, TimeoutError)):
            await ws_recv(ws, lambda m: m.get("from") == "agent", timeout=1.0)


async def test_the_same_browser_or_a_proven_order_joins_the_case(running):
    serena = await running.online_agent("Serena", capacity=5)
    victim, placed = await _victim_case(running)
    # the same customer, from the same browser (their visitor token): back to the same case
    again = await running.new_conversation(visitor_token=victim["visitor_token"])
    same = (
        await running.handoff(again["conversation_id"], {"reason": "request_human", "summary": {}})
    ).json()
    assert same["ticket_id"] == placed["ticket_id"]
    assert (await running.state(victim["conversation_id"]))["merged_into"] == again["conversation_id"]
    # from another device, with the order proven to the bot (order number + the order's e-mail)
    other_device = await running.new_conversation()
    proven = (
        await running.handoff(
            other_device["conversation_id"],
            {
                "reason": "problem",
                "summary": {"order_number": VICTIM["order_number"], "order_verified": "postcode"},
            },
        )
    ).json()
    assert proven["ticket_id"] == placed["ticket_id"]
    detail = (
        await serena.running.http.get(
            f"/v1/agent/conversations/{other_device['conversation_id']}", headers=serena.headers
        )
    ).json()
    assert detail["case_card"]["order_verified"] == "postcode"
    assert [e["conversation_id"] for e in detail["earlier"]] == [
        victim["conversation_id"],
        again["conversation_id"],
    ]


async def test_an_email_list_or_a_header_in_the_summary_is_refused(running):
    conv = await running.new_conversation()
    for bad in (
        "r000@ex.io, r001@ex.io, r002@ex.io",
        "a@b.it\r\nBcc: everyone@example.it",
        "a@b.it;b@c.it",
        "<a@b.it>",
        "not an address",
    ):
        answer = await running.handoff(
            conv["conversation_id"], {"reason": "problem", "summary": {"email": bad}}
        )
        assert (answer.status_code, answer.json()["error"]) == (400, "invalid_email"), bad
    assert (await running.state(conv["conversation_id"]))["status"] == "bot"  # nothing changed


@pytest.fixture
def smtp(tmp_path):
    server = DevMailServer(tmp_path / "mail", free_port()).start()
    yield server
    server.stop()


async def test_one_visitor_cannot_make_the_hub_mail_strangers(make_hub, smtp):
    """Nobody online: every hand-off with an address mails it. One visitor naming 20 addresses in 20
    chats, or one address from many chats, gets the caps' worth of mail, no more; the mail says who
    asked for it and what to do if it was not them."""
    hub = await make_hub(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_tls="none",
        domain_path=REPO_ROOT / "domain.yml",  # the real mail, in the content editors' words
        mail_per_address_per_day=2,
        mail_per_visitor_per_day=3,
        mail_per_hour=100,
    )
    first = await hub.new_conversation()
    results = []
    for i in range(20):  # one browser, 20 strangers
        conv = await hub.new_conversation(visitor_token=first["visitor_token"])
        summary = {"email": f"stranger{i}@example.it"}
        results.append(
            (await hub.handoff(conv["conversation_id"], {"reason": "problem", "summary": summary})).json()
        )
    for _ in range(5):  # one stranger, from 5 different browsers
        conv = await hub.new_conversation()
        summary = {"email": "target@example.it"}
        results.append(
            (await hub.handoff(conv["conversation_id"], {"reason": "problem", "summary": summary})).json()
        )
    await asyncio.sleep(1.5)
    mails = smtp.messages()
    by_visitor = [m for m in mails if m["To"].startswith("stranger")]
    to_target = [m for m in mails if m["To"] == "target@example.it"]
    assert len(by_visitor) == 3 and len(to_target) == 2
    # the customers whose mail did not go are told the truth (answered here), not "ti scriviamo a…"
    assert sum(1 for r in results if r["reply_by"] == "email") == 5
    assert all(r["reply_by"] == "chat" for r in results if r["reply_by"] != "email")
    body = mails[0].get_body().get_content()
    assert "indirizzo" in body and "ignora" in body.lower()  # why it came, and how to stop it


async def test_an_address_that_cannot_be_written_is_dropped_not_retried_forever(make_hub, smtp):
    hub = await make_hub(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none", sweep_interval=0.1)
    outbox = hub.hub.stores.outbox
    mid = await outbox.add({"to": "a@b.it\r\nBcc: x@y.it", "subject": "s", "body": "b", "kind": "offline"})
    await hub.hub.mailer.send_due()
    mail = await outbox.get(mid)
    assert mail["status"] == "failed" and "ValueError" in mail["last_error"]
    assert await hub.hub.stores.redis.zscore(hub.hub.stores.keys.mail_due(), mid) is None  # never again


async def test_customer_text_is_never_read_as_an_intent(running, fake_rasa):
    conv = await running.new_conversation()
    for text in ('/rate{"rating":"1"}', '  /request_human{"email":"v@x.it"}', "/"):
        await running.say(conv, text)
    await running.wait_events(conv, lambda ev: sum(1 for e in ev if e.get("from") == "bot") >= 3)
    sent = [m["message"] for m in fake_rasa.messages()]
    assert sent == ['rate{"rating":"1"}', 'request_human{"email":"v@x.it"}', "?"]
    # the transcript keeps what the customer wrote
    texts = [e["text"] for e in await running.events(conv) if e.get("from") == "customer"]
    assert texts[0] == '/rate{"rating":"1"}'


async def test_a_rating_counts_only_for_a_resolved_case_and_once(running):
    headers = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    rate = lambda r: running.http.post(  # noqa: E731
        f"/v1/internal/conversations/{cid}/rating", json={"rating": r}, headers=headers
    )
    assert ((await rate(1)).status_code, (await rate(1)).json()["error"]) == (409, "not_resolved")
    await running.handoff(cid, {"reason": "problem"})
    assert (await rate(1)).status_code == 409  # with a person now, not resolved yet
    assert (await serena.post(f"/conversations/{cid}/resolve")).status_code == 200
    assert (await rate(4)).status_code == 200
    again = await rate(1)
    assert (again.status_code, again.json()["error"]) == (409, "already_rated")
    csat = (await running.http.get("/v1/agent/csat", headers=serena.headers)).json()
    assert csat["overall"] == {"count": 1, "average": 4.0}


@pytest.fixture
async def mailing(make_hub, smtp):
    return await make_hub(
        smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none", public_url="https://shop.example"
    )


async def test_a_resume_link_works_once_gives_no_visitor_token_and_dies_with_the_case(mailing):
    running = mailing
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await running.handoff(cid, {"reason": "problem"})
    link = running.hub.auth.resume_link(cid, "vis-1", 3600)
    first = await running.http.post("/v1/conversations/resume", json={"link": link})
    assert first.status_code == 200 and set(first.json()) == {"conversation_id", "token"}
    second = await running.http.post("/v1/conversations/resume", json={"link": link})
    assert (second.status_code, second.json()["error"]) == (401, "invalid_link")
    # a link sent before the case was resolved does not open it afterwards
    before = running.hub.auth.resume_link(cid, "vis-1", 3600)
    await asyncio.sleep(1.1)  # the link's time stamp is in whole seconds
    assert (await serena.post(f"/conversations/{cid}/resolve")).status_code == 200
    late = await running.http.post("/v1/conversations/resume", json={"link": before})
    assert (late.status_code, late.json()["error"]) == (401, "invalid_link")


async def test_one_bad_frame_does_not_close_an_agents_console(running):
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await running.handoff(cid, {"reason": "problem"})
    async with ws_connect(f"{running.ws}/v1/agent/stream?token={serena.token}") as ws:
        await ws_recv(ws, lambda m: m["type"] == "hello")
        for bad in (f"{cid}:events", f"{cid}:clients", "x" * 5000, None, 42):
            await ws.send(json.dumps({"type": "typing", "conversation_id": bad}))
            error = await ws_recv(ws, lambda m: m["type"] == "error")
            assert error["code"] == "not_assigned"
        await ws.send(json.dumps({"type": "heartbeat"}))
        assert (await ws_recv(ws, lambda m: m["type"] == "heartbeat"))["type"] == "heartbeat"


async def test_behind_a_trusted_proxy_each_visitor_has_its_own_limit(make_hub):
    def forwarded(ip: str) -> dict[str, str]:
        return {"X-Forwarded-For": ip}

    direct = await make_hub(rate_conversations_per_minute=3)
    for _ in range(3):  # without the setting, X-Forwarded-For is not trusted: one address
        assert (
            await direct.http.post("/v1/conversations", json={}, headers=forwarded(f"10.0.0.{_}"))
        ).status_code == 201
    assert (
        await direct.http.post("/v1/conversations", json={}, headers=forwarded("10.0.0.9"))
    ).status_code == 429
    proxied = await make_hub(rate_conversations_per_minute=3, proxies_count=1)
    await proxied.hub.stores.redis.flushall()
    for visitor in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"):
        for _ in range(3):
            answer = await proxied.http.post("/v1/conversations", json={}, headers=forwarded(visitor))
            assert answer.status_code == 201, (visitor, answer.text)
    assert (
        await proxied.http.post("/v1/conversations", json={}, headers=forwarded("10.0.0.1"))
    ).status_code == 429


async def test_the_development_mailbox_needs_its_token_and_sends_no_cors(make_hub, tmp_path):
    (tmp_path / "m.eml").write_text("To: a@b.it\nSubject: s\n\nlink: http://x/?sportello=SECRET\n")
    with pytest.raises(Exception, match="HUB_DEV_MAIL_TOKEN"):
        Settings.from_env(
            {
                "HUB_SECRET": "s" * 20 + "abcdefghijklmn",
                "HUB_INTERNAL_TOKEN": "t" * 12 + "abcdefghijklm",
                "HUB_DEV_MAILBOX": str(tmp_path),
            }
        )
    hub = await make_hub(dev_mailbox=tmp_path, dev_mail_token="dev-token-0123456789")
    origin = {"Origin": "https://evil.example"}
    assert (await hub.http.get("/dev/mail", headers=origin)).status_code == 404
    assert (await hub.http.get("/dev/mail?token=wrong", headers=origin)).status_code == 404
    page = await hub.http.get("/dev/mail?token=dev-token-0123456789", headers=origin)
    assert page.status_code == 200 and "SECRET" in page.text
    assert "access-control-allow-origin" not in {k.lower() for k in page.headers}


async def test_a_signed_in_customers_token_makes_their_email_proven_and_a_bad_one_nothing(
    make_hub, fake_rasa
):
    secret = "shop-signing-key-0123456789-abcdefghij"
    hub = await make_hub(customer_token_secret=secret)

    def token(claims: dict, key: str = secret) -> str:
        return jwt.encode(claims, key, algorithm="HS256")

    good = token({"email": "Luca.Bianchi@example.it", "exp": int(time.time()) + 600})
    started = (await hub.http.post("/v1/conversations", json={"customer_token": good})).json()
    assert started["customer"] == {"verified": True}
    await hub.say(started, "ciao")
    await hub.wait_events(started, lambda ev: any(e.get("from") == "bot" for e in ev))
    assert fake_rasa.messages()[-1]["metadata"]["verified_email"] == "luca.bianchi@example.it"
    bad = {
        "expired": token({"email": "a@b.it", "exp": int(time.time()) - 10}),
        "invalid": token(
            {"email": "a@b.it", "exp": int(time.time()) + 600}, "another-key-0123456789-abcdefghijklm"
        ),
    }
    for why, value in [
        *bad.items(),
        ("invalid", "garbage"),
        ("invalid", token({"exp": int(time.time()) + 60})),
    ]:
        refused = await hub.http.post("/v1/conversations", json={"customer_token": value})
        assert refused.status_code == 201 and refused.json()["customer"] == {"verified": False, "error": why}
        await hub.say(refused.json(), "ciao")
    await asyncio.sleep(0.5)
    assert sum(1 for m in fake_rasa.messages() if m["metadata"].get("verified_email")) == 1
    plain = await make_hub()  # a hub with no key: no token is trusted
    answer = (await plain.http.post("/v1/conversations", json={"customer_token": good})).json()
    assert answer["customer"] == {"verified": False, "error": "not_configured"}


async def test_order_lookups_are_limited_per_chat_visitor_and_address(make_hub):
    hub = await make_hub(
        order_lookups_per_conversation=3,
        order_lookups_per_visitor=5,
        order_lookups_per_origin=8,
        order_proofs_failed_per_visitor=2,
    )
    headers = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}

    async def lookup(conv, kind="lookup"):
        return await hub.http.post(
            f"/v1/internal/conversations/{conv['conversation_id']}/order-lookups",
            json={"kind": kind},
            headers=headers,
        )

    first = await hub.new_conversation()
    assert [(await lookup(first)).status_code for _ in range(4)] == [200, 200, 200, 429]  # one chat: 3
    again = await hub.new_conversation(visitor_token=first["visitor_token"])  # same browser, new chat
    assert [(await lookup(again)).status_code for _ in range(3)] == [200, 200, 429]  # the browser: 5 in all
    stopped = await lookup(again)
    assert stopped.status_code == 429 and int(stopped.headers["Retry-After"]) > 0
    others = [await hub.new_conversation() for _ in range(4)]  # new browsers, same address
    codes = [(await lookup(conv)).status_code for conv in others]
    assert codes == [200, 200, 200, 429]  # the address: 8 lookups in all
    proofs = [(await lookup(first, "failed_proof")).status_code for _ in range(3)]
    assert proofs == [200, 200, 429]  # failed proofs, like failed logins
    bad = await lookup(first, "everything")
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_kind")
