"""Agents: authentication, the console stream, claim/message/note/transfer/resolve."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest
from websockets.exceptions import ConnectionClosed

from handoff.tokens import Signer
from tests.handoff.helpers import PASSWORD, SECRET, ws_connect, ws_recv


async def test_login_and_token_checks(running):
    agent = await running.add_agent("Serena")
    wrong = await running.http.post("/v1/agent/login", json={"email": agent.email, "password": "nope-nope"})
    unknown = await running.http.post(
        "/v1/agent/login", json={"email": "x@sportello.example", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    login = await running.http.post(
        "/v1/agent/login", json={"email": agent.email.upper(), "password": PASSWORD}
    )
    assert login.status_code == 200
    body = login.json()
    assert body["agent"]["name"] == "Serena" and body["expires_at"] > time.time()
    token = body["token"]
    ok = await running.http.get("/v1/agent/me", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json()["email"] == agent.email

    missing = await running.http.get("/v1/agent/me")
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "ag_someone_else"
    forged_payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    tampered = await running.http.get(
        "/v1/agent/me",
        headers={"Authorization": f"Bearer {header}.{forged_payload}.{signature}"},
    )
    # correctly signed with the hub's key, but expired ten seconds ago
    expired_token = Signer(SECRET).sign("agent", {"sub": agent.id, "ver": 0}, ttl=-10)
    expired = await running.http.get("/v1/agent/me", headers={"Authorization": f"Bearer {expired_token}"})
    other_secret = jwt.encode({"typ": "agent", "sub": agent.id, "ver": 0}, "x" * 40, algorithm="HS256")
    foreign = await running.http.get("/v1/agent/me", headers={"Authorization": f"Bearer {other_secret}"})
    conv = await running.new_conversation()
    customer_token = await running.http.get(
        "/v1/agent/me", headers={"Authorization": f"Bearer {conv['token']}"}
    )
    assert [r.status_code for r in (missing, tampered, expired, foreign, customer_token)] == [401] * 5

    # the agent WebSocket refuses the same way, before anything is sent: the upgrade is accepted
    # and closed with 4401, which a browser can read (a refused handshake is only "1006")
    for bad in ("", "garbage", expired_token):
        async with ws_connect(f"{running.ws}/v1/agent/stream?token={bad}") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd.code == 4401


async def test_password_change_and_disable_invalidate_tokens(running):
    agent = await running.add_agent("Marco")
    token = await running.login(agent.email)
    headers = {"Authorization": f"Bearer {token}"}
    assert (await running.http.get("/v1/agent/me", headers=headers)).status_code == 200
    await running.hub.stores.agents.set_password(agent.id, "another-password")
    assert (await running.http.get("/v1/agent/me", headers=headers)).status_code == 401
    token = await running.login(agent.email, "another-password")
    await running.hub.stores.agents.set_disabled(agent.id, True)
    assert (
        await running.http.get("/v1/agent/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401
    refused = await running.http.post(
        "/v1/agent/login", json={"email": agent.email, "password": "another-password"}
    )
    assert refused.status_code == 401


async def test_console_stream_gets_assignment_and_customer_events(running, fake_rasa):
    agent = await running.add_agent("Serena")
    token = await running.login(agent.email)
    async with ws_connect(f"{running.ws}/v1/agent/stream?token={token}") as ws:
        hello = await ws_recv(ws, lambda m: m["type"] == "hello")
        assert hello["agent"]["name"] == "Serena" and hello["presence"] == "online"
        conv = await running.new_conversation()
        cid = conv["conversation_id"]
        result = (
            await running.handoff(cid, {"reason": "problem", "summary": {"order_number": "1234567"}})
        ).json()
        assert result["status"] == "assigned"  # connecting made Serena online
        assigned = await ws_recv(ws, lambda m: m["type"] == "assigned")
        assert assigned["conversation"]["id"] == cid and assigned["conversation"]["order_number"] == "1234567"
        await running.say(conv, "Buongiorno Serena")
        event = await ws_recv(ws, lambda m: m["type"] == "event" and m["event"]["type"] == "message")
        assert event["conversation_id"] == cid and event["event"]["text"] == "Buongiorno Serena"
        # customer typing reaches the agent; agent typing reaches the customer
        customer_url = f"{running.ws}/v1/conversations/{cid}/stream?token={conv['token']}"
        async with ws_connect(customer_url) as customer:
            await customer.send(json.dumps({"type": "typing"}))
            typing = await ws_recv(ws, lambda m: m["type"] == "typing")
            assert typing == {
                "type": "typing",
                "conversation_id": cid,
                "from": "customer",
            }
            await ws.send(json.dumps({"type": "typing", "conversation_id": cid}))
            seen = await ws_recv(customer, lambda m: m["type"] == "typing")
            assert seen == {
                "type": "typing",
                "from": "agent",
                "agent": {"name": "Serena"},
            }
        await ws.send("not json")
        error = await ws_recv(ws, lambda m: m["type"] == "error")
        assert error["code"] == "invalid_json"
        await ws.send(json.dumps({"type": "heartbeat"}))
        assert (await ws_recv(ws, lambda m: m["type"] == "heartbeat"))["ts"] > 0

    async def offline():
        return await running.hub.stores.agents.presence(agent.id) == "offline"

    await running.wait_for(offline, timeout=3)  # the server notices the close a moment later


async def test_agent_reply_note_transfer_and_resolve(running, fake_rasa):
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await running.handoff(cid, {"reason": "problem", "summary": {"problem_type": "item_damaged"}})
    reply = await serena.post(
        f"/conversations/{cid}/messages",
        {"text": "Ciao, sono Serena.", "client_id": str(uuid.uuid4())},
    )
    assert reply.status_code == 201, reply.text
    note = await serena.post(f"/conversations/{cid}/notes", {"text": "cliente fedele: proporre buono"})
    assert note.status_code == 201
    events = await running.events(conv)
    agent_message = events[-1]
    assert agent_message["from"] == "agent" and agent_message["agent"] == {"name": "Serena"}
    assert not any("buono" in json.dumps(e) for e in events), "internal notes must never reach the customer"

    marco = await running.online_agent("Marco")
    moved = await serena.post(
        f"/conversations/{cid}/transfer",
        {"agent_id": marco.agent.id, "note": "parla di rimborso"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["conversation"]["agent"]["name"] == "Marco"
    last = (await running.events(conv))[-1]
    assert last["type"] == "handoff" and last["agent"]["name"] == "Marco"
    assert not any("rimborso" in json.dumps(e) for e in await running.events(conv))
    not_mine = await serena.post(
        f"/conversations/{cid}/messages",
        {"text": "ancora io", "client_id": str(uuid.uuid4())},
    )
    assert not_mine.status_code == 409
    detail = (await marco.get(f"/conversations/{cid}")).json()
    assert [n["text"] for n in detail["notes"]] == [
        "cliente fedele: proporre buono",
        "parla di rimborso",
    ]
    assert detail["case_card"]["problem_type"] == "item_damaged"

    resolved = await marco.post(f"/conversations/{cid}/resolve", {"note": "risolto con buono"})
    assert resolved.status_code == 200
    assert resolved.json()["conversation"]["status"] == "bot"
    events = await running.wait_events(conv, lambda ev: ev[-1].get("text") == "intent: handoff_resolved")
    assert events[-2]["type"] == "resolved"
    trigger = [r for r in fake_rasa.requests if "trigger_intent" in r[1]]
    assert trigger == [("POST", f"/conversations/{cid}/trigger_intent", {"name": "handoff_resolved"})]
    ticket = (await running.hub.stores.tickets.get(resolved.json()["conversation"]["ticket_id"])).as_dict()
    assert ticket["status"] == "closed" and ticket["agent"]["name"] == "Marco"
    # back in bot mode: the next message goes to Rasa again
    await running.say(conv, "grazie")
    await running.hub.idle()
    assert fake_rasa.messages()[-1]["message"] == "grazie"
    listed = (await marco.get("/conversations", status="resolved")).json()["conversations"]
    assert [c["id"] for c in listed] == [cid]


async def test_claim_from_queue_and_capacity(running):
    serena = await running.online_agent("Serena", capacity=1)
    first, second = await running.new_conversation(), await running.new_conversation()
    a = (await running.handoff(first["conversation_id"], {"reason": "problem"})).json()
    b = (await running.handoff(second["conversation_id"], {"reason": "problem"})).json()
    assert a["status"] == "assigned" and b["status"] == "queued" and b["queue_position"] == 1
    queued = (await serena.get("/conversations", status="queued")).json()["conversations"]
    assert [c["id"] for c in queued] == [second["conversation_id"]]
    full = await serena.post(f"/conversations/{second['conversation_id']}/claim")
    assert full.status_code == 409 and full.json()["error"] == "at_capacity"
    marco = await running.add_agent("Marco")
    marco_token = await running.login(marco.email)
    claim = await running.http.post(
        f"/v1/agent/conversations/{second['conversation_id']}/claim",
        headers={"Authorization": f"Bearer {marco_token}"},
    )
    assert claim.status_code == 200 and claim.json()["conversation"]["agent"]["name"] == "Marco"
    again = await serena.post(f"/conversations/{second['conversation_id']}/claim")
    assert again.status_code == 409 and again.json()["error"] == "not_claimable"


async def test_canned_replies_come_from_the_domain(running):
    serena = await running.online_agent("Serena")
    canned = (await serena.get("/canned")).json()["canned"]
    assert canned == [
        {
            "id": "utter_canned_closing",
            "title": "closing",
            "text": "TEST anything else?",
        },
        {"id": "utter_canned_refund", "title": "refund", "text": "TEST refund started"},
    ]


async def test_agent_bad_input_is_refused(running):
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await running.handoff(cid, {"reason": "problem"})
    before = await running.events(conv)
    for body, code in [
        ({"text": "", "client_id": str(uuid.uuid4())}, "empty_message"),
        ({"text": "x" * 2001, "client_id": str(uuid.uuid4())}, "too_long"),
        ({"text": "ok"}, "invalid_client_id"),
        ({"text": 5, "client_id": str(uuid.uuid4())}, "invalid_message"),
    ]:
        response = await serena.post(f"/conversations/{cid}/messages", body)
        assert response.status_code in (400, 413) and response.json()["error"] == code
    assert (await serena.get("/conversations", status="bogus")).status_code == 400
    assert (await serena.post("/presence", {"status": "sleeping"})).status_code == 400
    assert (await serena.post(f"/conversations/{cid}/transfer", {"agent_id": "ag_nobody"})).status_code == 404
    assert await running.events(conv) == before


async def test_agent_stays_online_while_any_console_is_open(running):
    agent = await running.add_agent("Serena")
    token = await running.login(agent.email)
    url = f"{running.ws}/v1/agent/stream?token={token}"
    async with ws_connect(url) as first:
        await ws_recv(first, lambda m: m["type"] == "hello")
        async with ws_connect(url) as second:
            await ws_recv(second, lambda m: m["type"] == "hello")
        # one tab closed, the other still open: still online
        assert await running.hub.stores.agents.presence(agent.id) == "online"

    async def offline():
        return await running.hub.stores.agents.presence(agent.id) == "offline"

    await running.wait_for(offline, timeout=3)  # the server notices the close a moment later


async def test_customer_sees_agent_name_and_gender_never_email(running):
    serena = await running.online_agent("Serena", gender="f")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    result = (await running.handoff(cid)).json()
    assert result["agent"] == {"id": serena.agent.id, "name": "Serena", "gender": "f"}
    reply = await serena.post(
        f"/conversations/{cid}/messages",
        {"text": "Ciao!", "client_id": str(uuid.uuid4())},
    )
    assert reply.status_code == 201, reply.text
    events = await running.events(conv)
    handoff = next(e for e in events if e["type"] == "handoff")
    assert handoff["agent"] == {"id": serena.agent.id, "name": "Serena", "gender": "f"}
    assert events[-1]["agent"] == {"name": "Serena", "gender": "f"}
    assert "sportello.example" not in json.dumps(events)
    # transferred to Marco (m): the new handoff event carries his gender
    marco = await running.online_agent("Marco", gender="m")
    moved = await serena.post(f"/conversations/{cid}/transfer", {"agent_id": marco.agent.id})
    assert moved.status_code == 200, moved.text
    events = await running.events(conv)
    assert events[-1]["type"] == "handoff"
    assert events[-1]["agent"] == {"id": marco.agent.id, "name": "Marco", "gender": "m"}
    me = (await marco.get("/me")).json()
    assert me["gender"] == "m"


async def test_agent_gender_is_validated(running):
    from handoff.store.agents import AgentError

    with pytest.raises(AgentError, match="gender must be 'f' or 'm'"):
        await running.add_agent("Zeta", gender="x")
    assert await running.hub.stores.agents.by_email("zeta@sportello.example") is None


async def test_views_carry_the_labels_of_the_problem_registry(running):
    """The console never hard-codes problem or mood names: the hub sends the registry's labels."""
    from sportello.problems import registry

    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    summary = {"problem_type": "missing_parts", "mood": "frustrated", "customer_words": "MANCANO LE ANTE"}
    assert (await running.handoff(cid, {"reason": "problem", "summary": summary})).status_code == 200
    detail = (await serena.get(f"/conversations/{cid}")).json()
    labels = registry()
    assert (
        detail["conversation"]["problem_label"] == labels.problem_label("missing_parts") == "Pezzi mancanti"
    )
    assert detail["conversation"]["mood_label"] == labels.mood_label("frustrated") == "Frustrato"
    assert detail["case_card"]["problem_label"] == "Pezzi mancanti"
    # the registry's mood policy: a frustrated customer is high priority whatever the caller said
    assert detail["conversation"]["priority"] == "high"
    listed = (await serena.get("/conversations", status="assigned")).json()["conversations"]
    assert [c["problem_label"] for c in listed] == ["Pezzi mancanti"]
