"""handoff/store/indexes.py: RESERVE, SYNC, DROP_LOAD and the journal. The keys shared across
conversations (the queue, the offline list, agents' loads, the bot-turn index) follow each
conversation's state, which is the truth; a process that dies between the conversation's step and
the indexes' step is repaired by the sweep.

The faults are made by running the steps of a transition by hand (the public `*_state` step of
handoff/store/transitions.py, IndexSync.reserve) and stopping there, as a process killed at that
point would.
"""

from __future__ import annotations

import asyncio
import time

import handoff.services.sweeper as sweeper_module
from handoff.states import RULES, Status
from handoff.store.indexes import Truth


async def _routing(running) -> str:
    """A new conversation whose hand-off this test routes by hand."""
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    assert (await running.hub.stores.transitions.begin_handoff(cid, time.time()))[0] == "won"
    return cid


async def test_a_park_cut_off_before_the_queue_is_repaired_by_the_sweep(make_hub, monkeypatch):
    running = await make_hub(sweep_interval=3600)  # sweeps only when the test says
    stores = running.hub.stores
    convs, keys = stores.conversations, stores.keys
    cid = await _routing(running)
    started = time.time()
    score = stores.queue.score("normal", started)
    # the process notes the transition and changes the conversation, then dies
    await stores.indexes.journal(cid, started)
    done, _, _ = await stores.transitions.park_state(
        cid, Status.QUEUED, score, (Status.ROUTING,), "", started
    )
    assert done and await convs.status(cid) == Status.QUEUED
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
    convs = stores.conversations
    dead = await _routing(running)
    # a process reserves Serena's only place for `dead`, then dies before the conversation changes
    assert await stores.indexes.reserve(dead, serena.agent.id, time.time()) == 1
    waiting = await running.new_conversation()
    handed = (await running.handoff(waiting["conversation_id"], {"reason": "problem"})).json()
    assert handed["status"] == "queued"  # she looks full

    await running.hub.sweeper.sweep()  # seen once: could be a reservation in flight, kept
    assert dead in await stores.agents.conversations(serena.agent.id)
    await running.hub.sweeper.sweep()  # seen again, unchanged: dropped, and the queue drains to her
    assert await stores.agents.conversations(serena.agent.id) == [waiting["conversation_id"]]
    assert await convs.agent_id(waiting["conversation_id"]) == serena.agent.id
    assert await convs.status(dead) == Status.ROUTING  # the dead process's conversation is untouched


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
    cid = await _routing(running)
    assert await stores.transitions.assign(cid, serena.agent.id, (Status.ROUTING,)) == 1
    assigned = await stores.redis.hget(stores.keys.conv(cid), "rev")
    outcome, _ = await stores.transitions.resolve(cid, serena.agent.id)
    assert outcome == 1 and await stores.agents.conversations(serena.agent.id) == []
    # a slow process now syncs what it saw when the conversation was still Serena's
    stale = Truth(assigned, Status.ASSIGNED, serena.agent.id, "", "", "", "")
    assert not await stores.indexes.sync(cid, stale, time.time())
    assert await stores.agents.conversations(serena.agent.id) == []
    # the newest state synced again is applied again, the same
    assert await stores.indexes.resync(cid, time.time())
    assert await stores.agents.conversations(serena.agent.id) == []


async def test_capacity_holds_when_many_assignments_race(running):
    serena = await running.online_agent("Serena", capacity=3)
    convs = running.hub.stores.conversations
    transitions = running.hub.stores.transitions
    cids = [await _routing(running) for _ in range(10)]
    results = await asyncio.gather(
        *(transitions.assign(cid, serena.agent.id, (Status.ROUTING,)) for cid in cids)
    )
    assert sorted(results) == [-1] * 7 + [1] * 3
    mine = await running.hub.stores.agents.conversations(serena.agent.id)
    assert sorted(mine) == sorted(cid for cid, r in zip(cids, results, strict=True) if r == 1)
    for cid, result in zip(cids, results, strict=True):
        assert await convs.status(cid) == (Status.ASSIGNED if result == 1 else Status.ROUTING)


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


async def test_a_state_that_holds_the_agent_keeps_the_load_through_the_sweeps(make_hub):
    """A console action with a new state that keeps the agent ("on hold"): declared in the rules'
    `holds_agent`, its conversation stays in the agent's load — SYNC keeps it and the sweep's audit
    does not take it for a dead reservation — so capacity still counts it."""
    rules = RULES.with_state("on_hold", holds_agent=True, handoff_open=True)
    running = await make_hub(sweep_interval=3600, rules=rules)
    serena = await running.online_agent("Serena", capacity=1)
    stores = running.hub.stores
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    assert (await running.handoff(cid, {"reason": "problem"})).json()["status"] == Status.ASSIGNED
    assert await stores.transitions.move(cid, "on_hold", (Status.ASSIGNED,), expected_agent=serena.agent.id)
    for _ in range(3):
        await running.hub.sweeper.sweep()
    assert await stores.agents.conversations(serena.agent.id) == [cid]
    other = await running.new_conversation()
    placed = (await running.handoff(other["conversation_id"], {"reason": "problem"})).json()
    assert placed["status"] == Status.QUEUED  # she is still full: not overbooked
    # the agent can still act on it: resolving it frees her place, and the queue drains to her
    resolved = await serena.post(f"/conversations/{cid}/resolve")
    assert resolved.status_code == 200, resolved.text
    assert (
        await running.wait_for(lambda: stores.conversations.agent_id(other["conversation_id"]), timeout=5)
        == serena.agent.id
    )


async def test_a_state_the_rules_do_not_say_holds_the_agent_is_dropped_from_the_load(make_hub):
    running = await make_hub(sweep_interval=3600)
    serena = await running.online_agent("Serena", capacity=1)
    stores = running.hub.stores
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    assert (await running.handoff(cid, {"reason": "problem"})).json()["status"] == Status.ASSIGNED
    assert await stores.transitions.move(cid, "on_hold", (Status.ASSIGNED,))
    assert await stores.agents.conversations(serena.agent.id) == []


async def test_sync_applies_a_revision_once_and_never_an_older_one(stores):
    truth = Truth("3", Status.QUEUED, "", "1000", "", "", "")
    assert await stores.indexes.sync("c1", truth, 1.0)
    assert await stores.queue.ids() == ["c1"]
    older = Truth("2", Status.OFFLINE, "", "", "2000", "", "")
    assert not await stores.indexes.sync("c1", older, 1.0)
    assert await stores.queue.ids() == ["c1"] and await stores.indexes.offline_ids() == []
    newer = Truth("4", Status.OFFLINE, "", "", "2000", "", "")
    assert await stores.indexes.sync("c1", newer, 1.0)
    assert await stores.queue.ids() == [] and await stores.indexes.offline_ids() == ["c1"]


async def test_drop_load_only_when_nothing_was_synced_since(stores, redis):
    await redis.sadd(stores.keys.agent_convs("a1"), "c1", "c2")
    await stores.indexes.sync("c2", Truth("1", Status.BOT, "", "", "", "", ""), 1.0, release=[])
    assert not await stores.indexes.drop_stale_load("a1", "c2", "")  # synced since the audit saw it
    assert await stores.indexes.drop_stale_load("a1", "c1", "")
    assert await redis.smembers(stores.keys.agent_convs("a1")) == {"c2"}
