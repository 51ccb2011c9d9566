"""Reports (docs/reports.md, docs/api.md "Reports"): scripted conversations through the real hub,
on a clock the test moves, give exact figures in the summary, the drill-down and the CSV; the parts
add up; only supervisors read them; bad periods change nothing."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handoff.clock import Clock

ROME = ZoneInfo("Europe/Rome")
T0 = datetime(2027, 3, 15, 10, 0, tzinfo=ROME).timestamp()
DAY = "from=2027-03-15&to=2027-03-15"


class Hands:
    """A clock that moves only when the test says so."""

    def __init__(self, start: float):
        self.now = start

    def at(self, seconds: float) -> None:
        self.now = T0 + seconds


@pytest.fixture
async def scripted(make_hub, fake_rasa):
    """Four conversations on 15 March 2027 (Rome) and one on the 16th:
    A the bot alone; B handed off (problem, item_damaged) to Serena at once, answered after 60 s
    (an apology, then a re-ask of the problem the card already has), resolved 780 s after the
    hand-off, rated 4; C handed off (frustration) while Serena is full,
    queued 600 s, then Serena has it (no reply yet); D handed off (request_human), queued, and the
    customer never answered before the conversation expired; E the next day, the bot alone."""
    hands = Hands(T0)
    running = await make_hub(clock=Clock(ROME, lambda: hands.now))
    fake_rasa.on_message = lambda body: [{"text": "Ti ascolto"}]
    serena = await running.online_agent("Serena", capacity=1)
    marco = await running.add_agent("Marco")
    await running.hub.stores.agents.set_presence(marco.id, "away")  # someone is around: a queue
    boss = await running.add_agent("Giovanna", role="supervisor")
    headers = {"Authorization": f"Bearer {await running.login(boss.email)}"}

    async def start(at: float) -> str:
        hands.at(at)
        conv = await running.new_conversation()
        await running.say(conv, "ciao")
        await running.hub.idle()
        return conv

    a = await start(0)
    b = await start(60)
    hands.at(120)
    placed = await running.handoff(
        b["conversation_id"], {"reason": "problem", "summary": {"problem_type": "item_damaged"}}
    )
    assert placed.json()["status"] == "assigned"
    hands.at(180)
    for text in ("Eccomi, mi dispiace davvero per il tavolo rovinato.", "Mi racconti cosa è successo?"):
        sent = await serena.post(
            f"/conversations/{b['conversation_id']}/messages", {"text": text, "client_id": str(uuid.uuid4())}
        )
        assert sent.status_code == 201
    c = await start(240)
    hands.at(300)
    assert (await running.handoff(c["conversation_id"], {"reason": "frustration", "summary": {}})).json()[
        "status"
    ] == "queued"
    d = await start(360)
    hands.at(420)
    assert (await running.handoff(d["conversation_id"], {"reason": "request_human", "summary": {}})).json()[
        "status"
    ] == "queued"
    hands.at(900)
    resolved = await serena.post(f"/conversations/{b['conversation_id']}/resolve", {"outcome": "solved"})
    assert resolved.status_code == 200, resolved.text
    await running.wait_for(lambda: _assigned(running, c["conversation_id"], serena.agent.id))
    hands.at(960)
    rated = await running.http.post(
        f"/v1/internal/conversations/{b['conversation_id']}/rating",
        json={"rating": 4},
        headers={"Authorization": f"Bearer {running.settings.internal_token}"},
    )
    assert rated.status_code == 200, rated.text
    # D's customer left and the conversation expired (its record is gone after HUB_CONVERSATION_TTL)
    await running.hub.stores.redis.delete(running.hub.stores.keys.conv(d["conversation_id"]))
    e = await start(86400)
    await running.hub.idle()
    ids = {name: conv["conversation_id"] for name, conv in zip("abcde", (a, b, c, d, e), strict=True)}
    return running, headers, ids, serena


async def _assigned(running, cid: str, aid: str) -> bool:
    conv = await running.hub.stores.conversations.get(cid)
    return conv is not None and conv.agent_id == aid


async def test_a_day_of_scripted_conversations_gives_exact_figures(scripted):
    running, headers, ids, serena = scripted
    summary = (await running.http.get(f"/v1/reports/summary?{DAY}", headers=headers)).json()
    assert summary["timezone"] == "Europe/Rome" and summary["from"] == summary["to"] == "2027-03-15"
    assert summary["conversations"] == 4
    assert (summary["contained_by_bot"], summary["handed_off"], summary["abandoned"]) == (1, 2, 1)
    assert summary["rates"] == {"contained_by_bot": 0.25, "handed_off": 0.5, "abandoned": 0.25}
    assert summary["handoffs_by_reason"] == {"problem": 1, "frustration": 1, "request_human": 1}
    # queue: B 0 s (Serena at once), C 600 s (300 → 900); D never reached anyone
    assert summary["queue_seconds"] == {"count": 2, "median": 300.0, "p90": 540.0}
    assert summary["first_human_reply_seconds"] == {"count": 1, "median": 60.0, "p90": 60.0}
    assert summary["resolution_seconds"] == {"count": 1, "median": 780.0, "p90": 780.0}
    assert summary["reopened"] == 0
    assert summary["reasks"] == {"count": 1, "conversations": 1, "by_thing": {"problem": 1}}
    assert summary["apologies"] == {"per_case": 0.33, "cases_with_more_than_one": 0}  # B 1, C 0, D 0
    assert summary["bot_spoke_in_human_mode"] == {"messages": 0, "conversations": 0}
    assert summary["tickets"]["count"] == 0 and summary["emails_sent"] == 0
    csat = summary["csat"]
    assert (csat["count"], csat["average"], csat["response_rate"]) == (1, 4.0, 1.0)
    assert csat["by_agent"] == [{"agent": serena.agent.id, "name": "Serena", "count": 1, "average": 4.0}]
    assert csat["by_problem_type"] == [{"problem_type": "item_damaged", "count": 1, "average": 4.0}]
    assert summary["by_day"] == [
        {"day": "2027-03-15", "conversations": 4, "contained_by_bot": 1, "handed_off": 2, "abandoned": 1}
    ]
    # two days: E joins, on its own day
    both = (
        await running.http.get("/v1/reports/summary?from=2027-03-15&to=2027-03-16", headers=headers)
    ).json()
    assert both["conversations"] == 5 and [d["day"] for d in both["by_day"]] == ["2027-03-15", "2027-03-16"]


async def test_filters_and_the_parts_always_add_up(scripted):
    running, headers, ids, serena = scripted
    cases = {
        f"agent={serena.agent.id}": 2,  # B (resolved by her) and C (hers now)
        "problem_type=item_damaged": 1,
        "reason=request_human": 1,
        "business_hours=1": 4,  # the default hours are always open
        "agent=ag_nobody": 0,
    }
    for extra, conversations in cases.items():
        summary = (await running.http.get(f"/v1/reports/summary?{DAY}&{extra}", headers=headers)).json()
        assert summary["conversations"] == conversations, extra
        # invariants: the parts add up, no rate above 100 %
        parts = summary["contained_by_bot"] + summary["handed_off"] + summary["abandoned"]
        assert parts == summary["conversations"], extra
        assert all(rate is None or 0 <= rate <= 1 for rate in summary["rates"].values()), extra
        assert summary["csat"]["response_rate"] is None or summary["csat"]["response_rate"] <= 1


async def test_every_figure_opens_the_conversations_behind_it(scripted):
    running, headers, ids, _ = scripted
    expected = {
        "contained_by_bot": [ids["a"]],
        "handed_off": [ids["c"], ids["b"]],
        "abandoned": [ids["d"]],
        "rated": [ids["b"]],
        "reopened": [],
        "reasked": [ids["b"]],
        "bot_spoke": [],
        "ticket_late": [],
        "all": [ids["d"], ids["c"], ids["b"], ids["a"]],
    }
    for metric, cids in expected.items():
        found = (
            await running.http.get(f"/v1/reports/conversations?{DAY}&metric={metric}", headers=headers)
        ).json()
        assert [row["conversation_id"] for row in found["conversations"]] == cids, metric
        assert found["truncated"] is False
    bad = await running.http.get(f"/v1/reports/conversations?{DAY}&metric=everything", headers=headers)
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_filter"


async def test_the_csv_has_one_row_per_conversation_with_the_documented_columns(scripted):
    running, headers, ids, serena = scripted
    response = await running.http.get(f"/v1/reports/conversations.csv?{DAY}", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [
        "conversation_id", "started_at", "ended_at", "problem_type", "handed_off", "handoff_reason", "agent",
        "queue_seconds", "first_human_reply_seconds", "resolution_seconds", "outcome", "contained_by_bot",
        "abandoned", "reopened", "rating", "reask_count", "apology_count", "bot_spoke_in_human_mode",
        "emails_sent",
    ]  # fmt: skip
    by_id = {row["conversation_id"]: row for row in rows}
    assert set(by_id) == {ids["a"], ids["b"], ids["c"], ids["d"]}
    b = by_id[ids["b"]]
    assert b["started_at"] == "2027-03-15T09:01:00Z"  # 10:01 in Rome, in UTC
    assert (b["problem_type"], b["handed_off"], b["handoff_reason"], b["agent"]) == (
        "item_damaged",
        "1",
        "problem",
        serena.agent.id,
    )
    assert (b["queue_seconds"], b["first_human_reply_seconds"], b["resolution_seconds"]) == ("0", "60", "780")
    assert (b["outcome"], b["contained_by_bot"], b["abandoned"], b["reopened"], b["rating"]) == (
        "solved",
        "0",
        "0",
        "0",
        "4",
    )
    assert (b["reask_count"], b["apology_count"], b["bot_spoke_in_human_mode"], b["emails_sent"]) == (
        "1",
        "1",
        "0",
        "0",
    )
    a = by_id[ids["a"]]
    assert (a["handed_off"], a["contained_by_bot"], a["queue_seconds"], a["agent"], a["rating"]) == (
        "0",
        "1",
        "",
        "",
        "",
    )
    assert by_id[ids["d"]]["abandoned"] == "1" and by_id[ids["c"]]["queue_seconds"] == "600"


async def test_reports_are_for_supervisors_and_a_bad_period_is_refused(scripted):
    running, headers, _, serena = scripted
    for path in ("summary", "conversations", "conversations.csv"):
        assert (
            await running.http.get(f"/v1/reports/{path}?{DAY}", headers=serena.headers)
        ).status_code == 403
        assert (await running.http.get(f"/v1/reports/{path}?{DAY}")).status_code == 401
        for query in (
            "",
            "from=2027-03-15",
            "from=15/03/2027&to=2027-03-15",
            "from=2027-03-16&to=2027-03-15",
            "from=2026-01-01&to=2027-03-15",
        ):
            refused = await running.http.get(f"/v1/reports/{path}?{query}", headers=headers)
            assert refused.status_code == 400 and refused.json()["error"] == "invalid_period", (path, query)
        for query in ("agent=../x", "business_hours=yes", "problem_type=" + "x" * 41):
            refused = await running.http.get(f"/v1/reports/{path}?{DAY}&{query}", headers=headers)
            assert refused.status_code == 400 and refused.json()["error"] == "invalid_filter", (path, query)


async def test_tickets_are_counted_against_the_promised_time_and_mails_sent(make_hub, fake_rasa, tmp_path):
    """Three tickets (nobody online): one answered 300 s after it became a ticket (the promise is
    600 s), one after 1,000 s, one never; the late and the unanswered are behind `ticket_late`."""
    from tools.devmail import DevMailServer
    from tools.processes import free_port

    smtp = DevMailServer(tmp_path / "mail", free_port()).start()
    try:
        hands = Hands(T0)
        running = await make_hub(
            clock=Clock(ROME, lambda: hands.now),
            ticket_promise_seconds=600,
            smtp_host="127.0.0.1",
            smtp_port=smtp.port,
            smtp_tls="none",
        )
        serena = await running.add_agent("Serena")
        boss = await running.add_agent("Giovanna", role="supervisor")
        headers = {"Authorization": f"Bearer {await running.login(boss.email)}"}
        tickets = []
        for at, email in ((0, "f@example.it"), (10, "g@example.it"), (20, "h@example.it")):
            hands.at(at)
            conv = await running.new_conversation()
            body = {"reason": "request_human", "summary": {"email": email}}
            assert (await running.handoff(conv["conversation_id"], body)).json()["status"] == "offline"
            tickets.append(conv["conversation_id"])
        f, g, h = tickets
        agent = {"Authorization": f"Bearer {await running.login(serena.email)}"}
        for cid, at in ((f, 300), (g, 1010)):
            hands.at(at)
            claimed = await running.http.post(f"/v1/agent/conversations/{cid}/claim", headers=agent)
            assert claimed.status_code == 200, claimed.text
            reply = {"text": "Eccomi", "client_id": str(uuid.uuid4())}
            sent = await running.http.post(
                f"/v1/agent/conversations/{cid}/messages", json=reply, headers=agent
            )
            assert sent.status_code == 201
            await running.http.post(f"/v1/agent/conversations/{cid}/resolve", json={}, headers=agent)
        for _ in range(200):  # the three offline notices leave for the SMTP server
            await running.hub.mailer.send_due()
            if len(smtp.messages()) >= 3:
                break
            await asyncio.sleep(0.05)
        summary = (await running.http.get(f"/v1/reports/summary?{DAY}", headers=headers)).json()
        assert summary["tickets"] == {
            "count": 3, "answered": 2, "answered_in_time": 1, "in_time_rate": 0.333, "promise_seconds": 600,
        }  # fmt: skip
        assert summary["emails_sent"] == len(smtp.messages()) >= 3
        late = (
            await running.http.get(f"/v1/reports/conversations?{DAY}&metric=ticket_late", headers=headers)
        ).json()
        assert [row["conversation_id"] for row in late["conversations"]] == [h, g]
    finally:
        smtp.stop()


async def test_the_assistant_speaking_while_a_person_has_the_conversation_is_counted(make_hub, fake_rasa):
    """A person takes the conversation while Rasa is still answering the customer's last message:
    the assistant's late answer is stored, and the reports say so (the promise is 0)."""
    import time as wall

    running = await make_hub()
    await running.online_agent("Serena")
    boss = await running.add_agent("Giovanna", role="supervisor")
    headers = {"Authorization": f"Bearer {await running.login(boss.email)}"}

    def slow(body):
        wall.sleep(0.5)
        return [{"text": "Ti ascolto"}]

    fake_rasa.on_message = slow
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await running.say(conv, "voglio parlare con qualcuno")
    await asyncio.sleep(0.1)  # Rasa is answering
    assert (await running.handoff(cid, {"reason": "request_human", "summary": {}})).json()[
        "status"
    ] == "assigned"
    await running.hub.idle()
    today = running.hub.clock.day()
    summary = (await running.http.get(f"/v1/reports/summary?from={today}&to={today}", headers=headers)).json()
    late = [e for e in await running.events(conv) if e.get("from") == "bot" and e.get("text") == "Ti ascolto"]
    assert late, "the late answer is kept in the transcript (the agent sees what the customer saw)"
    assert summary["bot_spoke_in_human_mode"] == {"messages": len(late), "conversations": 1}
    spoke = (
        await running.http.get(
            f"/v1/reports/conversations?from={today}&to={today}&metric=bot_spoke", headers=headers
        )
    ).json()
    assert [row["conversation_id"] for row in spoke["conversations"]] == [cid]


async def test_a_conversation_assigned_at_once_waited_zero_seconds_in_the_queue(make_hub, fake_rasa):
    """On the real clock the `assigned` event is stored a moment before the hand-off's own fact:
    the time in queue is 0, not missing."""
    running = await make_hub()
    await running.online_agent("Serena")
    boss = await running.add_agent("Giovanna", role="supervisor")
    headers = {"Authorization": f"Bearer {await running.login(boss.email)}"}
    conv = await running.new_conversation()
    assert (await running.handoff(conv["conversation_id"])).json()["status"] == "assigned"
    today = running.hub.clock.day()
    summary = (await running.http.get(f"/v1/reports/summary?from={today}&to={today}", headers=headers)).json()
    assert summary["queue_seconds"] == {"count": 1, "median": 0.0, "p90": 0.0}
