"""The conversation as the customer lives it around the hand-off: the opening, the wait, the details
given while waiting."""

from __future__ import annotations

from tests.handoff.helpers import ws_connect, ws_recv


async def test_a_new_conversation_opens_with_the_assistant_introducing_itself(make_hub, fake_rasa):
    hub = await make_hub(welcome=True)
    conv = await hub.new_conversation()
    [welcome] = await hub.events(conv)
    assert welcome["from"] == "bot" and welcome["text"] == "TEST welcome, I am a bot"
    assert [b["payload"] for b in welcome["buttons"]] == ["/order_status", "/request_human"]
    # its quick replies are real buttons: clicking one reaches the bot as its payload
    sent = await hub.say(conv, "", payload="/order_status")
    assert sent.status_code == 201, sent.text
    await hub.hub.idle()
    assert fake_rasa.messages()[-1]["message"] == "/order_status"


async def test_a_waiting_customer_is_told_once_what_happens_and_details_reach_the_case(running, fake_rasa):
    serena = await running.add_agent("Serena", capacity=1)
    token = await running.login(serena.email)
    await running.hub.stores.agents.set_presence(serena.id, "online")  # online and full: the case is queued
    assert (await running.handoff((await running.new_conversation())["conversation_id"])).json()[
        "status"
    ] == "assigned"
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    result = (await running.handoff(cid, {"reason": "frustration", "summary": {"mood": "frustrated"}})).json()
    assert result["status"] == "queued" and result["wait"].startswith("about")
    for text in ("c'è qualcuno??", "pronto?", "l'ordine è il 2345678, mail luca.bianchi@example.it"):
        assert (await running.say(conv, text)).status_code == 201
    await running.hub.idle()
    told = [e["text"] for e in await running.events(conv) if e.get("from") == "bot"]
    assert told == [f"TEST added to {result['ticket_id']}, still at 1, {result['wait']}"]  # once, not 3 times
    # the order number and e-mail go to the bot, which looks the order up and fills the case card
    [trigger] = [body for method, path, body in fake_rasa.requests if "trigger_intent" in path]
    assert trigger == {
        "name": "case_detail",
        "entities": {"order_number": "2345678", "email": "luca.bianchi@example.it"},
    }
    # what the action server then sends (a hand-off request on the open case) fills the card
    detail = {"order_number": "2345678", "customer_name": "Luca Bianchi", "order": {"number": "2345678"}}
    async with ws_connect(f"{running.ws}/v1/agent/stream?token={token}") as ws:
        await ws_recv(ws, lambda m: m["type"] == "hello")
        await running.hub.stores.agents.set_presence(serena.id, "away")
        assert (await running.handoff(cid, {"reason": "problem", "summary": detail})).status_code == 200
        updated = await ws_recv(ws, lambda m: m["type"] == "case_updated")
        assert updated["conversation_id"] == cid
    state = await running.state(cid)
    assert (state["order_number"], state["customer_name"]) == ("2345678", "Luca Bianchi")
    assert state["summary"]["mood"] == "frustrated"  # what was there stays


async def test_offline_customers_are_told_the_honest_promise_once(running, fake_rasa):
    conv = await running.new_conversation()
    result = (await running.handoff(conv["conversation_id"])).json()
    assert result["status"] == "offline"  # nobody exists, nobody online
    for _ in range(3):
        await running.say(conv, "ci siete?")
    told = [e["text"] for e in await running.events(conv) if e.get("from") == "bot"]
    assert told == [f"TEST added to {result['ticket_id']}, nobody online"]
    assert fake_rasa.messages() == []  # waiting messages do not go to the bot as chat turns


async def test_the_hub_speaks_the_customer_s_register_too(running, fake_rasa):
    # the bot sends the register it detected with the case; the hub's own sentences follow it, the
    # most specific variation first (formal and frustrated beats formal)
    for summary, told in (
        ({"register": "formal"}, "TEST formal: added to {}, nobody online"),
        ({"register": "formal", "mood": "frustrated"}, "TEST formal and angry: added to {}"),
        ({"register": "informal", "mood": "frustrated"}, "TEST added to {}, nobody online"),
    ):
        conv = await running.new_conversation()
        result = (
            await running.handoff(conv["conversation_id"], {"reason": "problem", "summary": summary})
        ).json()
        await running.say(conv, "ci siete?")
        said = [e["text"] for e in await running.events(conv) if e.get("from") == "bot"]
        assert said == [told.format(result["ticket_id"])], summary


async def test_canned_replies_come_in_the_customer_s_register(running, fake_rasa):
    serena = await running.add_agent("Serena")
    token = await running.login(serena.email)
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await running.handoff(cid, {"reason": "problem", "summary": {"register": "formal"}})
    headers = {"Authorization": f"Bearer {token}"}
    plain = (await running.http.get("/v1/agent/canned", headers=headers)).json()["canned"]
    formal = (await running.http.get(f"/v1/agent/canned?conversation_id={cid}", headers=headers)).json()[
        "canned"
    ]
    assert [c["id"] for c in plain] == [c["id"] for c in formal]
    assert [c["text"] for c in plain if c["id"] == "utter_canned_refund"] == ["TEST refund started"]
    assert [c["text"] for c in formal if c["id"] == "utter_canned_refund"] == [
        "TEST formal: the refund of Yours started"
    ]
    # a response without a formal variation is the same for everyone
    assert [c["text"] for c in formal if c["id"] == "utter_canned_closing"] == ["TEST anything else?"]
    unknown = await running.http.get("/v1/agent/canned?conversation_id=nope", headers=headers)
    assert unknown.status_code == 404


async def test_the_wait_is_pushed_again_when_it_changes_not_only_the_position(make_hub, fake_rasa):
    hub = await make_hub(sweep_interval=0.1)
    serena = await hub.add_agent("Serena", capacity=1)
    marco = await hub.add_agent("Marco", capacity=1)
    for agent in (serena, marco):
        await hub.hub.stores.agents.set_presence(agent.id, "online")
        assert (await hub.handoff((await hub.new_conversation())["conversation_id"])).json()[
            "status"
        ] == "assigned"
    waiting = await hub.new_conversation()
    queued = (await hub.handoff(waiting["conversation_id"])).json()
    # both full: 300 s of handling shared by two agents working → 150 s → 3 minutes
    assert (queued["status"], queued["queue_position"], queued["eta_minutes"]) == ("queued", 1, 3)
    await hub.hub.stores.agents.set_presence(marco.id, "away")  # one agent fewer: the wait doubles

    async def pushed() -> list[int] | None:
        told = [e["eta_minutes"] for e in await hub.events(waiting) if e["type"] == "handoff"]
        return told if len(told) > 1 else None

    assert await hub.wait_for(pushed) == [3, 5]  # same position, a new wait, told without asking


async def test_one_minute_is_said_in_good_italian_with_the_repo_words(make_hub, fake_rasa):
    from pathlib import Path

    domain = Path(__file__).resolve().parents[2] / "domain.yml"
    hub = await make_hub(domain_path=domain, default_handling_seconds=45)
    serena = await hub.add_agent("Serena", capacity=1)
    await hub.hub.stores.agents.set_presence(serena.id, "online")
    await hub.handoff((await hub.new_conversation())["conversation_id"])
    conv = await hub.new_conversation()
    result = (await hub.handoff(conv["conversation_id"])).json()
    assert (result["status"], result["eta_minutes"], result["wait"]) == ("queued", 1, "circa un minuto")
    await hub.say(conv, "c'è qualcuno?")
    [told] = [e["text"] for e in await hub.events(conv) if e.get("from") == "bot"]
    assert "circa un minuto" in told and "1 minuti" not in told
