"""handoff/store/transcript.py: APPEND and APPEND_AFTER_BOT_TURN, and reading the stream."""

from __future__ import annotations

from handoff.states import Status

CUSTOMER = {"type": "message", "from": "customer", "text": "ciao"}
TURN = {"message": "ciao", "text": "ciao", "visitor_id": "v1"}


async def test_append_stores_an_event_once_per_client_id(stores):
    cid = await stores.conversations.create("v1")
    first = await stores.transcript.append(cid, CUSTOMER, "c-1")
    again = await stores.transcript.append(cid, {**CUSTOMER, "text": "changed"}, "c-1")
    assert first.new and not again.new and again.id == first.id
    assert again.prev is None  # a retry says nothing about what came before
    other = await stores.transcript.append(cid, CUSTOMER, "c-2")
    assert other.prev == first.id and first.prev == ""  # each event names the one before it
    assert [e["text"] for e in await stores.transcript.events(cid)] == ["ciao", "ciao"]
    assert await stores.transcript.client_event_id(cid, "c-1") == first.id


async def test_append_queues_a_bot_turn_only_in_bot_mode(stores, redis):
    cid = await stores.conversations.create("v1")
    mark = await stores.bot_turns.index(cid)
    appended = await stores.transcript.append(cid, CUSTOMER, "c-1", bot_turn=TURN, bot_mark=mark)
    assert appended.bot_turn_queued and appended.status == Status.BOT
    assert (await stores.bot_turns.next(cid))["eid"] == appended.id
    assert await redis.hget(stores.keys.conv(cid), "bot_mark") == mark
    await stores.conversations.set_fields(cid, {"status": Status.QUEUED})
    later = await stores.transcript.append(cid, CUSTOMER, "c-2", bot_turn=TURN, bot_mark="")
    assert not later.bot_turn_queued
    assert await redis.llen(stores.keys.bot_turns(cid)) == 1


async def test_append_counts_customer_messages_only_while_a_handoff_is_open(stores):
    cid = await stores.conversations.create("v1")
    await stores.transcript.append(cid, CUSTOMER, "c-1")
    assert (await stores.conversations.get(cid)).customer_count == 0
    for status in sorted(stores.rules.handoff_open):
        await stores.conversations.set_fields(cid, {"status": status})
        await stores.transcript.append(cid, CUSTOMER, f"c-{status}")
    conv = await stores.conversations.get(cid)
    assert conv.customer_count == len(stores.rules.handoff_open)
    assert conv.waiting_since is not None
    # an agent's or the bot's message does not count
    await stores.transcript.append(cid, {"type": "message", "from": "agent", "text": "eccomi"}, "a-1")
    assert (await stores.conversations.get(cid)).customer_count == len(stores.rules.handoff_open)


async def test_an_event_waits_for_the_bot_turn_in_progress(stores):
    cid = await stores.conversations.create("v1")
    appended = await stores.transcript.append(cid, CUSTOMER, "c-1", bot_turn=TURN, bot_mark="")
    waiting = await stores.transcript.append_after_bot_turn(cid, {"type": "handoff", "status": "assigned"})
    assert waiting.events == []  # a turn is pending: it waits
    answered = await stores.bot_turns.finish(
        cid, appended.id, [{"type": "message", "from": "bot", "text": "Ti passo a Serena"}], None
    )
    kinds = [e["type"] for e in answered.events]
    assert kinds == ["message", "handoff"]  # the bot's words, then what waited for them
    assert [e["type"] for e in await stores.transcript.events(cid)] == ["message", "message", "handoff"]
    # with no turn pending it is stored at once
    now = await stores.transcript.append_after_bot_turn(cid, {"type": "handoff", "status": "queued"})
    assert [e["status"] for e in now.events] == ["queued"] and now.prev == answered.events[-1]["id"]


async def test_events_after_an_id_and_the_last_ones(stores):
    cid = await stores.conversations.create("v1")
    ids = [(await stores.transcript.append(cid, {**CUSTOMER, "text": str(i)}, f"c-{i}")).id for i in range(5)]
    assert [e["text"] for e in await stores.transcript.events(cid, after=ids[2])] == ["3", "4"]
    assert [e["text"] for e in await stores.transcript.last_events(cid, 2)] == ["3", "4"]
    assert await stores.transcript.events(cid, after="18446744073709551615-18446744073709551615") == []


async def test_message_context_reads_the_retry_and_the_conversation_at_once(stores):
    assert await stores.transcript.message_context("nope", "c1") == (None, None)
    cid = await stores.conversations.create("v1")
    known, conv = await stores.transcript.message_context(cid, "c1")
    assert known is None and conv is not None and conv.id == cid
    appended = await stores.transcript.append(cid, CUSTOMER, "c1")
    known, _ = await stores.transcript.message_context(cid, "c1")
    assert known == appended.id
