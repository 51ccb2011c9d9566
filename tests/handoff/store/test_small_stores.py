"""The small stores: notes, the customer's pages, the lookups by e-mail and order, the content store."""

from __future__ import annotations

from handoff.bus import AgentNotice, encode


async def test_notes_are_kept_in_order_and_never_in_the_stream(stores):
    cid = await stores.conversations.create("v1")
    await stores.notes.add(cid, {"text": "prima"})
    await stores.notes.add(cid, {"text": "seconda"})
    assert [n["text"] for n in await stores.notes.all(cid)] == ["prima", "seconda"]
    assert await stores.transcript.events(cid) == []


async def test_a_page_is_connected_while_it_pings_and_what_it_saw_only_moves_forward(stores):
    cid = await stores.conversations.create("v1")
    await stores.pages.alive(cid, "s1", "5-0", now=1000.0)
    assert await stores.pages.connected(cid, within=45, now=1030.0)
    assert not await stores.pages.connected(cid, within=45, now=1050.0)
    await stores.pages.saw(cid, "3-0")  # older: ignored
    assert (await stores.conversations.get(cid)).customer_seen == "5-0"
    await stores.pages.closed(cid, "s1", "7-0")
    assert (await stores.conversations.get(cid)).customer_seen == "7-0"
    assert not await stores.pages.connected(cid, within=45, now=1000.0)


async def test_lookups_find_conversations_newest_first(stores):
    await stores.lookups.index_email("a", "Giulia@Example.it ", 1.0)
    await stores.lookups.index_email("b", "giulia@example.it", 2.0)
    await stores.lookups.index_order("a", "1234567", 1.0)
    assert await stores.lookups.by_email("GIULIA@example.it") == ["b", "a"]
    assert await stores.lookups.by_order("1234567") == ["a"]
    assert await stores.lookups.by_order("7654321") == []
    # the address is not in any key name
    assert not [k for k in await stores.redis.keys("*") if "giulia" in k.lower()]


async def test_the_content_store_publishes_a_release_and_counts_who_took_it(stores, redis):
    pubsub = redis.pubsub()
    await pubsub.subscribe(stores.keys.channel())
    await pubsub.get_message(timeout=1)  # the subscription's confirmation
    notice = encode(AgentNotice({"type": "content", "version": "r2"}, None))
    await stores.content.publish(
        "version: '3.1'\n", {"version": "r2", "shipped_at": 5.0, "hash": "h"}, notice
    )
    assert await stores.content.live_version() == {"version": "r2", "shipped_at": "5.0", "hash": "h"}
    assert await stores.content.domain() == "version: '3.1'\n"
    message = await pubsub.get_message(timeout=2)
    assert message and message["data"] == notice
    await stores.content.mark_loaded("host:1", "r2")
    await stores.content.mark_loaded("host:2", "r1")
    assert await stores.content.processes_on("r2") == 1
    await pubsub.aclose()
