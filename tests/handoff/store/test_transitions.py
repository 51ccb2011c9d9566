"""handoff/store/transitions.py: BEGIN_HANDOFF, ASSIGN, PARK, TRANSFER, RESOLVE, MERGE_INTO, MOVE —
each checks the state first, and the shared indexes follow (handoff/store/indexes.py)."""

from __future__ import annotations

import time

from handoff.states import Status
from tests.handoff.store.conftest import agent

ROUTING = (Status.ROUTING,)


async def _routing(stores) -> str:
    cid = await stores.conversations.create("v1")
    assert await stores.transitions.begin_handoff(cid, time.time()) == ("won", Status.BOT)
    return cid


async def test_begin_handoff_lets_exactly_one_caller_route(stores):
    assert await stores.transitions.begin_handoff("nope", time.time()) == ("missing", "")
    cid = await stores.conversations.create("v1")
    now = time.time()
    assert await stores.transitions.begin_handoff(cid, now) == ("won", Status.BOT)
    assert await stores.transitions.begin_handoff(cid, now + 1) == ("routing", Status.ROUTING)
    # a routing older than `stale_after` (its process died) is taken over
    assert await stores.transitions.begin_handoff(cid, now + 31, stale_after=30) == ("won", Status.ROUTING)
    for status in stores.rules.handoff_open:
        await stores.conversations.set_fields(cid, {"status": status})
        assert await stores.transitions.begin_handoff(cid, now) == ("open", status)


async def test_assign_respects_state_capacity_and_disabled_agents(stores):
    serena = await agent(stores, "Serena", capacity=1)
    first, second = await _routing(stores), await _routing(stores)
    assert await stores.transitions.assign(first, serena, ROUTING) == 1
    assert await stores.agents.conversations(serena) == [first]
    assert await stores.transitions.assign(second, serena, ROUTING) == -1  # full
    assert await stores.transitions.assign(first, serena, ROUTING) == 0  # not routing any more
    conv = await stores.conversations.get(first)
    assert conv.status == Status.ASSIGNED and conv.agent_id == serena
    marco = await agent(stores, "Marco")
    await stores.agents.set_disabled(marco, True)
    assert await stores.transitions.assign(second, marco, ROUTING) == -2


async def test_park_to_the_queue_and_to_the_tickets(stores):
    serena = await agent(stores)
    queued, ticket = await _routing(stores), await _routing(stores)
    score = stores.queue.score("normal", 1000.0)
    assert await stores.transitions.park(queued, Status.QUEUED, score, ROUTING)
    assert await stores.queue.ids() == [queued]
    assert await stores.transitions.park(ticket, Status.OFFLINE, 0, ROUTING, now=2000.0)
    assert await stores.indexes.offline_ids() == [ticket]
    assert not await stores.transitions.park(ticket, Status.QUEUED, score, ROUTING)  # not routing
    # from an agent: the agent lets it go (and is remembered as the previous one)
    assert await stores.transitions.assign(queued, serena, (Status.QUEUED,)) == 1
    assert not await stores.transitions.park(
        queued, Status.QUEUED, score, (Status.ASSIGNED,), expected_agent="x"
    )
    assert await stores.transitions.park(
        queued, Status.QUEUED, score, (Status.ASSIGNED,), expected_agent=serena
    )
    assert await stores.agents.conversations(serena) == []
    conv = await stores.conversations.get(queued)
    assert conv.previous_agent_id == serena and conv.agent_id == "" and await stores.queue.ids() == [queued]


async def test_transfer_moves_the_load(stores):
    serena, marco = await agent(stores, "Serena"), await agent(stores, "Marco", capacity=1)
    cid, other = await _routing(stores), await _routing(stores)
    assert await stores.transitions.assign(cid, serena, ROUTING) == 1
    assert await stores.transitions.transfer(cid, marco, serena) == 0  # not Marco's
    assert await stores.transitions.transfer(cid, serena, marco) == 1
    assert await stores.agents.conversations(serena) == [] and await stores.agents.conversations(marco) == [
        cid
    ]
    assert await stores.transitions.assign(other, serena, ROUTING) == 1
    assert await stores.transitions.transfer(other, serena, marco) == -1  # Marco is full
    assert (await stores.conversations.get(cid)).previous_agent_id == serena


async def test_resolve_refuses_while_the_customer_has_written_unseen(stores):
    serena = await agent(stores)
    cid = await _routing(stores)
    await stores.transitions.assign(cid, serena, ROUTING)
    seen = (await stores.transcript.append(cid, {"type": "message", "from": "agent", "text": "eccomi"})).id
    await stores.transcript.append(cid, {"type": "message", "from": "customer", "text": "ancora una cosa"})
    assert await stores.transitions.resolve(cid, "someone-else") == (0, None)
    outcome, _ = await stores.transitions.resolve(cid, serena, seen=seen)
    assert outcome == -1 and (await stores.conversations.get(cid)).status == Status.ASSIGNED
    outcome, assigned_at = await stores.transitions.resolve(cid, serena, outcome_tag="solved", now=5000.0)
    assert outcome == 1 and assigned_at is not None
    conv = await stores.conversations.get(cid)
    assert conv.status == Status.BOT and conv.last_agent_id == serena and conv.outcome == "solved"
    assert conv.waiting_since is None
    assert await stores.agents.conversations(serena) == []
    assert await stores.indexes.resolved_ids(serena) == [cid]


async def test_merge_into_closes_an_open_conversation_of_the_case(stores):
    serena = await agent(stores)
    old, new = await _routing(stores), await _routing(stores)
    await stores.transitions.assign(old, serena, ROUTING)
    assert await stores.transitions.merge_into(old, new) == serena
    conv = await stores.conversations.get(old)
    assert conv.status == Status.BOT and conv.merged_into == new and conv.last_agent_id == serena
    assert await stores.agents.conversations(serena) == []  # the case counts once
    assert await stores.transitions.merge_into(old, new) is None  # not open any more
    queued = await _routing(stores)
    await stores.transitions.park(queued, Status.QUEUED, 1.0, ROUTING)
    assert await stores.transitions.merge_into(queued, new) == ""  # was waiting, with nobody
    assert await stores.queue.ids() == []


async def test_move_changes_the_state_and_keeps_the_agent(stores):
    serena = await agent(stores)
    cid = await _routing(stores)
    await stores.transitions.assign(cid, serena, ROUTING)
    assert not await stores.transitions.move(cid, "on_hold", (Status.QUEUED,))  # not from there
    assert not await stores.transitions.move(cid, "on_hold", (Status.ASSIGNED,), expected_agent="x")
    assert await stores.transitions.move(cid, "on_hold", (Status.ASSIGNED,), expected_agent=serena)
    conv = await stores.conversations.get(cid)
    assert conv.status == "on_hold" and conv.agent_id == serena
    # "on_hold" is no state of the default rules that holds an agent: the load lets it go
    assert await stores.agents.conversations(serena) == []
