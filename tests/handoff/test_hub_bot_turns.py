"""Durable bot turns: pending turns in Redis, a lease per conversation, stored answers exactly once."""

from __future__ import annotations

import asyncio


async def test_turn_waits_for_a_live_lease_then_the_sweeper_takes_it(running, fake_rasa):
    hub = running.hub
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    # another (dying) process holds this conversation's bot lease
    await hub.stores.redis.set(hub.stores.keys.bot_lease(cid), "dead-process", px=1200)
    response = await running.say(conv, "c'è nessuno?")
    assert response.status_code == 201
    assert await hub.stores.redis.llen(hub.stores.keys.bot_turns(cid)) == 1
    await asyncio.sleep(0.6)
    assert fake_rasa.messages() == []  # not while the other owner's lease is alive
    events = await running.wait_events(conv, lambda ev: any(e.get("from") == "bot" for e in ev), timeout=6)
    assert [e.get("text") for e in events] == ["c'è nessuno?", "echo: c'è nessuno?"]
    await running.wait_for(
        lambda: _gone(hub, cid), timeout=3
    )  # the turn, the lease and the index entry are cleaned up
    assert len(fake_rasa.messages()) == 1


async def _gone(hub, cid) -> bool:
    return (
        await hub.stores.redis.llen(hub.stores.keys.bot_turns(cid)) == 0
        and not await hub.stores.redis.exists(hub.stores.keys.bot_lease(cid))
        and await hub.stores.redis.zscore(hub.stores.keys.bot_pending(), cid) is None
    )


async def test_no_bot_turn_outside_bot_mode(running, fake_rasa):
    hub = running.hub
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    assert (await running.handoff(cid)).status_code == 200
    response = await running.say(conv, "sono ancora qui")
    assert response.status_code == 201
    assert await hub.stores.redis.llen(hub.stores.keys.bot_turns(cid)) == 0
    await hub.idle()
    assert fake_rasa.messages() == []


async def test_turns_pending_when_a_person_takes_over_are_dropped(running, fake_rasa):
    hub = running.hub
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await hub.stores.redis.set(hub.stores.keys.bot_lease(cid), "dead-process", px=800)
    assert (await running.say(conv, "uno")).status_code == 201
    assert (await running.say(conv, "due")).status_code == 201
    assert await hub.stores.redis.llen(hub.stores.keys.bot_turns(cid)) == 2
    assert (await running.handoff(cid)).status_code == 200
    await running.wait_for(lambda: _gone(hub, cid), timeout=6)
    assert fake_rasa.messages() == []  # the messages are the agent's now


async def test_taken_over_turns_are_answered_in_order_once_each(running, fake_rasa):
    hub = running.hub
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await hub.stores.redis.set(hub.stores.keys.bot_lease(cid), "dead-process", px=700)
    for text in ("uno", "due", "tre"):
        assert (await running.say(conv, text)).status_code == 201
    events = await running.wait_events(
        conv,
        lambda ev: sum(e.get("from") == "bot" for e in ev) >= 3,
        timeout=6,
    )
    await running.wait_for(lambda: _gone(hub, cid), timeout=3)
    assert [m["message"] for m in fake_rasa.messages()] == ["uno", "due", "tre"]
    bot = [e["text"] for e in await running.events(conv) if e.get("from") == "bot"]
    assert bot == ["echo: uno", "echo: due", "echo: tre"]
    assert len(events) == 6
