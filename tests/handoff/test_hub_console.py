"""What the console needs so that an agent with several chats misses nothing: unread counts, the
wait for a person's reply, one case per customer, how a case ended, ratings, transfers told."""

from __future__ import annotations

import uuid

import pytest

from handoff.settings import Settings, SettingsError
from tests.handoff.helpers import ws_connect, ws_recv


async def _item(session, cid: str, status: str = "assigned") -> dict:
    items = (await session.get("/conversations", status=status)).json()["conversations"]
    return next(item for item in items if item["id"] == cid)


async def _reply(session, cid: str, text: str = "Eccomi"):
    response = await session.post(
        f"/conversations/{cid}/messages", {"text": text, "client_id": str(uuid.uuid4())}
    )
    assert response.status_code == 201, response.text


async def test_unread_and_the_wait_for_a_person_follow_the_customer(running):
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await running.handoff(cid)
    item = await _item(serena, cid)
    # waiting since the hand-off; nothing written yet
    assert item["waiting_since"] == pytest.approx((await running.state(cid))["handoff_at"])
    assert (item["unread"], item["customer_count"]) == (0, 0)
    for text in ("pronto??", "c'è qualcuno?"):
        await running.say(conv, text)
    item = await _item(serena, cid)
    assert item["unread"] == 2 and item["waiting_since"] is not None
    # a reply ends the wait (not the unread mark: reading does)
    await _reply(serena, cid)
    item = await _item(serena, cid)
    assert item["waiting_since"] is None and item["unread"] == 2
    assert (await serena.post(f"/conversations/{cid}/read")).json() == {"conversation_id": cid, "unread": 0}
    assert (await _item(serena, cid))["unread"] == 0
    # the next message starts both again, from that message
    await running.say(conv, "grazie, e il ricambio?")
    item = await _item(serena, cid)
    assert item["unread"] == 1 and item["waiting_since"] > (await running.state(cid))["handoff_at"]
    # unread marks are per agent: Marco has read nothing of it
    marco = await running.online_agent("Marco")
    all_items = (await marco.get("/conversations", status="assigned", scope="all")).json()["conversations"]
    assert next(i for i in all_items if i["id"] == cid)["unread"] == 3
    # read needs an existing, handed-off conversation
    assert (await marco.post("/conversations/nope/read")).status_code == 404


async def test_the_console_knows_the_reply_targets(running):
    serena = await running.online_agent("Serena")
    me = (await serena.get("/me")).json()
    assert me["reply_targets"] == {"amber": 60.0, "red": 180.0}
    async with ws_connect(f"{running.ws}/v1/agent/stream?token={serena.token}") as ws:
        hello = await ws_recv(ws, lambda m: m["type"] == "hello")
        assert hello["reply_targets"] == me["reply_targets"]
    env = {
        "HUB_SECRET": "s" * 8 + "0123456789abcdefghijklmnopqrstuv",
        "HUB_INTERNAL_TOKEN": "i0123456789abcdefghijklmnop",
    }
    assert (
        Settings.from_env(
            {**env, "HUB_REPLY_AMBER_SECONDS": "2m", "HUB_REPLY_RED_SECONDS": "5m"}
        ).reply_red_seconds
        == 300
    )
    with pytest.raises(SettingsError, match="HUB_REPLY_RED_SECONDS"):
        Settings.from_env({**env, "HUB_REPLY_AMBER_SECONDS": "5m", "HUB_REPLY_RED_SECONDS": "2m"})


async def test_a_returning_customer_joins_the_open_case_counted_once(running):
    serena = await running.online_agent("Serena", capacity=1)
    first = await running.new_conversation()
    summary = {
        "email": "giulia@example.it",
        "order_number": "2345678",
        "customer_name": "Giulia Rossi",
        "order_verified": "email",  # the bot checked the order's e-mail (a typed number proves nothing)
        "email_verified": "yes",
    }
    r1 = (await running.handoff(first["conversation_id"], {"reason": "problem", "summary": summary})).json()
    assert r1["agent"]["name"] == "Serena"
    await running.online_agent("Marco", capacity=3)  # free, but the case is Serena's
    await running.say(first, "il tavolo ha una gamba rotta")
    # the customer comes back from another browser and proves the same order (its delivery postcode)
    second = await running.new_conversation()
    proven = {"order_number": "2345678", "order_verified": "postcode"}
    r2 = (
        await running.handoff(second["conversation_id"], {"reason": "request_human", "summary": proven})
    ).json()
    # the same case and the same agent, although Serena's capacity is 1: the case counts once
    assert (r2["ticket_id"], r2["agent"]["name"]) == (r1["ticket_id"], "Serena")
    assert await running.hub.stores.agents.conversations(serena.agent.id) == [second["conversation_id"]]
    old = await running.state(first["conversation_id"])
    assert (old["status"], old["merged_into"]) == ("bot", second["conversation_id"])
    # the name and the order come along; the earlier conversation is inline, not asked again
    detail = (await serena.get(f"/conversations/{second['conversation_id']}")).json()
    assert detail["case_card"]["customer_name"] == "Giulia Rossi"
    assert detail["case_card"]["email"] == "giulia@example.it"
    [earlier] = detail["earlier"]
    assert earlier["conversation_id"] == first["conversation_id"]
    assert any(e.get("text") == "il tavolo ha una gamba rotta" for e in earlier["transcript"])
    assert detail["history"] == []  # the case itself is not "history"
    # a customer with another order is a new case
    third = await running.new_conversation()
    r3 = (
        await running.handoff(
            third["conversation_id"], {"reason": "problem", "summary": {"order_number": "9999999"}}
        )
    ).json()
    assert r3["ticket_id"] != r1["ticket_id"] and r3["agent"]["name"] == "Marco"


async def test_a_case_ends_with_how_it_ended_and_its_rating_reaches_the_agent(running, fake_rasa):
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    result = (
        await running.handoff(cid, {"reason": "problem", "summary": {"email": "anna@example.it"}})
    ).json()
    bad = await serena.post(f"/conversations/{cid}/resolve", {"outcome": "whatever"})
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_outcome")
    assert (await running.state(cid))["status"] == "assigned"  # a refused resolve changes nothing
    done = await serena.post(f"/conversations/{cid}/resolve", {"outcome": "replacement"})
    assert done.status_code == 200 and done.json()["conversation"]["outcome"] == "replacement"
    assert (await running.hub.stores.tickets.get(result["ticket_id"])).outcome == "replacement"
    async with ws_connect(f"{running.ws}/v1/agent/stream?token={serena.token}") as ws:
        await ws_recv(ws, lambda m: m["type"] == "hello")
        rated = await running.http.post(
            f"/v1/internal/conversations/{cid}/rating",
            json={"rating": 2},
            headers={"Authorization": f"Bearer {running.settings.internal_token}"},
        )
        assert rated.status_code == 200
        alert = await ws_recv(ws, lambda m: m["type"] == "rating")
        assert alert == {"type": "rating", "conversation_id": cid, "rating": 2, "low": True}
    resolved = await _item(serena, cid, status="resolved")
    assert (resolved["rating"], resolved["outcome"]) == (2, "replacement")
    # the next conversation of the same customer shows the case, how it ended and its rating
    again = await running.new_conversation(visitor_token=conv["visitor_token"])
    await running.handoff(again["conversation_id"])
    [case] = (await serena.get(f"/conversations/{again['conversation_id']}")).json()["history"]
    assert (case["conversation_id"], case["state"], case["outcome"], case["rating"]) == (
        cid,
        "resolved",
        "replacement",
        2,
    )


async def test_the_customer_is_told_who_writes_after_a_transfer(running):
    serena = await running.online_agent("Serena")
    marco = await running.online_agent("Marco")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    result = (await running.handoff(cid)).json()
    first, second = (serena, marco) if result["agent"]["name"] == "Serena" else (marco, serena)
    moved = await first.post(
        f"/conversations/{cid}/transfer", {"agent_id": second.agent.id, "note": "solo per te"}
    )
    assert moved.status_code == 200, moved.text
    back = await second.post(
        f"/conversations/{cid}/transfer", {"agent_id": first.agent.id, "reason": "segue i rimborsi"}
    )
    assert back.status_code == 200, back.text
    told = [e["text"] for e in await running.events(conv) if e.get("from") == "bot"]
    assert told == [
        f"TEST {first.agent.name} passes you to {second.agent.name}",
        f"TEST {second.agent.name} passes you to {first.agent.name}: segue i rimborsi",
    ]
    assert not any(
        "solo per te" in e.get("text", "") for e in await running.events(conv)
    )  # the note stays internal
