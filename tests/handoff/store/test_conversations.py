"""handoff/store/conversations.py: the state hash and MERGE_SUMMARY."""

from __future__ import annotations

from handoff.states import Status


async def test_a_new_conversation_has_its_state_and_its_visitor_index(stores, redis):
    cid = await stores.conversations.create("v1", now=1000.0)
    conv = await stores.conversations.get(cid)
    assert conv.status == Status.BOT and conv.visitor_id == "v1" and conv.created_at == 1000.0
    assert await stores.lookups.by_visitor("v1") == [cid]
    assert 0 < await redis.ttl(stores.keys.conv(cid)) <= 3600
    assert await stores.conversations.status("nope") is None
    assert await stores.conversations.get("nope") is None


async def test_merge_summary_adds_only_what_the_card_lacks(stores):
    cid = await stores.conversations.create("v1")
    await stores.conversations.set_fields(cid, {"summary": {"order_number": "1234567", "email": ""}})
    merged = await stores.conversations.merge_summary(
        cid, {"order_number": "9999999", "email": "a@b.it", "description": None, "mood": ""}
    )
    assert merged == {"order_number": "1234567", "email": "a@b.it"}  # never overwritten; blanks ignored
    assert (await stores.conversations.get(cid)).summary == merged
    assert await stores.conversations.merge_summary(cid, {}) == merged


async def test_set_fields_stores_lists_and_mappings_as_json(stores):
    cid = await stores.conversations.create("v1")
    await stores.conversations.set_fields(
        cid, {"buttons": [{"title": "Sì", "payload": "/affirm"}], "rating": None}
    )
    conv = await stores.conversations.get(cid)
    assert conv.buttons == [{"title": "Sì", "payload": "/affirm"}] and conv.rating is None


async def test_a_flag_is_raised_once(stores):
    cid = await stores.conversations.create("v1")
    assert await stores.conversations.flag_once(cid, "overdue:1")
    assert not await stores.conversations.flag_once(cid, "overdue:1")
    assert await stores.conversations.flag_once(cid, "overdue:2")
