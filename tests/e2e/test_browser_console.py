"""Browser tests of the agent console as agents work: attention cues, one case per customer, nothing
missed. Two agents and two customers, each in a browser context of their own, against the real
stack (tests/e2e/conftest.py: private Redis, Rasa, the action server, the hub with Serena and Marco).

    .venv/hub/bin/python -m pytest -q tests/e2e/test_browser_console.py

Every test leaves no case open (the demo orders are shared with test_browser_sportello.py, and an
open case with the same order would absorb the next test's hand-off).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from tests.e2e.test_browser_sportello import (
    MARCO,
    SERENA,
    STORY,
    STORY_TIMEOUT,
    Page,
    _no_execution,
    _open,
    _post,
    agent_get,
    agent_reply,
    agent_token,
    bubbles,
    conversation_id,
    login,
    open_widget,
    say,
    shot,
    tell_story,
    wait_text,
)
from tools.devmail import read_mailbox

WIDTH, HEIGHT = 1366, 768
ORDER_EMAILS = {
    "1234567": "giulia.rossi@example.it",
    "2345678": "luca.bianchi@example.it",
}  # the demo orders'
NORMAL_ORDER = "1234567"  # another demo order than the follow-up test's, so the two cases stay apart
FRUSTRATED = "Siete inutili, è la terza volta che scrivo e nessuno mi risponde!"


@pytest.fixture(scope="module")
def hub_url(stack) -> str:
    """The real stack (the frustrated customer and the follow-up need the real bot)."""
    return stack.hub_url.rstrip("/")


@pytest.fixture(scope="module")
def chromium(browser):
    """The session's Chromium (tests/e2e/conftest.py)."""
    return browser


# --------------------------------------------------------------------------------------------
# Helpers


def eventually(check: Callable[[], bool], seconds: float = 15, what: str = "") -> None:
    """For what only the hub knows (no element to wait for): ask until it holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    pytest.fail(f"not within {seconds:g} s: {what}")


def console(chromium, hub_url: str, email: str = SERENA) -> Page:
    p = _open(chromium, hub_url + "/console/", viewport={"width": WIDTH, "height": HEIGHT})
    login(p.page, email)
    return p


def customer(chromium, hub_url: str) -> Page:
    return _open(chromium, hub_url + "/")


def joined(page, name: str = "Serena") -> Callable[[], bool]:
    notice = page.locator(".sportello-msg--system", has_text=name)
    return lambda: notice.count() > 0


def tell_story_with_order(page, order: str, done: Callable[[], bool]) -> None:
    """The damaged-item story with another order number, accepting the case read back."""
    open_widget(page)
    say(page, STORY)
    wait_text(page, "bot", r"dispiace|scus")
    say(page, f"Il numero d'ordine è {order}")
    wait_text(page, "bot", "CAP di consegna")  # a number proves nothing: the customer shows it is theirs
    say(page, ORDER_EMAILS[order])
    deadline = time.monotonic() + STORY_TIMEOUT / 1000
    while time.monotonic() < deadline and not done():
        quick = page.locator(".sportello-quick-reply")
        if quick.count() and quick.first.is_visible():
            quick.first.click()
        page.wait_for_timeout(300)
    assert done(), "no hand-off after the order number"


def item(page, cid: str):
    return page.locator(f'.c-item[data-conversation-id="{cid}"]')


def list_ids(page) -> list[str]:
    return page.locator(".c-list .c-item").evaluate_all("els => els.map(e => e.dataset.conversationId)")


def hub_item(hub_url: str, token: str, cid: str, status: str = "assigned") -> dict:
    items = agent_get(hub_url, token, f"/v1/agent/conversations?status={status}")["conversations"]
    return next((c for c in items if c["id"] == cid), {})


def box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def close_cases(hub_url: str, *cids: str) -> None:
    """Resolve what a test handed off, whoever has it now (the next test starts with no open case)."""
    tokens = {email: agent_token(hub_url, email) for email in (SERENA, MARCO)}
    names = {"Serena": SERENA, "Marco": MARCO}
    for cid in cids:
        if not cid:
            continue
        conv = agent_get(hub_url, tokens[SERENA], f"/v1/agent/conversations/{cid}")["conversation"]
        agent = conv.get("agent") or {}
        if conv["status"] == "assigned" and agent.get("name") in names:
            _post(
                f"{hub_url}/v1/agent/conversations/{cid}/resolve",
                tokens[names[agent["name"]]],
                {"outcome": "solved"},
            )


# --------------------------------------------------------------------------------------------
# Attention: what needs a person first, unread badges, cues; the transfer told to the customer


def test_console_attention_order_unread_and_transfer(chromium, hub_url):
    serena = console(chromium, hub_url)
    a, b = customer(chromium, hub_url), customer(chromium, hub_url)
    marco = None
    cid_a = cid_b = ""
    try:
        page = serena.page
        # The sound switch is remembered in this browser.
        sound = page.locator(".c-sound")
        assert sound.get_attribute("aria-pressed") == "true"
        sound.click()
        assert sound.get_attribute("aria-pressed") == "false"
        page.reload()
        page.locator(".c-conn--open").wait_for(timeout=15000)
        assert page.locator(".c-sound").get_attribute("aria-pressed") == "false"
        page.locator(".c-sound").click()
        assert page.locator(".c-sound").get_attribute("aria-pressed") == "true"

        # A hands off first (a normal case), then B, frustrated: high priority.
        tell_story_with_order(a.page, NORMAL_ORDER, joined(a.page))
        cid_a = conversation_id(a.page)
        open_widget(b.page)
        say(b.page, FRUSTRATED)
        b.page.locator(".sportello-msg--system", has_text="Serena").wait_for(timeout=STORY_TIMEOUT)
        cid_b = conversation_id(b.page)

        # "Le mie": B first although A has waited longer, with its priority and its wait shown.
        page.locator("#tab-mine").click()
        item(page, cid_a).wait_for(timeout=15000)
        item(page, cid_b).wait_for(timeout=15000)
        assert list_ids(page).index(cid_b) < list_ids(page).index(cid_a), list_ids(page)
        assert "Priorità alta" in item(page, cid_b).inner_text()
        assert re.search(r"in attesa da", item(page, cid_a).inner_text())
        wait = item(page, cid_a).locator(".c-wait")
        assert re.search(r"\bc-wait--(ok|amber|red)\b", wait.get_attribute("class")), (
            "the wait has its colour"
        )

        # Serena reads A; B writes: B's badge, the title, the announcement.
        item(page, cid_a).click()
        page.locator(".c-case").wait_for()
        say(b.page, "Allora? Mi rispondete?")
        badge_b = item(page, cid_b).locator(".c-unread")
        badge_b.wait_for(timeout=15000)
        assert badge_b.inner_text() == "1"
        assert item(page, cid_b).locator(".c-item-preview").inner_text() == "Cliente: Allora? Mi rispondete?"
        assert page.title().startswith("("), page.title()
        assert "Nuovo messaggio" in page.title()
        assert "Nuovo messaggio da" in page.locator(".c-live").inner_text()
        # A writes while A is open in the focused console: read at once, no badge.
        say(a.page, "Vi mando anche una foto del danno")
        page.locator(".c-transcript .c-entry--customer", has_text="una foto").wait_for(timeout=15000)
        assert item(page, cid_a).locator(".c-unread").count() == 0
        token = agent_token(hub_url)
        eventually(lambda: hub_item(hub_url, token, cid_a).get("unread") == 0, what="A read in the hub")
        assert hub_item(hub_url, token, cid_b)["unread"] == 1
        shot(page, "console-attention.png")

        # Opening B clears its badge here and in the hub; nothing is left in the title.
        item(page, cid_b).click()
        page.locator(".c-transcript .c-entry--customer", has_text="Mi rispondete").wait_for()
        badge_b.wait_for(state="detached")
        eventually(lambda: hub_item(hub_url, token, cid_b).get("unread") == 0, what="B read in the hub")
        assert not page.title().startswith("("), page.title()

        # 1366×768 with the case card open: the transcript is usable, the composer fully visible.
        assert page.locator(".c-case-body").is_visible()
        assert box(page, ".c-transcript-wrap")["height"] >= 350, box(page, ".c-transcript-wrap")
        composer = box(page, "form.c-composer")
        assert composer["y"] + composer["height"] <= HEIGHT

        # The transfer form opens over the transcript: the composer does not move.
        marco = console(chromium, hub_url, MARCO)
        transfer = page.locator('[data-action="transfer"]')
        transfer.click()
        page.locator("#c-transfer-agent").wait_for()
        assert box(page, "form.c-composer") == composer
        assert page.locator("#c-transfer").is_visible()
        page.keyboard.press("Escape")
        assert page.locator("#c-transfer").is_hidden()
        assert transfer.evaluate("el => document.activeElement === el"), "focus did not return to the button"
        assert transfer.get_attribute("aria-expanded") == "false"

        # Serena passes B to Marco with a reason for the customer and a note for him.
        transfer.click()
        page.locator("#c-transfer-agent").select_option(label="Marco (Disponibile)")
        page.locator("#c-transfer-reason").fill("si occupa lui dei reclami urgenti")
        page.locator("#c-transfer-note").fill("Solo per te: terza volta che scrive, richiamarlo entro sera.")
        page.locator(".c-transfer-form button[type=submit]").click()
        page.locator(".c-feedback", has_text="Marco").wait_for(timeout=15000)
        told = b.page.locator(".sportello-msg--bot", has_text="si occupa lui dei reclami urgenti")
        told.wait_for(timeout=15000)
        assert "Marco" in told.inner_text()
        assert "richiamarlo" not in b.page.locator(".sportello-messages").inner_text(), "the note is internal"
        # the confirmation goes away by itself
        page.locator(".c-feedback", has_text="Marco").wait_for(state="detached", timeout=10000)
        # Marco has it, with the note; the customer's wait is on his list.
        marco.page.locator("#tab-mine").click()
        item(marco.page, cid_b).wait_for(timeout=15000)
        item(marco.page, cid_b).click()
        marco.page.locator(".c-entry--note", has_text="richiamarlo").wait_for()
        assert marco.page.locator(".c-entry--note svg.c-icon--lock").count() == 1, (
            "the lock is drawn, not a glyph"
        )
        for p in (serena, marco, a, b):
            _no_execution(p)
            assert p.errors == [], p.errors
    finally:
        close_cases(hub_url, cid_a, cid_b)
        for p in (serena, marco, a, b):
            if p is not None:
                p.context.close()
                assert p.csp == [], f"CSP violation: {p.csp}"


# --------------------------------------------------------------------------------------------
# One case per customer; resolving with how it ended; a low rating reaches the agent


def test_console_follow_up_joins_the_case_resolve_warning_and_low_rating(chromium, hub_url):
    serena = console(chromium, hub_url)
    first = customer(chromium, hub_url)
    again = None
    cid1 = cid2 = ""
    try:
        page = serena.page
        tell_story(first.page, joined(first.page))
        cid1 = conversation_id(first.page)
        page.locator("#tab-mine").click()
        item(page, cid1).click()
        page.locator(".c-case").wait_for()
        first.context.close()  # the customer leaves…

        # … and comes back from another browser with the same order number: the same case.
        again = customer(chromium, hub_url)
        tell_story(again.page, joined(again.page))
        cid2 = conversation_id(again.page)
        assert cid2 and cid2 != cid1
        # The open conversation moves on to the new chat, and says so.
        page.locator(".c-feedback", has_text="continua qui").wait_for(timeout=15000)
        page.locator(f'.c-item--selected[data-conversation-id="{cid2}"]').wait_for(timeout=15000)
        item(page, cid1).wait_for(state="detached", timeout=15000)
        assert list_ids(page).count(cid2) == 1 and cid1 not in list_ids(page), list_ids(page)
        # The earlier conversation inline, closed, before this one.
        group = page.locator(".c-earlier-group")
        assert group.count() == 1
        label = group.locator("summary").inner_text()
        assert re.fullmatch(
            r"Conversazione precedente (del \d\d/\d\d/\d{4}, |delle )\d\d:\d\d · \d+ messaggi", label
        ), label
        assert not group.locator(".c-entry").first.is_visible()
        group.locator("summary").click()
        assert "tavolo che ho ordinato" in group.inner_text()
        assert group.evaluate(
            "g => g.compareDocumentPosition(document.querySelector('.c-transcript')) & Node.DOCUMENT_POSITION_FOLLOWING"
        )
        assert "2345678" in page.locator(".c-case").inner_text()
        shot(page, "console-case.png")

        # The customer writes last: resolving warns, and asks how the case ended.
        say(again.page, "Ci siete? Aspetto ancora una risposta")
        page.locator(".c-transcript .c-entry--customer", has_text="Aspetto ancora").wait_for(timeout=15000)
        resolve = page.locator('[data-action="resolve"]')
        resolve.click()
        assert resolve.inner_text() == "Conferma: risolvi"
        warning = page.locator(".c-resolve-warning")
        assert warning.is_visible() and warning.inner_text() == "Il cliente aspetta ancora una risposta"
        page.get_by_label("Sostituzione inviata").check()
        # Serena answers first: the warning goes; then she confirms.
        agent_reply(page, "Le abbiamo spedito un tavolo nuovo, arriva in tre giorni.")
        page.locator(
            ".c-transcript .c-entry--agent:not(.c-entry--pending)", has_text="tavolo nuovo"
        ).wait_for()
        warning.wait_for(state="hidden")
        resolve.click()
        page.locator(".c-feedback", has_text="Conversazione risolta").wait_for(timeout=15000)
        page.locator(".c-status--resolved").wait_for()
        assert "nuovo" in page.locator(".c-composer-state").inner_text()
        token = agent_token(hub_url)
        assert (
            agent_get(hub_url, token, f"/v1/agent/conversations/{cid2}")["conversation"]["outcome"]
            == "replacement"
        )

        # The customer rates it 1: the console alerts Serena.
        wait_text(again.page, "bot", "ancora altro|ancora qualcosa")
        say(again.page, "no grazie")
        rating = again.page.locator(".sportello-quick-reply", has_text=re.compile(r"^1$"))
        rating.wait_for(timeout=STORY_TIMEOUT)
        rating.click()
        live = page.locator(".c-live", has_text=re.compile(r"Valutazione bassa \(1/5\) da \S"))
        live.wait_for(state="attached", timeout=STORY_TIMEOUT)
        assert page.title().startswith("(") and "Valutazione bassa" in page.title(), page.title()
        page.locator(".c-conv-head .c-rating", has_text="Valutazione 1/5").wait_for(timeout=15000)
        page.locator("#tab-resolved").click()
        resolved = page.locator(f'.c-item--alert[data-conversation-id="{cid2}"]')
        resolved.wait_for(timeout=15000)
        assert "Valutazione 1/5" in resolved.inner_text() and "Valutazione bassa" in resolved.inner_text()
        for p in (serena, again):
            _no_execution(p)
            assert p.errors == [], p.errors
    finally:
        close_cases(hub_url, cid1, cid2)
        for p in (serena, first, again):
            if p is not None:
                p.context.close()
                assert p.csp == [], f"CSP violation: {p.csp}"


# --------------------------------------------------------------------------------------------
# Nobody online: the ticket, the e-mails, the link back, the tickets list


def _mails(stack, to: str, seconds: float = 30, count: int = 1, about: str = "") -> list:
    """The mails the development mail server caught for `to` (at least `count`), oldest first; with
    `about`, only those whose subject names it (a ticket code: other tests of the session may have
    written to the same demo customer)."""
    found: list = []

    def arrived() -> bool:
        found[:] = [m for m in read_mailbox(stack.mailbox) if m["To"] == to and about in str(m["Subject"])]
        return len(found) >= count

    eventually(arrived, seconds, f"{count} mail(s) to {to}")
    return found


def _link(mail) -> str:
    body = mail.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://\S+\?sportello=\S+", body)
    assert found, body
    return found.group(0)


def test_console_tickets_list_answer_by_email_and_the_link_back(chromium, hub_url, stack):
    tokens = {email: agent_token(hub_url, email) for email in (SERENA, MARCO)}
    for token in tokens.values():  # nobody online
        _post(f"{hub_url}/v1/agent/presence", token, {"status": "offline"})
    first = customer(chromium, hub_url)
    serena = back = None
    cid = ""
    email = "giulia.rossi@example.it"  # the demo order store's address for order 1234567
    try:
        offline = lambda: hub_item(hub_url, tokens[SERENA], cid, "offline") if cid else {}  # noqa: E731

        def ticketed() -> bool:
            nonlocal cid
            cid = cid or conversation_id(first.page) or ""
            return bool(offline())

        tell_story_with_order(first.page, NORMAL_ORDER, ticketed)
        ticket = offline()
        assert ticket["ticket_id"] and ticket["email"] == email and ticket["reply_by"] > ticket["handoff_at"]
        # the bot promised an answer by e-mail, to the address on the order (never written in full)
        wait_text(first.page, "bot", re.escape("g****a.r***i@example.it"))
        assert email not in " ".join(bubbles(first.page, "bot").all_inner_texts())
        first.context.close()  # the customer leaves the page

        # the promise in the customer's mailbox: the code and a link back to this conversation
        # (the newest about this ticket: the same customer's earlier chats in this session, proven
        # with the same order, are the same case)
        mailed = _mails(stack, email, about=ticket["ticket_id"])
        notice = mailed[-1]
        assert ticket["ticket_id"] in notice["Subject"]
        assert _link(notice).startswith(hub_url + "/?sportello=")

        # Serena comes back: the ticket waits in its own list, with the time left to answer
        serena = console(chromium, hub_url)
        page = serena.page
        page.locator("#tab-offline").click()
        entry = item(page, cid)
        entry.wait_for(timeout=15000)
        assert re.search(r"Risposta entro (23|24) h", entry.inner_text()), entry.inner_text()
        entry.click()
        page.locator('[data-action="claim"]').click()
        page.locator(".c-feedback", has_text="presa in carico").wait_for(timeout=15000)
        note = page.locator(".c-mail-note")
        note.wait_for(timeout=15000)
        assert email in note.inner_text()
        agent_reply(page, "Le spediamo domani il pezzo mancante dell'armadio.")
        page.locator(
            ".c-transcript .c-entry--agent:not(.c-entry--pending)", has_text="pezzo mancante"
        ).wait_for()
        shot(page, "console-tickets.png")
        # keep it open, without holding it: back in the tickets list
        page.locator('[data-action="release"]').click()
        page.locator(".c-feedback", has_text="resta aperto").wait_for(timeout=15000)
        page.locator("#tab-offline").click()
        item(page, cid).wait_for(timeout=15000)

        # the answer reaches the customer by e-mail, signed by Serena, with the link
        reply = _mails(stack, email, count=len(mailed) + 1, about=ticket["ticket_id"])[-1]
        body = reply.get_body(preferencelist=("plain",)).get_content()
        assert "Serena" in reply["Subject"] and "pezzo mancante" in body, body
        # the link reopens the widget on the same conversation, with its history; the answer reaches Serena
        back = _open(chromium, _link(reply))
        wait_text(back.page, "agent", "pezzo mancante", timeout=20000)
        assert conversation_id(back.page) == cid
        say(back.page, "Grazie, allora aspetto il corriere")
        eventually(
            lambda: any(
                e.get("text") == "Grazie, allora aspetto il corriere"
                for e in agent_get(hub_url, tokens[SERENA], f"/v1/agent/conversations/{cid}")["transcript"]
            ),
            20,
            "the customer's answer in the transcript",
        )
        # Serena still has the ticket open: the answer shows there, live
        page.locator(".c-transcript .c-entry--customer", has_text="aspetto il corriere").wait_for(
            timeout=15000
        )
        for p in (serena, back):
            _no_execution(p)
            assert p.errors == [], p.errors
    finally:
        if cid:
            token = tokens[SERENA]
            _post(f"{hub_url}/v1/agent/presence", token, {"status": "online"})
            try:
                _post(f"{hub_url}/v1/agent/conversations/{cid}/claim", token, {})
            except Exception:  # noqa: BLE001 - already Serena's
                pass
            close_cases(hub_url, cid)
        for p in (first, serena, back):
            if p is not None:
                p.context.close()
