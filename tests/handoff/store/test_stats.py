"""handoff/store/stats.py: the derived figures the metrics listener keeps."""

from __future__ import annotations


async def test_facts_first_last_and_counts(stores):
    await stores.stats.record("c1", first={"first_handoff_at": 10.0}, counts={"handoffs": 1}, started_at=5.0)
    await stores.stats.record(
        "c1", first={"first_handoff_at": 20.0}, last={"outcome": "solved"}, counts={"handoffs": 1}
    )
    await stores.stats.record("c1", last={"outcome": "refund"})
    assert await stores.stats.facts("c1") == {
        "first_handoff_at": "10.0",
        "handoffs": "2",
        "outcome": "refund",
    }
    await stores.stats.record("c2", started_at=7.0)
    assert await stores.stats.conversations_started(0, 7.0) == ["c1"]
    assert await stores.stats.conversations_started(0, 100) == ["c1", "c2"]


async def test_day_counters_add_up(stores):
    await stores.stats.count("2026-11-24", {"conversations": 1, "handoffs": 1})
    await stores.stats.count("2026-11-24", {"conversations": 1})
    assert await stores.stats.day("2026-11-24") == {"conversations": 2, "handoffs": 1}
    assert await stores.stats.day("2026-11-25") == {}


async def test_csat_counts_a_new_rating_once_and_replaces_an_earlier_one(stores):
    await stores.stats.add_rating(5, "a1", None)
    await stores.stats.add_rating(1, "a2", None)
    await stores.stats.add_rating(3, "a1", previous=5)  # the same conversation rated again
    assert (await stores.stats.csat()).as_dict() == {"count": 2, "average": 2.0}
    assert (await stores.stats.csat_of("a1")).as_dict() == {"count": 1, "average": 3.0}
    assert (await stores.stats.csat_of("nobody")).as_dict() == {"count": 0, "average": None}


async def test_handling_times_average_the_latest(stores):
    assert await stores.stats.average_handling(default=300.0) == 300.0
    for seconds in [100.0] * 30 + [10.0] * 20:
        await stores.stats.add_handling(seconds)
    await stores.stats.add_handling(0)  # nothing to count
    assert await stores.stats.average_handling(default=300.0) == 10.0  # the latest 20
