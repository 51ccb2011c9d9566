"""The customer flow: conversations, messages to Rasa, the event stream, idempotent retries."""

from __future__ import annotations

import asyncio
import json
import uuid

from tests.handoff.helpers import ws_connect, ws_recv


async def test_conversation_message_goes_to_rasa_and_answer_is_stored(running, fake_rasa):
    conv = await running.new_conversation()
    assert set(conv) == {"conversation_id", "token", "visitor_token"}
    response = await running.say(conv, "Ciao, il mio ordine?")
    assert response.status_code == 201, response.text
    ack = response.json()
    assert ack["type"] == "ack" and ack["id"]
    events = await running.wait_events(conv, lambda ev: any(e.get("from") == "bot" for e in ev))
    assert [(e["type"], e.get("from"), e.get("text")) for e in events] == [
        ("message", "customer", "Ciao, il mio ordine?"),
        ("message", "bot", "echo: Ciao, il mio ordine?"),
    ]
    assert events[0]["id"] == ack["id"]
    assert all("ts" in e for e in events)
    sent = fake_rasa.messages()
    assert sent == [
        {
            "sender": conv["conversation_id"],
            "message": "Ciao, il mio ordine?",
            "metadata": {"visitor_id": sent[0]["metadata"]["visitor_id"]},
        }
    ]


async def test_retry_with_same_client_id_is_stored_once(running, fake_rasa):
    conv = await running.new_conversation()
    client_id = str(uuid.uuid4())
    first = await running.say(conv, "una volta", client_id=client_id)
    second = await running.say(conv, "una volta", client_id=client_id)
    assert first.json() == second.json()
    await running.hub.idle()
    events = await running.events(conv)
    assert [e["text"] for e in events if e.get("from") == "customer"] == ["una volta"]
    assert len(fake_rasa.messages()) == 1


async def test_websocket_replays_then_streams_live(running, fake_rasa):
    conv = await running.new_conversation()
    await running.say(conv, "prima")
    await running.hub.idle()
    url = f"{running.ws}/v1/conversations/{conv['conversation_id']}/stream?token={conv['token']}"
    async with ws_connect(url) as ws:
        first = await ws_recv(ws)
        second = await ws_recv(ws)
        assert (first["text"], second["text"]) == ("prima", "echo: prima")
        client_id = str(uuid.uuid4())
        await ws.send(json.dumps({"type": "message", "text": "dopo", "client_id": client_id}))
        ack = await ws_recv(ws, lambda m: m["type"] == "ack")
        assert ack["client_id"] == client_id
        bot = await ws_recv(ws, lambda m: m["type"] == "message" and m["from"] == "bot")
        assert bot["text"] == "echo: dopo"


async def test_resume_after_disconnect_loses_and_duplicates_nothing(running, fake_rasa):
    conv = await running.new_conversation()
    url = f"{running.ws}/v1/conversations/{conv['conversation_id']}/stream?token={conv['token']}"
    seen: list[dict] = []
    async with ws_connect(url) as ws:
        await ws.send(json.dumps({"type": "message", "text": "uno", "client_id": str(uuid.uuid4())}))
        seen.append(await ws_recv(ws, lambda m: m["type"] == "message" and m["from"] == "customer"))
        seen.append(await ws_recv(ws, lambda m: m["type"] == "message" and m["from"] == "bot"))
    # while disconnected: two more turns happen (e.g. from another tab, over HTTP)
    await running.say(conv, "due")
    await running.say(conv, "tre")
    await running.hub.idle()
    async with ws_connect(url + f"&after={seen[-1]['id']}") as ws:
        for _ in range(4):
            seen.append(await ws_recv(ws))
        try:
            extra = await asyncio.wait_for(ws.recv(), timeout=0.3)
        except TimeoutError:
            extra = None
        assert extra is None, f"unexpected extra event {extra}"
    ids = [e["id"] for e in seen]
    assert len(ids) == len(set(ids)) == 6
    assert sorted(e["text"] for e in seen) == sorted(
        ["uno", "echo: uno", "due", "echo: due", "tre", "echo: tre"]
    )
    assert ids == [e["id"] for e in await running.events(conv)]


async def test_button_payload_goes_to_rasa_only_if_offered(running, fake_rasa):
    fake_rasa.on_message = lambda body: (
        [
            {
                "text": "Confermi?",
                "buttons": [
                    {"title": "Sì", "payload": "/affirm"},
                    {"title": "No", "payload": "/deny"},
                ],
            }
        ]
        if body["message"] == "ordine 1234567"
        else [{"text": f"got {body['message']}"}]
    )
    conv = await running.new_conversation()
    await running.say(conv, "ordine 1234567")
    await running.hub.idle()
    bad = await running.say(conv, "Forse", payload="/restart")
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_payload"
    good = await running.say(conv, "Sì", payload="/affirm")
    assert good.status_code == 201
    await running.hub.idle()
    assert [m["message"] for m in fake_rasa.messages()] == ["ordine 1234567", "/affirm"]
    texts = [e.get("text") for e in await running.events(conv)]
    assert texts == ["ordine 1234567", "Confermi?", "Sì", "got /affirm"]
    # the buttons of an older message are no longer valid
    stale = await running.say(conv, "No", payload="/deny")
    assert stale.json()["error"] == "invalid_payload"


async def test_live_delivery_survives_a_lost_pubsub_connection(running, redis_server):
    conv = await running.new_conversation()
    url = f"{running.ws}/v1/conversations/{conv['conversation_id']}/stream?token={conv['token']}"
    async with ws_connect(url) as ws:
        await running.say(conv, "prima")
        await ws_recv(ws, lambda m: m.get("text") == "echo: prima")
        killed = redis_server.command("CLIENT", "KILL", "TYPE", "pubsub")
        assert killed >= 1
        await running.say(conv, "dopo")  # written while the subscriber reconnects
        got = await ws_recv(ws, lambda m: m.get("text") == "echo: dopo", timeout=8)
        assert got["from"] == "bot"
