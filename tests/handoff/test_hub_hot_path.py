"""The combined reads of the customer-message and bot-turn hot path (bench/: fewer Redis round trips)."""

from __future__ import annotations

import redis.asyncio as aioredis

from handoff.store.conversations import ConversationStore
from handoff.store.keys import Keys


async def test_message_context_and_bot_turn_reads(settings):
    r = aioredis.from_url(settings.redis_url, decode_responses=True)
    try:
        store = ConversationStore(r, Keys(settings.key_prefix), 3600)
        assert await store.message_context("nope", "c1") == (None, None)
        cid = await store.create("v1")
        known, conv = await store.message_context(cid, "c1")
        assert known is None and conv is not None and conv.id == cid
        turn = {"message": "ciao", "text": "ciao", "visitor_id": "v1"}
        appended = await store.append(
            cid, {"type": "message", "from": "customer", "text": "ciao"}, "c1", bot_turn=turn
        )
        assert appended.bot_turn_queued
        known, _ = await store.message_context(cid, "c1")
        assert known == appended.id  # a retry is recognised in the same round trip

        # the first reader takes the lease and gets the turn and the status
        taken, head, status = await store.next_bot_turn_and_status(cid, "me", 5.0)
        assert taken and head["eid"] == appended.id and status == "bot"
        # another owner gets no lease (its reads are not to be used)
        taken, _, _ = await store.next_bot_turn_and_status(cid, "other", 5.0)
        assert not taken
        assert await store.bot_lease_held(cid)
        # without an owner: just the reads; an unknown conversation has no status
        taken, head, status = await store.next_bot_turn_and_status(cid)
        assert taken and head["eid"] == appended.id and status == "bot"
        assert (await store.next_bot_turn_and_status("nope"))[1:] == (None, None)
    finally:
        await r.aclose()
