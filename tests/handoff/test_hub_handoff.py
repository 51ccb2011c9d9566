"""Hand-offs: the internal API, the Rasa bridge's own hand-off, the 50-request race, tickets."""

from __future__ import annotations

import asyncio
import re

from tests.handoff.helpers import INTERNAL_TOKEN
from tests.support.fake_rasa import hands_off_during_turn

TICKET = re.compile(r"^T[ABCDEFGHJKMNPQRSTVWXYZ23456789]{8}$")
SUMMARY = {
    "problem_type": "missing_parts",
    "order_number": "1234567",
    "description": "Mancano le viti dell'armadio",
    "email": "Giulia.Rossi@example.com",
    "mood": "neutral",
    "customer_words": "mancano le viti",
    "bot_tried": ["order lookup"],
}


async def test_handoff_without_agents_is_offline_with_ticket(running):
    conv = await running.new_conversation()
    response = await running.handoff(conv["conversation_id"], {"reason": "problem", "summary": SUMMARY})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "offline" and result["agent"] is None
    assert TICKET.match(result["ticket_id"]) and any(c.isdigit() for c in result["ticket_id"])
    events = await running.events(conv)
    assert events[-1]["type"] == "handoff" and events[-1]["status"] == "offline"
    ticket = await running.http.get(
        f"/v1/internal/tickets/{result['ticket_id']}",
        headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
    )
    assert ticket.status_code == 200
    body = ticket.json()
    assert body["status"] == "open" and body["conversations"] == [conv["conversation_id"]]
    assert body["problem_type"] == "missing_parts" and body["order_number"] == "1234567"
    assert body["summary"]["email"] == "giulia.rossi@example.com"  # one address, as the hub keeps them


async def test_handoff_assigns_online_agent_and_is_idempotent(running):
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    first = (
        await running.handoff(conv["conversation_id"], {"reason": "request_human", "summary": {}})
    ).json()
    assert first["status"] == "assigned"
    assert first["agent"] == {"id": serena.agent.id, "name": "Serena"}
    richer = {
        "reason": "request_human",
        "summary": {"order_number": "2345678", "problem_type": "item_damaged"},
    }
    second = (await running.handoff(conv["conversation_id"], richer)).json()
    assert second == first
    detail = (await serena.get(f"/conversations/{conv['conversation_id']}")).json()
    assert detail["case_card"]["order_number"] == "2345678"
    handoffs = [e for e in await running.events(conv) if e["type"] == "handoff"]
    assert len(handoffs) == 1


async def test_fifty_simultaneous_handoffs_open_exactly_one(running):
    await running.online_agent("Serena", capacity=50)
    await running.online_agent("Marco", capacity=50)
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    responses = await asyncio.gather(
        *(
            running.handoff(cid, {"reason": "request_human", "summary": {"customer_words": f"n{i}"}})
            for i in range(50)
        )
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    results = [r.json() for r in responses]
    assert len({r["ticket_id"] for r in results}) == 1
    assert len({r["agent"]["id"] for r in results}) == 1
    assert [e for e in await running.events(conv) if e["type"] == "handoff"].__len__() == 1
    loads = [a["load"] for a in (await running.hub.console.agents_view())]
    assert sorted(loads) == [0, 1]
    tickets = await running.hub.stores.redis.keys(running.hub.stores.keys.ticket("*"))
    assert len([k for k in tickets if not k.endswith(":convs")]) == 1


async def test_action_server_calls_handoff_while_hub_waits_for_rasa(running, fake_rasa):
    """The action server asks for a hand-off while the hub waits for Rasa's answer to that same
    message: no per-conversation lock may be held across the Rasa call."""
    serena = await running.online_agent("Serena")
    url = running.url

    rasa_reply = hands_off_during_turn(
        url,
        INTERNAL_TOKEN,
        {"customer_words": "{customer_words}"},
        lambda result: f"Ti passo a {result['agent']['name']} ({result['ticket_id']})",
    )
    fake_rasa.on_message = rasa_reply
    conv = await running.new_conversation()
    await running.say(conv, "voglio un operatore")
    events = await running.wait_events(conv, lambda ev: any(e.get("from") == "bot" for e in ev))
    kinds = [(e["type"], e.get("from") or e.get("status")) for e in events]
    # the bot announces Serena, then the widget shows that she joined: the hand-off event waits
    # for the bot's answer to the message that asked for it
    assert kinds == [
        ("message", "customer"),
        ("message", "bot"),
        ("handoff", "assigned"),
    ]
    assert events[1]["text"].startswith("Ti passo a Serena")
    # stamped when stored, so a client ordering by time (the console) keeps this order too
    assert events[2]["ts"] >= events[1]["ts"]
    # in human mode the next message goes to the agent, not to Rasa
    await running.say(conv, "ci sei?")
    await running.hub.idle()
    assert len(fake_rasa.messages()) == 1
    detail = (await serena.get(f"/conversations/{conv['conversation_id']}")).json()
    assert [e.get("text") for e in detail["transcript"] if e["type"] == "message"][-1] == "ci sei?"


async def test_rasa_down_tells_customer_and_hands_off(running, fake_rasa):
    await running.online_agent("Serena")
    fake_rasa.mode = "error"
    conv = await running.new_conversation()
    response = await running.say(conv, "il divano non arriva")
    assert response.status_code == 201
    events = await running.wait_events(conv, lambda ev: sum(e.get("from") == "bot" for e in ev) >= 2)
    texts = [(e["type"], e.get("from"), e.get("text")) for e in events if e["type"] == "message"]
    assert texts[0] == ("message", "customer", "il divano non arriva")
    assert texts[1] == ("message", "bot", "TEST bot unavailable")
    assert texts[2][2].startswith("TEST assigned to Serena (T")
    handoff = next(e for e in events if e["type"] == "handoff")
    assert handoff["reason"] == "bot_unavailable" and handoff["status"] == "assigned"
    conv_state = await running.state(conv["conversation_id"])
    assert conv_state["summary"]["customer_words"] == "il divano non arriva"


async def test_rasa_slow_counts_as_unavailable(running, fake_rasa):
    fake_rasa.mode = "slow"
    fake_rasa.slow_seconds = 2.0  # the hub's time-out is 1 s in these tests
    conv = await running.new_conversation()
    await running.say(conv, "ciao")
    events = await running.wait_events(conv, lambda ev: any(e["type"] == "handoff" for e in ev), timeout=6)
    handoff = next(e for e in events if e["type"] == "handoff")
    assert handoff["status"] == "offline" and handoff["reason"] == "bot_unavailable"
    # the apology and the announcement come before the hand-off they announce
    assert [e["type"] for e in events][-3:] == ["message", "message", "handoff"]
    assert events[-2]["text"] == f"TEST offline ({handoff['ticket_id']})"


async def test_internal_api_needs_the_internal_token(running):
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    assert (await running.handoff(cid, token="wrong")).status_code == 401
    response = await running.http.post(
        f"/v1/internal/conversations/{cid}/handoff", json={"reason": "problem"}
    )
    assert response.status_code == 401
    assert (await running.http.get("/v1/internal/tickets/T6QYJ5XKA")).status_code == 401
    assert (await running.state(cid))["status"] == "bot"


async def test_internal_api_bad_input_changes_nothing(running):
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    cases = [
        ({"reason": "because"}, "invalid_reason"),
        ({"summary": {}}, "invalid_reason"),
        ({"reason": "problem", "summary": "text"}, "invalid_summary"),
        ({"reason": "problem", "summary": {"Bad Key!": "x"}}, "invalid_summary"),
        ({"reason": "problem", "summary": {"email": {"a": 1}}}, "invalid_summary"),
        ({"reason": "problem", "priority": "urgent"}, "invalid_priority"),
        ({"reason": "problem", "ticket_id": "XYZ"}, "invalid_ticket_id"),
    ]
    for body, code in cases:
        response = await running.handoff(cid, body)
        assert response.status_code == 400, body
        assert response.json()["error"] == code
    raw = await running.http.post(
        f"/v1/internal/conversations/{cid}/handoff",
        content=b"{not json",
        headers={
            "Authorization": f"Bearer {INTERNAL_TOKEN}",
            "Content-Type": "application/json",
        },
    )
    assert raw.status_code == 400 and raw.json()["error"] == "invalid_json"
    assert (await running.state(cid))["status"] == "bot"
    assert await running.events(conv) == []
    missing = await running.handoff("x" * 22, {"reason": "problem"})
    assert missing.status_code == 404
    unknown_ticket = await running.http.get(
        "/v1/internal/tickets/T6QYJ5XKA",
        headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
    )
    assert unknown_ticket.status_code == 404 and unknown_ticket.json()["error"] == "ticket_not_found"


async def test_frustrated_mood_means_high_priority(running):
    conv = await running.new_conversation()
    summary = {
        "mood": "frustrated",
        "mood_reasons": ["maiuscole", "terza richiesta"],
        "order": {"number": "3456789", "status": "in transito"},
        "order_number": 3456789,
    }
    result = (
        await running.handoff(
            conv["conversation_id"],
            {"reason": "problem", "summary": summary, "priority": "normal"},
        )
    ).json()
    assert result["status"] == "offline"
    state = await running.state(conv["conversation_id"])
    assert state["priority"] == "high"
    assert state["summary"]["mood_reasons"] == ["maiuscole", "terza richiesta"]
    assert state["summary"]["order"]["status"] == "in transito"
    assert state["summary"]["order_number"] == "3456789"


async def test_rating_counts_for_the_resolving_agent(running):
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await running.handoff(cid, {"reason": "problem", "summary": {}})
    assert (await serena.post(f"/conversations/{cid}/resolve")).status_code == 200
    headers = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    bad = await running.http.post(
        f"/v1/internal/conversations/{cid}/rating", json={"rating": 9}, headers=headers
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_rating"
    ok = await running.http.post(
        f"/v1/internal/conversations/{cid}/rating", json={"rating": 4}, headers=headers
    )
    assert ok.status_code == 200 and ok.json()["agent_id"] == serena.agent.id
    again = await running.http.post(
        f"/v1/internal/conversations/{cid}/rating", json={"rating": 5}, headers=headers
    )
    assert (again.status_code, again.json()["error"]) == (409, "already_rated")  # once per resolution
    csat = (await serena.get("/csat")).json()
    assert csat["overall"] == {"count": 1, "average": 4.0}
    assert next(a for a in csat["agents"] if a["id"] == serena.agent.id)["average"] == 4.0
