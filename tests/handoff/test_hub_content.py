"""A content release reaches every hub process without a restart (tools/ship.py publishes it,
handoff/services/content.py takes it): the hub's own sentences and the canned replies change in
place, the console's `me` and `hello` say which version is live, a process started later reads it
too, and a release the hub cannot use is refused while the words in use stay."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.handoff.helpers import ws_connect, ws_recv
from tools.ship import Release, Target

FIXTURE_DOMAIN = Path(__file__).parent / "fixtures" / "domain.yml"


def release(tmp_path: Path, version: str, edit=lambda s: s) -> Release:
    folder = tmp_path / version
    folder.mkdir()
    (folder / "domain.yml").write_text(edit(FIXTURE_DOMAIN.read_text(encoding="utf-8")), encoding="utf-8")
    return Release(version, folder, 1795500000.0, "a1b2c3d4e5f6")


def target_of(hub) -> Target:
    return Target(rasa_urls=[], redis_url=hub.settings.redis_url, key_prefix=hub.settings.key_prefix)


async def canned_texts(agent) -> list[str]:
    return [c["text"] for c in (await agent.get("/canned")).json()["canned"]]


async def test_a_published_release_is_taken_by_every_hub_process_in_place(make_hub, tmp_path):
    one, two = await make_hub(), await make_hub()
    serena = await one.online_agent("Serena")
    assert (await serena.get("/me")).json()["content"] is None  # nothing shipped: its own domain.yml
    before = await canned_texts(serena)
    new = release(
        tmp_path,
        "20261124-0800-aaaaaaa",
        lambda s: s.replace("TEST anything else?", "TEST anything else, shipped?", 1),
    )
    async with ws_connect(f"{one.ws}/v1/agent/stream?token={serena.token}") as ws:
        await ws_recv(ws, lambda m: m["type"] == "hello")
        confirmed = await asyncio.to_thread(target_of(one).publish, new)
        frame = await ws_recv(ws, lambda m: m["type"] == "content")
    assert frame["version"] == "20261124-0800-aaaaaaa" and frame["shipped_at"] == 1795500000.0
    assert confirmed >= 1
    for _ in range(50):  # both processes take it (the notice reaches each on its own)
        if all((h.hub.content.current() or {}).get("version") == "20261124-0800-aaaaaaa" for h in (one, two)):
            break
        await asyncio.sleep(0.1)
    for hub in (one, two):
        assert hub.hub.content.current()["version"] == "20261124-0800-aaaaaaa"
    me = (await serena.get("/me")).json()["content"]
    assert me == {"version": "20261124-0800-aaaaaaa", "shipped_at": 1795500000.0, "hash": "a1b2c3d4e5f6"}
    after = await canned_texts(serena)
    assert "TEST anything else, shipped?" in after and "TEST anything else?" in before
    # a process started later reads the live release from Redis
    three = await make_hub()
    assert three.hub.content.current()["version"] == "20261124-0800-aaaaaaa"
    agent3 = await three.online_agent("Marco")
    async with ws_connect(f"{three.ws}/v1/agent/stream?token={agent3.token}") as ws:
        hello = await ws_recv(ws, lambda m: m["type"] == "hello")
    assert hello["content"]["version"] == "20261124-0800-aaaaaaa"


async def test_a_release_the_hub_cannot_use_is_refused_and_the_words_stay(make_hub, tmp_path):
    hub = await make_hub()
    good = release(tmp_path, "20261124-0800-aaaaaaa")
    await asyncio.to_thread(target_of(hub).publish, good)
    await asyncio.sleep(0.2)
    broken = release(
        tmp_path, "20261124-0900-bbbbbbb", lambda s: s.replace("utter_welcome:", "utter_benvenuto:", 1)
    )
    with pytest.raises(Exception, match="utter_welcome"):  # the ship tool checks before publishing
        await asyncio.to_thread(target_of(hub).publish, broken)
    assert hub.hub.content.current()["version"] == "20261124-0800-aaaaaaa"
    # and a hub that meets such a release in Redis anyway keeps its words
    keys = hub.hub.stores.keys
    await hub.hub.stores.redis.set(keys.content_domain(), broken.domain.read_text(encoding="utf-8"))
    await hub.hub.stores.redis.hset(
        keys.content_version(), mapping={"version": broken.version, "shipped_at": "1", "hash": "x"}
    )
    assert await hub.hub.content.refresh() is False
    assert hub.hub.content.current()["version"] == "20261124-0800-aaaaaaa"
    assert hub.hub.responses.text("utter_welcome")
