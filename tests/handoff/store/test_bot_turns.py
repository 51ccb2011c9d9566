"""handoff/store/bot_turns.py: FINISH_BOT_TURN, RENEW_BOT_LEASE, RELEASE_BOT_LEASE, UNTRACK_BOT."""

from __future__ import annotations

import time

from handoff.states import Status

CUSTOMER = {"type": "message", "from": "customer", "text": "ciao"}
TURN = {"message": "ciao", "text": "ciao", "visitor_id": "v1"}
ANSWER = [
    {"type": "message", "from": "bot", "text": "Ciao!", "buttons": [{"title": "Sì", "payload": "/affirm"}]}
]


async def _turn(stores, cid: str, client_id: str = "c-1"):
    mark = await stores.bot_turns.index(cid)
    return await stores.transcript.append(cid, CUSTOMER, client_id, bot_turn=TURN, bot_mark=mark), mark


async def test_finish_bot_turn_stores_an_answer_once(stores, redis):
    cid = await stores.conversations.create("v1")
    appended, _ = await _turn(stores, cid)
    first = await stores.bot_turns.finish(cid, appended.id, ANSWER, ANSWER[0]["buttons"])
    second = await stores.bot_turns.finish(cid, appended.id, ANSWER, ANSWER[0]["buttons"])
    assert first is not None and [e["text"] for e in first.events] == ["Ciao!"] and first.prev == appended.id
    assert second is None  # a second process that also called Rasa: its answer is discarded
    assert [e["text"] for e in await stores.transcript.events(cid)] == ["ciao", "Ciao!"]
    assert await redis.llen(stores.keys.bot_turns(cid)) == 0
    assert (await stores.conversations.get(cid)).buttons == ANSWER[0]["buttons"]


async def test_finish_bot_turn_answers_only_the_first_pending_turn(stores):
    cid = await stores.conversations.create("v1")
    one, _ = await _turn(stores, cid, "c-1")
    two, _ = await _turn(stores, cid, "c-2")
    assert await stores.bot_turns.finish(cid, two.id, ANSWER, None) is None  # not the head: in order
    assert await stores.bot_turns.finish(cid, one.id, ANSWER, None) is not None
    assert (await stores.bot_turns.next(cid))["eid"] == two.id


async def test_leases_belong_to_one_owner(stores):
    cid = await stores.conversations.create("v1")
    assert await stores.bot_turns.acquire_lease(cid, "me", 5.0)
    assert not await stores.bot_turns.acquire_lease(cid, "other", 5.0)
    assert await stores.bot_turns.renew_lease(cid, "me", 5.0)
    assert not await stores.bot_turns.renew_lease(cid, "other", 5.0)  # RENEW_BOT_LEASE
    assert await stores.bot_turns.lease_held(cid)


async def test_release_bot_lease_keeps_it_while_turns_are_pending(stores, redis):
    cid = await stores.conversations.create("v1")
    appended, mark = await _turn(stores, cid)
    assert await stores.bot_turns.acquire_lease(cid, "me", 5.0)
    assert await stores.bot_turns.release_lease(cid, "other") == -1  # not theirs
    assert await stores.bot_turns.release_lease(cid, "me") == 1  # one turn left: kept
    await stores.bot_turns.finish(cid, appended.id, ANSWER, None)
    assert await stores.bot_turns.release_lease(cid, "me") == 0  # released, and out of the index
    assert not await stores.bot_turns.lease_held(cid)
    assert await redis.zscore(stores.keys.bot_pending(), cid) is None


async def test_release_keeps_the_index_entry_of_a_newer_turn(stores, redis):
    cid = await stores.conversations.create("v1")
    appended, _ = await _turn(stores, cid)
    await stores.bot_turns.acquire_lease(cid, "me", 5.0)
    await stores.bot_turns.finish(cid, appended.id, ANSWER, None)
    newer = await stores.bot_turns.index(cid, time.time() + 1)  # a message being stored right now
    assert await stores.bot_turns.release_lease(cid, "me") == 0
    assert await redis.zscore(stores.keys.bot_pending(), cid) == float(newer)


async def test_untrack_bot_drops_an_entry_only_with_its_own_score(stores, redis):
    mark = await stores.bot_turns.index("c1", 100.0)
    assert not await stores.bot_turns.untrack("c1", "")
    assert not await stores.bot_turns.untrack("c1", "99.0")
    assert await stores.bot_turns.indexed(older_than=101.0) == [("c1", 100.0)]
    assert await stores.bot_turns.untrack("c1", mark)
    assert await redis.zscore(stores.keys.bot_pending(), "c1") is None


async def test_next_and_status_take_the_lease_and_read_in_one_round_trip(stores):
    cid = await stores.conversations.create("v1")
    appended, _ = await _turn(stores, cid)
    taken, head, status = await stores.bot_turns.next_and_status(cid, "me", 5.0)
    assert taken and head["eid"] == appended.id and status == Status.BOT
    taken, _, _ = await stores.bot_turns.next_and_status(cid, "other", 5.0)
    assert not taken  # another owner gets no lease (its reads are not to be used)
    taken, head, status = await stores.bot_turns.next_and_status(cid)
    assert taken and head["eid"] == appended.id and status == Status.BOT
    assert (await stores.bot_turns.next_and_status("nope"))[1:] == (None, None)
    assert await stores.bot_turns.states([cid, "nope"]) == [(1, True), (0, False)]
