"""The metrics home (handoff/services/metrics.py, handoff/store/stats.py): figures kept as things
happen, fed by Events; and the hub's calendar (handoff/clock.py), pinned so that these tests pass on
any day and at any hour."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from handoff.clock import Clock
from handoff.hours import BusinessHours

ROME = ZoneInfo("Europe/Rome")


async def test_a_scripted_conversation_leaves_exact_figures(make_hub, fake_rasa):
    # the day a figure is counted in is the shop's calendar day (set by the clock)
    clock = Clock.starting(ROME, datetime(2027, 3, 15, 10, 0, tzinfo=ROME))
    running = await make_hub(clock=clock)
    fake_rasa.on_message = lambda body: [{"text": "Ti ascolto"}]
    serena = await running.online_agent("Serena")
    stats = running.hub.stores.stats

    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    assert (await running.say(conv, "ciao")).status_code in (200, 201)
    await running.wait_events(conv, lambda ev: any(e.get("from") == "bot" for e in ev))
    handed = (await running.handoff(cid, {"reason": "frustration", "summary": {}})).json()
    assert handed["status"] == "assigned"
    for text in ("ci sono?", "allora?"):
        await running.say(conv, text)
    for text in ("Eccomi, sono Serena", "Ho verificato"):
        sent = await serena.post(
            f"/conversations/{cid}/messages", {"text": text, "client_id": str(uuid.uuid4())}
        )
        assert sent.status_code in (200, 201), sent.text
    resolved = await serena.post(f"/conversations/{cid}/resolve", {"outcome": "solved"})
    assert resolved.status_code == 200, resolved.text
    rated = await running.http.post(
        f"/v1/internal/conversations/{cid}/rating",
        json={"rating": 4},
        headers={"Authorization": f"Bearer {running.settings.internal_token}"},
    )
    assert rated.status_code == 200, rated.text
    await running.hub.idle()

    facts = await stats.facts(cid)
    assert facts["customer_messages"] == "3" and facts["agent_messages"] == "2"
    assert facts["handoff_reason"] == "frustration" and facts["handoffs"] == "1"
    assert facts["resolved_by"] == serena.agent.id and facts["outcome"] == "solved"
    assert facts["rating"] == "4"
    assert (
        float(facts["started_at"]) <= float(facts["first_handoff_at"]) <= float(facts["first_human_reply_at"])
    )
    assert float(facts["first_human_reply_at"]) <= float(facts["resolved_at"])
    day = await stats.day("2027-03-15")
    assert day == {
        "conversations": 1,
        "handoffs": 1,
        "handoffs:frustration": 1,
        "resolved": 1,
        "ratings": 1,
        "rating_sum": 4,
    }
    assert (await stats.csat_of(serena.agent.id)).as_dict() == {"count": 1, "average": 4.0}
    assert await stats.average_handling(default=999.0) < 999.0  # the handling time went to the ETA


async def test_a_listener_that_fails_never_fails_the_message(running, fake_rasa):
    class Broken:
        async def on_event(self, cid, event):
            raise RuntimeError("listener down")

        async def on_fact(self, fact):
            raise RuntimeError("listener down")

    running.hub.events.listen(Broken())
    conv = await running.new_conversation()
    answer = await running.say(conv, "ciao")
    assert answer.status_code in (200, 201), answer.text
    events = await running.wait_events(conv, lambda ev: any(e.get("from") == "bot" for e in ev))
    assert [e["text"] for e in events if e.get("from") == "customer"] == ["ciao"]
    # the metrics listener, before the broken one, still counted it
    assert (await running.hub.stores.stats.facts(conv["conversation_id"]))["customer_messages"] == "1"


async def test_business_hours_follow_the_shops_calendar(make_hub):
    hours = BusinessHours.parse("mon-fri 09:00-18:00")
    open_monday = Clock.starting(ROME, datetime(2027, 3, 15, 10, 0, tzinfo=ROME))
    sunday = Clock.starting(ROME, datetime(2027, 3, 14, 10, 0, tzinfo=ROME))
    for clock, expected in ((open_monday, "assigned"), (sunday, "offline")):
        running = await make_hub(business_hours=hours, clock=clock)
        await running.online_agent("Serena")
        conv = await running.new_conversation()
        placed = (await running.handoff(conv["conversation_id"], {"reason": "request_human"})).json()
        assert placed["status"] == expected, (clock.local(), placed)
        await running.hub.stores.redis.flushall()


def test_a_clock_says_the_shops_day_across_midnight_and_dst():
    clock = Clock(ROME)
    # 23:30 UTC on 31 March is already 1 April in Rome (summer time, UTC+2)
    assert clock.day(datetime(2027, 3, 31, 23, 30, tzinfo=ZoneInfo("UTC")).timestamp()) == "2027-04-01"
    # the night the clocks go forward: 00:59 UTC is 01:59 CET, 01:00 UTC is 03:00 CEST
    assert clock.local(datetime(2027, 3, 28, 0, 59, tzinfo=ZoneInfo("UTC")).timestamp()).hour == 1
    assert clock.local(datetime(2027, 3, 28, 1, 0, tzinfo=ZoneInfo("UTC")).timestamp()).hour == 3
