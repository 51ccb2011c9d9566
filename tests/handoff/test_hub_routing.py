"""Routing: sticky agent, skills, capacity, priority queue, drain, business hours, grace period."""

from __future__ import annotations

import asyncio
import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handoff.hours import BusinessHours
from tests.handoff.helpers import ws_connect, ws_recv


async def _resolve(session, cid):
    response = await session.post(f"/conversations/{cid}/resolve")
    assert response.status_code == 200, response.text


# an order the bot checked (number + the order's e-mail): what may join a case from another browser
PROVEN = {
    "email": "anna@example.com",
    "order_number": "3456789",
    "order_verified": "email",
    "email_verified": "yes",
}


async def test_same_agent_for_the_same_customer(running):
    marco = await running.online_agent("Marco", capacity=10)
    await running.online_agent("Serena", capacity=10)
    first = await running.new_conversation()
    r1 = (
        await running.handoff(
            first["conversation_id"],
            {"reason": "problem", "summary": PROVEN},
        )
    ).json()
    assert r1["agent"]["name"] == "Marco"  # tie on load: alphabetical
    await _resolve(marco, first["conversation_id"])
    other = await running.new_conversation()
    assert (await running.handoff(other["conversation_id"], {"reason": "problem"})).json()["agent"][
        "name"
    ] == "Marco"
    # Marco is now busier than Serena, but the returning visitor gets Marco again
    again = await running.new_conversation(visitor_token=first["visitor_token"])
    r2 = (await running.handoff(again["conversation_id"], {"reason": "problem"})).json()
    assert r2["agent"]["name"] == "Marco"
    # ... and so does the customer the bot let quote the ticket, or who proves the same order
    by_ticket = await running.new_conversation()
    r3 = (
        await running.handoff(
            by_ticket["conversation_id"],
            {"reason": "ticket_followup", "ticket_id": r1["ticket_id"]},
        )
    ).json()
    assert r3["agent"]["name"] == "Marco" and r3["ticket_id"] == r1["ticket_id"]
    ticket = (await running.hub.stores.tickets.get(r1["ticket_id"])).as_dict()
    assert ticket["status"] == "open"
    assert ticket["conversations"] == [
        first["conversation_id"],
        by_ticket["conversation_id"],
    ]
    by_email = await running.new_conversation()
    r4 = (
        await running.handoff(
            by_email["conversation_id"],
            {"reason": "problem", "summary": {**PROVEN, "email": "ANNA@example.com"}},
        )
    ).json()
    assert r4["agent"]["name"] == "Marco"
    # the proven order joins the open case: one case, counted once for Marco
    assert r4["ticket_id"] == r1["ticket_id"]
    assert (await running.state(by_ticket["conversation_id"]))["merged_into"] == by_email["conversation_id"]
    # the agent sees the customer's history: one entry per case, opening its latest conversation
    detail = (await marco.get(f"/conversations/{again['conversation_id']}")).json()
    [case] = detail["history"]
    assert (case["ticket_id"], case["conversation_id"], case["conversations"]) == (
        r1["ticket_id"],
        by_email["conversation_id"],
        3,
    )
    assert case["state"] == "with_agent" and case["agent"]["name"] == "Marco"


async def test_visitor_token_forged_means_new_visitor(running):
    first = await running.new_conversation()
    forged = first["visitor_token"][:-3] + ("AAA" if not first["visitor_token"].endswith("AAA") else "BBB")
    second = await running.new_conversation(visitor_token=forged)
    again = await running.new_conversation(visitor_token=first["visitor_token"])
    v1 = (await running.state(first["conversation_id"]))["visitor_id"]
    v2 = (await running.state(second["conversation_id"]))["visitor_id"]
    v3 = (await running.state(again["conversation_id"]))["visitor_id"]
    assert v1 == v3 and v2 != v1


async def test_skills_and_least_loaded(running):
    await running.online_agent("Serena", skills=["return_request"])
    await running.online_agent("Marco", skills=["item_damaged", "missing_parts"])
    await running.online_agent("Luca", skills=["item_damaged"])

    async def route(problem):
        conv = await running.new_conversation()
        return (
            await running.handoff(
                conv["conversation_id"],
                {"reason": "problem", "summary": {"problem_type": problem}},
            )
        ).json()

    assert (await route("return_request"))["agent"]["name"] == "Serena"
    assert (await route("return_request"))["agent"]["name"] == "Serena"  # still the only one with the skill
    # least loaded first (as a share of capacity, then in conversations), then by name: the work spreads
    assert (await route("item_damaged"))["agent"]["name"] == "Luca"
    assert (await route("item_damaged"))["agent"]["name"] == "Marco"
    # nobody has this skill: anybody may take it — Luca and Marco have one each, Serena two
    assert (await route("warranty_claim"))["agent"]["name"] == "Luca"
    assert (await route("warranty_claim"))["agent"]["name"] == "Marco"


async def test_priority_queue_positions_and_drain(running):
    serena = await running.add_agent("Serena", capacity=1)
    await running.hub.stores.agents.set_presence(serena.id, "away")  # around, but not taking chats
    # Marco is online and full: the wait can be estimated (with everyone away it is unknown,
    # tests/handoff/test_hub_mail.py)
    marco = await running.add_agent("Marco", capacity=1)
    await running.hub.stores.agents.set_presence(marco.id, "online")
    busy = await running.new_conversation()
    assert (await running.handoff(busy["conversation_id"], {"reason": "problem"})).json()[
        "status"
    ] == "assigned"
    a, b, c = [await running.new_conversation() for _ in range(3)]
    ra = (await running.handoff(a["conversation_id"], {"reason": "problem"})).json()
    rb = (await running.handoff(b["conversation_id"], {"reason": "problem"})).json()
    rc = (
        await running.handoff(
            c["conversation_id"],
            {"reason": "frustration", "summary": {"mood": "frustrated"}},
        )
    ).json()
    assert (ra["status"], ra["queue_position"]) == ("queued", 1)
    assert (rb["status"], rb["queue_position"]) == ("queued", 2)
    assert (rc["status"], rc["queue_position"]) == (
        "queued",
        1,
    )  # frustrated goes first
    assert rc["eta_seconds"] > 0
    # one rounding rule (up, at least a minute), sent with the seconds so bot and widget agree
    for result in (ra, rb, rc):
        assert result["eta_minutes"] == max(1, math.ceil(result["eta_seconds"] / 60))
    queued_events = [e for e in await running.events(b) if e["type"] == "handoff"]
    assert all(e["eta_minutes"] == max(1, math.ceil(e["eta_seconds"] / 60)) for e in queued_events)
    positions = [e["queue_position"] for e in await running.events(a) if e["type"] == "handoff"]
    assert positions == [1, 2]  # pushed live when C overtook
    # Serena comes online: the queue drains to her capacity, highest priority first
    token = await running.login(serena.email)
    async with ws_connect(f"{running.ws}/v1/agent/stream?token={token}") as ws:
        assigned = await ws_recv(ws, lambda m: m["type"] == "assigned")
        assert assigned["conversation"]["id"] == c["conversation_id"]
        assert assigned["conversation"]["priority"] == "high"
        events_a = await running.wait_events(a, lambda ev: ev[-1].get("queue_position") == 1)
        assert [e["queue_position"] for e in events_a if e["type"] == "handoff"] == [
            1,
            2,
            1,
        ]
        events_b = await running.events(b)
        assert [e["queue_position"] for e in events_b if e["type"] == "handoff"] == [
            2,
            3,
            2,
        ]
        # she resolves C: capacity frees, A is next
        resolve = await running.http.post(
            f"/v1/agent/conversations/{c['conversation_id']}/resolve",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert resolve.status_code == 200
        nxt = await ws_recv(ws, lambda m: m["type"] == "assigned")
        assert nxt["conversation"]["id"] == a["conversation_id"]
    assert (await running.state(b["conversation_id"]))["status"] == "queued"


async def test_outside_business_hours_is_offline(make_hub):
    closed = BusinessHours(tuple(() for _ in range(7)))
    hub = await make_hub(business_hours=closed)
    await hub.online_agent("Serena")
    conv = await hub.new_conversation()
    result = (await hub.handoff(conv["conversation_id"], {"reason": "problem"})).json()
    assert result["status"] == "offline" and result["agent"] is None and result["ticket_id"]
    offline = (
        await hub.http.get(
            "/v1/agent/conversations",
            params={"status": "offline"},
            headers={"Authorization": f"Bearer {await hub.login('serena@sportello.example')}"},
        )
    ).json()["conversations"]
    assert [c["id"] for c in offline] == [conv["conversation_id"]]


def test_business_hours_parsing():
    hours = BusinessHours.parse("mon-fri 09:00-18:00; sat 09:00-13:00")
    rome = ZoneInfo("Europe/Rome")
    assert hours.is_open(datetime(2026, 11, 23, 9, 0, tzinfo=rome))  # Monday
    assert not hours.is_open(datetime(2026, 11, 23, 18, 0, tzinfo=rome))
    assert hours.is_open(datetime(2026, 11, 28, 12, 59, tzinfo=rome))  # Saturday
    assert not hours.is_open(datetime(2026, 11, 28, 13, 0, tzinfo=rome))
    assert not hours.is_open(datetime(2026, 11, 29, 10, 0, tzinfo=rome))  # Sunday
    split = BusinessHours.parse("mon+wed 09:00-12:30 14:00-24:00")
    assert split.is_open(datetime(2026, 11, 25, 23, 59, tzinfo=rome))
    assert not split.is_open(datetime(2026, 11, 25, 13, 0, tzinfo=rome))
    for bad in (
        "",
        "mon",
        "funday 09:00-10:00",
        "mon 10:00-09:00",
        "mon 9-10",
        "fri-mon 09:00-10:00",
        "mon 25:00-26:00",
    ):
        with pytest.raises(ValueError):
            BusinessHours.parse(bad)


async def test_dropped_agent_keeps_conversations_for_the_grace_period(make_hub):
    hub = await make_hub(heartbeat_timeout=0.6, grace_seconds=1.0, sweep_interval=0.1)
    serena = await hub.add_agent("Serena")
    serena_token = await hub.login(serena.email)
    marco = await hub.add_agent("Marco", capacity=1)
    marco_token = await hub.login(marco.email)
    conv = await hub.new_conversation()
    async with ws_connect(f"{hub.ws}/v1/agent/stream?token={serena_token}") as ws:
        await ws_recv(ws, lambda m: m["type"] == "hello")
        result = (await hub.handoff(conv["conversation_id"], {"reason": "problem"})).json()
        assert result["agent"]["name"] == "Serena"
        await asyncio.sleep(1.0)  # connected: the server keeps her presence alive
        assert await hub.hub.stores.agents.presence(serena.id) == "online"
    await asyncio.sleep(0.3)
    assert await hub.hub.stores.agents.presence(serena.id) == "offline"
    async with ws_connect(f"{hub.ws}/v1/agent/stream?token={marco_token}") as marco_ws:
        await ws_recv(marco_ws, lambda m: m["type"] == "hello")
        state = await hub.state(conv["conversation_id"])
        assert (state["status"], state["agent_id"]) == ("assigned", serena.id), (
            "re-queued before the grace period"
        )
        assigned = await ws_recv(marco_ws, lambda m: m["type"] == "assigned", timeout=5)
        assert assigned["conversation"]["id"] == conv["conversation_id"]
    transcript = await hub.events(conv)
    statuses = [(e["status"], e.get("reason")) for e in transcript if e["type"] == "handoff"]
    # the customer is told in words why someone else will answer, before the queue banner moves
    told = next(i for i, e in enumerate(transcript) if e.get("from") == "bot")
    assert transcript[told]["text"].startswith("TEST Serena is gone, queued at 1")
    assert transcript[told + 1]["type"] == "handoff" and transcript[told + 1]["reason"] == "agent_unavailable"
    assert statuses == [
        ("assigned", "problem"),
        ("queued", "agent_unavailable"),
        ("assigned", None),
    ]
    assert await hub.hub.stores.agents.load(serena.id) == 0
    assert await hub.hub.stores.agents.load(marco.id) == 1


async def test_agent_back_within_grace_keeps_conversations(make_hub):
    hub = await make_hub(heartbeat_timeout=0.5, grace_seconds=1.5, sweep_interval=0.1)
    serena = await hub.add_agent("Serena")
    token = await hub.login(serena.email)
    conv = await hub.new_conversation()
    async with ws_connect(f"{hub.ws}/v1/agent/stream?token={token}") as ws:
        await ws_recv(ws, lambda m: m["type"] == "hello")
        await hub.handoff(conv["conversation_id"], {"reason": "problem"})
    await asyncio.sleep(0.6)
    async with ws_connect(f"{hub.ws}/v1/agent/stream?token={token}") as ws:
        await ws_recv(ws, lambda m: m["type"] == "hello")
        await asyncio.sleep(2.0)
        state = await hub.state(conv["conversation_id"])
        assert (state["status"], state["agent_id"]) == ("assigned", serena.id)
