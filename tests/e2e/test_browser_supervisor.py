"""Browser tests of the console's roles against the real stack (tests/e2e/conftest.py: private Redis,
Rasa, the action server, the hub with the demo accounts): the supervisor's Squadra and Report pages,
reassigning a colleague's conversation, an agent without them, an editor's notice.

    .venv/hub/bin/python -m pytest -q tests/e2e/test_browser_supervisor.py -p no:cacheprovider

The supervisor's browser runs in the shop's time zone (Europe/Rome), so "today" on the Report page is
the shop's day the hub counts conversations in. Every test leaves no case open.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid

import pytest

from tests.e2e import test_browser_console
from tests.e2e.test_browser_sportello import (
    DEMO_PASSWORD,
    MARCO,
    SERENA,
    Page,
    _no_execution,
    _open,
    _post,
    agent_get,
    agent_token,
    login,
)

SUPERVISOR = "supervisore@sportello.example"
EDITOR = "editor@sportello.example"
SHOP_TZ = "Europe/Rome"
WIDTH, HEIGHT = 1366, 900
PRESENCE = {"online": "In linea", "away": "Assente", "offline": "Non in linea"}


@pytest.fixture(scope="module")
def hub_url(stack) -> str:
    return stack.hub_url.rstrip("/")


@pytest.fixture(scope="module")
def internal_token(stack) -> str:
    return stack.env["HUB_INTERNAL_TOKEN"]


# the module's Chromium (or the session one of test_browser_sportello.py) and the wait helper, as
# the agents' console tests have them
chromium = test_browser_console.chromium
eventually = test_browser_console.eventually


def console_page(chromium, hub_url: str, **kw) -> Page:
    return _open(chromium, hub_url + "/console/", viewport={"width": WIDTH, "height": HEIGHT}, **kw)


def sign_in(page, email: str) -> None:
    """Fill the login form (the editor has no socket: wait for what each role sees)."""
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(DEMO_PASSWORD)
    page.locator("form.c-login button[type=submit]").click()


def status_of(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def new_conversation(hub_url: str) -> str:
    """A conversation through the customer API (the assistant greets; nobody is asked for)."""
    request = urllib.request.Request(
        hub_url + "/v1/conversations",
        data=b"{}",
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["conversation_id"]


def hand_off(hub_url: str, internal_token: str, cid: str, name: str, reason: str = "request_human") -> dict:
    """A hand-off as the action server asks for it (no order, no e-mail: it joins no other case)."""
    return _post(
        f"{hub_url}/v1/internal/conversations/{cid}/handoff",
        internal_token,
        {"reason": reason, "summary": {"problem_type": "wrong_item", "customer_name": name}},
    )


def close_case(hub_url: str, cid: str) -> None:
    """Resolve a conversation handed off by a test, whoever has it (a ticket: taken, then resolved)."""
    tokens = {email: agent_token(hub_url, email) for email in (SERENA, MARCO, SUPERVISOR)}
    by_name = {"Serena": SERENA, "Marco": MARCO, "Giovanna": SUPERVISOR}
    conv = agent_get(hub_url, tokens[SUPERVISOR], f"/v1/agent/conversations/{cid}")["conversation"]
    who = (conv.get("agent") or {}).get("name")
    if conv["status"] in ("queued", "offline"):
        _post(f"{hub_url}/v1/agent/conversations/{cid}/claim", tokens[SUPERVISOR], {})
        who = "Giovanna"
    elif conv["status"] != "assigned":
        return
    token = tokens[by_name[who]]
    _post(f"{hub_url}/v1/agent/conversations/{cid}/resolve", token, {"outcome": "solved"})
    # acting over the API is a sign of life: offline again, so the next hand-off does not wait for them
    _post(f"{hub_url}/v1/agent/presence", token, {"status": "offline"})


def account(hub_url: str, token: str, email: str) -> dict:
    """An account as GET /v1/supervisor/agents says it."""
    return next(
        a for a in agent_get(hub_url, token, "/v1/supervisor/agents")["agents"] if a["email"] == email
    )


def holder(hub_url: str, token: str, cid: str) -> str:
    """The name of who has the conversation now ('' for nobody)."""
    conv = agent_get(hub_url, token, f"/v1/agent/conversations/{cid}")["conversation"]
    return (conv.get("agent") or {}).get("name") or ""


def row_ids(locator) -> list[str]:
    return locator.locator("tr[data-conversation-id]").evaluate_all(
        "els => els.map(e => e.dataset.conversationId)"
    )


def all_offline(hub_url: str) -> None:
    """Consoles of earlier tests may still be closing: a hand-off made now finds nobody."""
    token = agent_token(hub_url, SUPERVISOR)
    eventually(
        lambda: all(
            a["presence"] == "offline" for a in agent_get(hub_url, token, "/v1/supervisor/agents")["agents"]
        ),
        seconds=30,
        what="every console closed",
    )


# --------------------------------------------------------------------------------------------
# The supervisor


def test_supervisor_team_and_report(chromium, hub_url, internal_token):
    all_offline(hub_url)
    # Today's conversations: one the assistant kept, one handed off (a ticket: nobody is online).
    kept = new_conversation(hub_url)
    handed = new_conversation(hub_url)
    assert hand_off(hub_url, internal_token, handed, "Anna Prova")["status"] == "offline"
    token = agent_token(hub_url, SUPERVISOR)
    sup = console_page(chromium, hub_url, timezone_id=SHOP_TZ)
    try:
        page = sup.page
        login(page, SUPERVISOR)
        views = page.locator(".c-views .c-view-btn")
        assert views.all_inner_texts() == ["Conversazioni", "Squadra", "Report"]
        assert page.locator("#view-console").get_attribute("aria-current") == "page"

        # Squadra: every account; Serena and Marco with their presence as the hub says it.
        page.locator("#view-team").click()
        table = page.locator("#team-table")
        serena_row = table.locator(f'tr[data-email="{SERENA}"]')
        marco_row = table.locator(f'tr[data-email="{MARCO}"]')
        serena_row.wait_for()
        assert page.locator("#page-console").is_hidden()
        assert page.locator("#view-team").get_attribute("aria-current") == "page"
        for email, row in ((SERENA, serena_row), (MARCO, marco_row)):
            cells = row.locator("th, td").all_inner_texts()
            assert cells[1] == email and cells[2] == "Operatore", cells
            hub = account(hub_url, token, email)
            assert cells[5] == PRESENCE[hub["presence"]], (cells, hub)
            assert cells[6] == f"{hub['load']} / {hub['capacity']}", cells
        editor_role = table.locator(f'tr[data-email="{EDITOR}"]').locator("td").nth(1)
        assert editor_role.inner_text() == "Redattore dei contenuti"
        me = table.locator(f'tr[data-email="{SUPERVISOR}"]')
        assert me.locator("th").inner_text() == "Giovanna (tu)"
        assert me.locator('[data-team-action="disable"]').count() == 0, "no disabling oneself"

        # Adding an account: a refusal is said next to the form, in Italian, and nothing changes.
        before = len(agent_get(hub_url, token, "/v1/supervisor/agents")["agents"])
        page.locator("#team-add-toggle").click()
        page.locator("#team-add-email").fill(MARCO)
        page.locator("#team-add-name").fill("Marco Secondo")
        page.locator("#team-add-password").fill("una-password-lunga")
        page.locator("#team-add button[type=submit]").click()
        error = page.locator("#team-add-error")
        error.filter(has_text="Esiste già un account con questa e-mail.").wait_for()
        assert len(agent_get(hub_url, token, "/v1/supervisor/agents")["agents"]) == before
        # …and a new one is listed with what was given.
        email = f"giulia.{uuid.uuid4().hex[:8]}@sportello.example"
        page.locator("#team-add-email").fill(email)
        page.locator("#team-add-name").fill("Giulia")
        page.locator("#team-add-skills").fill("item_damaged, Missing_Parts")
        page.locator("#team-add-capacity").fill("2")
        page.locator("#team-add button[type=submit]").click()
        added = table.locator(f'tr[data-email="{email}"]')
        added.wait_for()
        cells = added.locator("th, td").all_inner_texts()
        expected = ["Giulia", email, "Operatore", "item_damaged, missing_parts", "2", "Non in linea", "0 / 2"]
        assert cells[:7] == expected, cells
        assert page.locator("#team-status").inner_text() == "Account di Giulia creato."
        assert error.inner_text() == ""
        hub = account(hub_url, token, email)
        assert (hub["skills"], hub["capacity"], hub["role"]) == (
            ["item_damaged", "missing_parts"],
            2,
            "agent",
        )
        # a new password for her, asked in the page (no browser dialog)
        added.locator('[data-team-action="password"]').click()
        page.locator(f"#team-password-{hub['id']}").fill("corta")
        page.locator(f"#team-form-{hub['id']} button[type=submit]").click()
        page.locator(f"#team-form-error-{hub['id']}", has_text="almeno 8 caratteri").wait_for()
        page.locator(f"#team-password-{hub['id']}").fill("un-altra-password")
        page.locator(f"#team-form-{hub['id']} button[type=submit]").click()
        page.locator("#team-status", has_text="Password di Giulia cambiata").wait_for()
        # disabled (two clicks): the hub says so
        added.locator('[data-team-action="disable"]').click()
        added.locator('[data-team-action="disable"]', has_text="Conferma: disattiva").click()
        added.locator("td", has_text="Disattivato").wait_for()
        eventually(
            lambda: account(hub_url, token, email)["disabled"],
            what="Giulia disabled in the hub",
        )

        # Report, today: the figure is the hub's for the same query, and not zero.
        page.locator("#view-report").click()
        figure = page.locator('[data-figure="conversations"] .c-figure-value')
        figure.wait_for()
        report = page.locator("#page-report")
        query = report.get_attribute("data-query")
        today = page.evaluate(
            "() => { const d = new Date(); const p = (n) => String(n).padStart(2, '0');"
            " return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`; }"
        )
        assert query == f"from={today}&to={today}", query
        summary = agent_get(hub_url, token, f"/v1/reports/summary?{query}")
        assert summary["conversations"] >= 2, summary
        assert figure.inner_text() == str(summary["conversations"])
        handed_value = page.locator('[data-figure="handed_off"] .c-figure-value').inner_text()
        assert handed_value == str(summary["handed_off"])
        # the charts are drawn (Chart.js, vendored) and the page keeps its CSP
        page.wait_for_function(
            "() => { const c = document.getElementById('report-chart-day'); return c && c.width > 0 && c.height > 0; }"
        )
        assert page.locator(".c-charts").is_visible()

        # A figure opens the conversations behind it, with their ids.
        page.locator('[data-figure="conversations"]').click()
        drill = page.locator("#report-drill-table")
        drill.wait_for()
        ids = row_ids(drill)
        assert kept in ids and handed in ids, ids
        behind = agent_get(hub_url, token, f"/v1/reports/conversations?{query}&metric=all")["conversations"]
        assert ids == [r["conversation_id"] for r in behind]
        kept_row = drill.locator(f'tr[data-conversation-id="{kept}"]')
        assert kept_row.locator("button").count() == 0, "the assistant's alone: not openable"
        assert "Solo assistente" in kept_row.inner_text()
        # the hand-offs only
        page.locator('[data-figure="handed_off"]').click()
        title = f"Passate a una persona · {summary['handed_off']}"
        page.locator("#report-drill-title", has_text=title).wait_for()
        ids = row_ids(drill)
        assert handed in ids and kept not in ids, ids

        # The CSV is downloaded with the token (a link alone could not carry it).
        with page.expect_download() as download:
            page.locator("#report-csv").click()
        saved = download.value
        assert saved.suggested_filename == f"conversazioni-{today}-{today}.csv"
        lines = open(saved.path(), encoding="utf-8").read().splitlines()
        assert lines[0].startswith("conversation_id,started_at,ended_at,problem_type")
        assert any(line.startswith(handed + ",") for line in lines)

        # A row a person was asked for opens in the console.
        drill.locator(f'tr[data-conversation-id="{handed}"] button').click()
        page.locator("#c-conv-title", has_text="Anna Prova").wait_for()
        assert page.locator("#page-console").is_visible() and report.is_hidden()
        assert page.locator("#view-console").get_attribute("aria-current") == "page"

        _no_execution(sup)
        assert sup.errors == [], sup.errors
        assert sup.csp == [], sup.csp
    finally:
        sup.context.close()
        close_case(hub_url, handed)


def test_supervisor_reassigns_a_colleagues_conversation(chromium, hub_url, internal_token):
    all_offline(hub_url)
    serena = console_page(chromium, hub_url)
    sup = None
    cid = ""
    try:
        login(serena.page, SERENA)
        cid = new_conversation(hub_url)
        routed = hand_off(hub_url, internal_token, cid, "Carla Verdi", reason="frustration")
        assert routed["status"] == "assigned" and routed["agent"]["name"] == "Serena", routed
        sup = console_page(chromium, hub_url, timezone_id=SHOP_TZ)
        page = sup.page
        login(page, SUPERVISOR)
        page.locator("#view-team").click()
        row = page.locator(f'#team-ongoing tr[data-conversation-id="{cid}"]')
        row.wait_for()
        assert "Serena" in row.inner_text()
        row.locator("button").click()
        page.locator("#c-conv-title", has_text="Carla Verdi").wait_for()
        assert page.locator('[data-action="transfer"]').count() == 0, "not hers to transfer"
        page.locator('[data-action="reassign"]').click()
        options = page.locator("#c-reassign-agent option").all_inner_texts()
        assert "Giovanna (In linea)" in options and not any(o.startswith("Serena") for o in options), options
        assert not any(o.startswith("Paolo") for o in options), "an editor takes no conversations"
        page.locator("#c-reassign-agent").select_option(label="Giovanna (In linea)")
        page.locator("#c-reassign-reason").fill("segue lei i casi urgenti")
        page.locator("form.c-reassign-form button[type=submit]").click()
        page.locator(".c-feedback", has_text="Conversazione riassegnata a Giovanna.").wait_for(timeout=15000)
        token = agent_token(hub_url, SUPERVISOR)
        eventually(lambda: holder(hub_url, token, cid) == "Giovanna", what="the conversation is Giovanna's")
        notes = agent_get(hub_url, token, f"/v1/agent/conversations/{cid}")["notes"]
        assert any("Riassegnata da Giovanna" in n["text"] for n in notes), notes
        # now hers: she writes in it
        page.locator('[data-action="transfer"]').wait_for(timeout=15000)
        for p in (serena, sup):
            _no_execution(p)
            assert p.errors == [] and p.csp == [], (p.errors, p.csp)
    finally:
        serena.context.close()
        if sup is not None:
            sup.context.close()
        if cid:
            close_case(hub_url, cid)


# --------------------------------------------------------------------------------------------
# An agent, an editor


def test_agent_has_no_supervisor_pages_and_the_api_refuses_her(chromium, hub_url):
    p = console_page(chromium, hub_url)
    try:
        login(p.page, SERENA)
        assert p.page.locator(".c-list").is_visible()
        assert p.page.locator(".c-views").count() == 0
        assert p.page.locator("#view-team, #view-report, #page-team, #page-report").count() == 0
        token = agent_token(hub_url, SERENA)
        for path in ("/v1/supervisor/agents", "/v1/reports/summary?from=2026-12-01&to=2026-12-01"):
            assert status_of(hub_url + path, token) == 403, path
        _no_execution(p)
        assert p.errors == [] and p.csp == [], (p.errors, p.csp)
    finally:
        p.context.close()


def test_editor_sees_the_notice_and_no_lists(chromium, hub_url):
    p = console_page(chromium, hub_url)
    sockets: list = []
    p.page.on("websocket", lambda ws: sockets.append(ws.url))
    try:
        page = p.page
        sign_in(page, EDITOR)
        notice = page.locator(".c-editor-notice")
        notice.wait_for()
        assert notice.locator("h2").inner_text() == "Questa console è per le conversazioni con i clienti"
        assert "modificare i contenuti" in notice.inner_text()
        page.wait_for_timeout(2000)  # no reconnecting loop, no error, no way back to the login
        assert notice.is_visible()
        assert page.locator(".c-list, .c-tabs, .c-conn, .c-views").count() == 0
        assert page.locator("#login-email").count() == 0
        assert sockets == [], sockets
        assert re.search(r"\bPaolo\b", page.locator(".c-top").inner_text())
        page.locator("#c-editor-logout").click()
        page.locator("#login-email").wait_for()
        assert page.locator("#login-error").inner_text() == ""
        _no_execution(p)
        assert p.errors == [] and p.csp == [], (p.errors, p.csp)
    finally:
        p.context.close()
