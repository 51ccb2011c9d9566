"""The keys shared across conversations (the queue, the offline list, agents' loads, the bot-turn
index) follow each conversation's state, which is the truth; a process that dies between the
conversation's step and the indexes' step is repaired by the sweep (handoff/store/conversations.py).

The faults are made by running the first step of a transition by hand and stopping there, as a
process killed at that point would.
"""

from __future__ import annotations

import asyncio
import time

import handoff.services.sweeper as sweeper_module


async def _routing(running) -> str:
    """A new conversation whose hand-off this test routes by hand."""
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    assert (await running.hub.stores.conversations.begin_handoff(cid, time.time()))[0] == "won"
    return cid


async def test_a_park_cut_off_before_the_queue_is_repaired_by_the_sweep(make_hub, monkeypatch):
    running = await make_hub(sweep_interval=3600)  # sweeps only when the test says
    stores = running.hub.stores
    convs, keys = stores.conversations, stores.keys
    cid = await _routing(running)
    started = time.time()
    score = stores.queue.score("normal", started)
    # the process notes the transition and changes the conversation, then dies
    await convs._journal(cid, started)
    done, _, _ = await convs._park(keys=[keys.conv(cid)], args=["queued", score, started, "routing", ""])
    assert int(done) == 1 and await convs.status(cid) == "queued"
    assert await stores.queue.ids() == []  # queued, but the queue does not know it

    await running.hub.sweeper.repair_indexes()  # too soon: the transition may still be under way
    assert await stores.queue.ids() == []
    monkeypatch.setattr(sweeper_module, "JOURNAL_GRACE_SECONDS", 0.0)
    await running.hub.sweeper.repair_indexes()
    assert await stores.queue.ids() == [cid]
    assert await stores.redis.zscore(keys.queue(), cid) == score
    assert await stores.redis.zscore(keys.journal(), cid) is None


async def test_a_transition_that_completes_leaves_no_journal_entry(running):
    serena = await running.online_agent("Serena", capacity=1)
    first, second = await running.new_conversation(), await running.new_conversation()
    a = (await running.handoff(first["conversation_id"], {"reason": "problem"})).json()
    b = (await running.handoff(second["conversation_id"], {"reason": "problem"})).json()
    assert a["status"] == "assigned" and b["status"] == "queued"
    stores = running.hub.stores
    assert await stores.redis.zcard(stores.keys.journal()) == 0
    assert await stores.agents.conversations(serena.agent.id) == [first["conversation_id"]]
    assert await stores.queue.ids() == [second["conversation_id"]]


async def test_a_reservation_whose_process_died_is_dropped_on_the_second_sweep(make_hub):
    running = await make_hub(sweep_interval=3600)
    serena = await running.online_agent("Serena", capacity=1)
    stores = running.hub.stores
    convs, keys = stores.conversations, stores.keys
    dead = await _routing(running)
    # a process reserves Serena's only place for `dead`, then dies before the conversation changes
    reserved = await convs._reserve(
        keys=[keys.agent(serena.agent.id), keys.agent_convs(serena.agent.id), keys.journal()],
        args=[dead, time.time(), 3600],
    )
    assert int(reserved) == 1
    waiting = await running.new_conversation()
    handed = (await running.handoff(waiting["conversation_id"], {"reason": "problem"})).json()
    assert handed["status"] == "queued"  # she looks full

    await running.hub.sweeper.sweep()  # seen once: could be a reservation in flight, kept
    assert dead in await stores.agents.conversations(serena.agent.id)
    await running.hub.sweeper.sweep()  # seen again, unchanged: dropped, and the queue drains to her
    assert await stores.agents.conversations(serena.agent.id) == [waiting["conversation_id"]]
    assert await convs.agent_id(waiting["conversation_id"]) == serena.agent.id
    assert await convs.status(dead) == "routing"  # the dead process's conversation is untouched


async def test_the_sweep_never_drops_a_conversation_that_is_the_agents(make_hub):
    running = await make_hub(sweep_interval=3600)
    serena = await running.online_agent("Serena", capacity=2)
    conv = await running.new_conversation()
    handed = (await running.handoff(conv["conversation_id"], {"reason": "problem"})).json()
    assert handed["status"] == "assigned"
    for _ in range(3):
        await running.hub.sweeper.sweep()
    assert await running.hub.stores.agents.conversations(serena.agent.id) == [conv["conversation_id"]]


async def test_an_older_revision_synced_late_changes_nothing(running):
    serena = await running.online_agent("Serena", capacity=2)
    stores = running.hub.stores
    convs = stores.conversations
    cid = await _routing(running)
    assert await convs.assign(cid, serena.agent.id, ("routing",)) == 1
    assigned = await stores.redis.hget(stores.keys.conv(cid), "rev")
    outcome, _ = await convs.resolve(cid, serena.agent.id)
    assert outcome == 1 and await stores.agents.conversations(serena.agent.id) == []
    # a slow process now syncs what it saw when the conversation was still Serena's
    stale = [assigned, "assigned", serena.agent.id, "", "", "", ""]
    assert not await convs._sync_truth(cid, stale, time.time())
    assert await stores.agents.conversations(serena.agent.id) == []
    # the newest state synced again is applied again, the same
    assert await convs.resync(cid, time.time())
    assert await stores.agents.conversations(serena.agent.id) == []


async def test_capacity_holds_when_many_assignments_race(running):
    serena = await running.online_agent("Serena", capacity=3)
    convs = running.hub.stores.conversations
    cids = [await _routing(running) for _ in range(10)]
    results = await asyncio.gather(*(convs.assign(cid, serena.agent.id, ("routing",)) for cid in cids))
    assert sorted(results) == [-1] * 7 + [1] * 3
    mine = await running.hub.stores.agents.conversations(serena.agent.id)
    assert sorted(mine) == sorted(cid for cid, r in zip(cids, results, strict=True) if r == 1)
    for cid, result in zip(cids, results, strict=True):
        assert await convs.status(cid) == ("assigned" if result == 1 else "routing")


async def test_a_bot_index_entry_without_a_turn_is_dropped_once_old(make_hub):
    running = await make_hub(sweep_interval=3600)
    stores = running.hub.stores
    old, fresh = await running.new_conversation(), await running.new_conversation()
    now = time.time()
    # indexed by a process that then found the conversation out of bot mode (no turn queued)
    await stores.redis.zadd(stores.keys.bot_pending(), {old["conversation_id"]: now - 60})
    await stores.redis.zadd(stores.keys.bot_pending(), {fresh["conversation_id"]: now - 2})
    assert await running.hub.bot.take_over_orphans() == 0
    left = await stores.redis.zrange(stores.keys.bot_pending(), 0, -1)
    assert left == [fresh["conversation_id"]]  # may still be between its index and its turn
