"""Browser tests (Playwright + Debian Chromium): the customer widget on the demo shop page and the
agent console, together, against a running hub.

    .venv/hub/bin/pytest tests/e2e -k browser

The system under test is the lead's session fixture `stack` (tests/e2e/conftest.py: private Redis,
the real Rasa + action server, the hub with demo agents; `stack.hub_url`). When that fixture does
not exist, or SPORTELLO_E2E_STANDIN=1 is set, a stand-in stack is used instead: a private
redis-server, the hub as a real process and a scripted Rasa (tests/support/fake_rasa.py) that plays
the bot's part of the story with the bot's own words from domain.yml and calls the hub's internal
API like the action server does.

No browser is downloaded: the system Chromium (/usr/bin/chromium, installed by .ci/run) is used;
the tests fail, rather than skip, when it is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

CHROMIUM = os.environ.get("SPORTELLO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
DEMO_PASSWORD = os.environ.get("DEMO_AGENT_PASSWORD", "sportello-demo")
SERENA = "serena@sportello.example"
MARCO = "marco@sportello.example"
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">clic</a>',
]
STORY_TIMEOUT = float(os.environ.get("SPORTELLO_E2E_TIMEOUT", "60")) * 1000  # ms, the real bot is slow


# --------------------------------------------------------------------------------------------
# The stand-in stack (only when the lead's `stack` fixture is absent)


def _domain_text(name: str, **values: Any) -> dict[str, Any]:
    """The first unconditional variant of a domain.yml response, rendered like Rasa does."""
    import yaml

    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    variants = domain["responses"][name]
    chosen = next((v for v in variants if "condition" not in v), variants[0])
    out: dict[str, Any] = {"text": chosen["text"].format(**values) if values else chosen["text"]}
    if chosen.get("buttons"):
        out["buttons"] = [
            {"title": b["title"], "payload": b["payload"].replace("{{", "{").replace("}}", "}")}
            for b in chosen["buttons"]
        ]
    return out


def _post(url: str, token: str, body: dict) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


class StandInStack:
    """Private Redis + hub process + scripted Rasa, with the demo agents seeded."""

    INTERNAL = "standin-internal-token-5b7c9e"
    SECRET = "standin-secret-that-is-long-enough-for-hs256"

    def __init__(self) -> None:
        from tests.support.fake_rasa import FakeRasa
        from tests.support.hub_process import HubProcess
        from tests.support.redis_server import RedisServer

        self.redis = RedisServer().start()
        self.rasa = FakeRasa().start()
        env = {
            "REDIS_URL": self.redis.url,
            "RASA_URL": self.rasa.url,
            "HUB_SECRET": self.SECRET,
            "HUB_INTERNAL_TOKEN": self.INTERNAL,
            "HUB_RATE_CONVERSATIONS_PER_MINUTE": "1000",
            "HUB_RATE_MESSAGES_PER_MINUTE": "1000",
            # every test agent logs in from 127.0.0.1, many times a minute: the per-address and
            # global login limits (tested in tests/handoff) are raised for this hub, not removed
            "HUB_RATE_LOGINS_PER_MINUTE": "1000",
            "HUB_RATE_LOGINS_PER_IP_PER_MINUTE": "1000",
            "HUB_RATE_LOGINS_GLOBAL_PER_MINUTE": "1000",
            "HUB_SWEEP_INTERVAL": "0.5",
            "DEMO_AGENT_PASSWORD": DEMO_PASSWORD,
        }
        python = str(REPO_ROOT / ".venv" / "hub" / "bin" / "python")
        seeded = subprocess.run(
            [python, "-m", "handoff", "agents", "seed-demo"],
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if seeded.returncode != 0:
            self.rasa.stop()
            self.redis.stop()
            raise RuntimeError(f"seeding demo agents failed: {seeded.stdout}{seeded.stderr}")
        self.hub = HubProcess(env=env).start()
        self.hub_url = self.hub.url
        self.orders: dict[str, str] = {}
        self.rasa.on_message = self._bot
        self.rasa.on_trigger = self._trigger

    def _bot(self, body: dict) -> list[dict]:
        cid, text = body.get("sender", ""), str(body.get("message") or "")
        if text.startswith("/rate"):
            rating = int(re.search(r"\d", text).group(0))
            _post(f"{self.hub_url}/v1/internal/conversations/{cid}/rating", self.INTERNAL, {"rating": rating})
            return [_domain_text("utter_thank_rating")]
        order = re.search(r"\b\d{7}\b", text)
        if order:  # the case read back for confirmation, with "Sì" / "No" quick replies
            self.orders[cid] = order.group(0)
            return [
                _domain_text(
                    "utter_case_summary",
                    order_number=order.group(0),
                    product="il tavolo da pranzo",
                    description="il tavolo è arrivato danneggiato",
                )
            ]
        if re.match(r"\s*no\b", text, re.IGNORECASE):  # "nothing more" after a resolved case
            return [_domain_text("utter_ask_rating")]
        if text.startswith("/affirm") and cid in self.orders:
            result = _post(
                f"{self.hub_url}/v1/internal/conversations/{cid}/handoff",
                self.INTERNAL,
                {
                    "reason": "problem",
                    "summary": {
                        "problem_type": "item_damaged",
                        "order_number": self.orders[cid],
                        "description": "tavolo da pranzo arrivato danneggiato",
                        "customer_words": "il tavolo è arrivato danneggiato",
                        "mood": "neutral",
                        "bot_tried": ["scuse", "verifica ordine"],
                        "customer_name": "Giulia Conti",
                        "email": "giulia.conti@example.com",
                    },
                },
            )
            agent = result.get("agent") or {}
            eta = result.get("eta_seconds")
            return [
                _domain_text(
                    f"utter_handoff_{result['status']}",
                    agent_name=agent.get("name"),
                    ticket_id=result.get("ticket_id"),
                    queue_position=result.get("queue_position"),
                    eta_minutes=max(1, -(-eta // 60)) if eta else None,
                )
            ]
        if re.search(r"tavolo|danneggiat|rott", text, re.IGNORECASE):
            return [
                _domain_text("utter_ack_item_damaged"),
                _domain_text("utter_apologise"),
                _domain_text("utter_ask_order_number"),
            ]
        return [_domain_text("utter_how_can_help")]

    def _trigger(self, sender: str, body: dict) -> list[dict]:
        if body.get("name") == "handoff_resolved":
            return [_domain_text("utter_anything_else_after_case")]
        return []

    def stop(self) -> None:
        errors = []
        for part in (self.hub, self.rasa, self.redis):
            try:
                part.stop()
            except Exception as exc:  # noqa: BLE001 - stop the others first, then report
                errors.append(f"{type(part).__name__}: {exc}")
        if errors:
            raise RuntimeError("stand-in stack teardown: " + "; ".join(errors))


@pytest.fixture(scope="session")
def hub_url(request) -> str:
    """The lead's `stack` when available, else the stand-in."""
    if os.environ.get("SPORTELLO_E2E_STANDIN") != "1":
        try:
            stack = request.getfixturevalue("stack")
            return stack.hub_url.rstrip("/")
        except pytest.FixtureLookupError:
            pass
    assert shutil.which("redis-server"), "redis-server is not installed"
    standin = StandInStack()
    request.addfinalizer(standin.stop)
    return standin.hub_url


# --------------------------------------------------------------------------------------------
# Browser fixtures


@dataclass
class Page:
    context: Any
    page: Any
    dialogs: list
    errors: list
    csp: list  # Content-Security-Policy violations the browser reported


def _open(browser, url: str, viewport=None, **kw) -> Page:
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800}, locale="it-IT", **kw)
    page = context.new_page()
    dialogs: list = []
    errors: list = []

    def on_dialog(dialog):
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    csp: list = []
    page.on("console", lambda msg: csp.append(msg.text) if "Content Security Policy" in msg.text else None)
    # A canary: if any hostile text executed, it would call alert() — count calls in the page too.
    context.add_init_script(
        "window.__alerts = 0; const _a = window.alert; window.alert = function () { window.__alerts++; };"
    )
    page.goto(url)
    return Page(context, page, dialogs, errors, csp)


def _no_execution(p: Page) -> None:
    assert p.dialogs == [], f"a dialog fired: {p.dialogs}"
    assert p.page.evaluate("window.__alerts") == 0, "alert() was called"


@pytest.fixture
def customer(browser, hub_url):
    p = _open(browser, hub_url + "/")
    yield p
    p.context.close()
    assert p.csp == [], f"the shop page or the widget broke its CSP: {p.csp}"


@pytest.fixture
def agent(browser, hub_url):
    p = _open(browser, hub_url + "/console/", viewport={"width": 1440, "height": 900})
    yield p
    p.context.close()
    assert p.csp == [], f"the console broke its CSP: {p.csp}"


# --------------------------------------------------------------------------------------------
# Helpers: the widget lives in an open shadow root; Playwright's CSS locators pierce it.


def open_widget(page) -> None:
    page.locator(".sportello-launcher").click()
    page.locator(".sportello-input").wait_for(state="visible")
    # the panel's opening transition has ended (boxes and screenshots are taken at rest)
    page.wait_for_function(
        "() => { const r = document.querySelector('[data-sportello]').shadowRoot;"
        " const p = r && r.querySelector('.sportello-panel');"
        " return p && p.getAnimations({subtree: true}).every(a => a.playState !== 'running'); }"
    )


def say(page, text: str) -> None:
    box = page.locator(".sportello-input")
    box.fill(text)
    box.press("Enter")


def bubbles(page, role: str):
    return page.locator(f".sportello-msg--{role} .sportello-bubble")


def wait_text(page, role: str, pattern: str, timeout: float = STORY_TIMEOUT) -> None:
    page.locator(f".sportello-msg--{role}", has_text=re.compile(pattern, re.IGNORECASE)).first.wait_for(
        timeout=timeout
    )


def login(page, email: str = SERENA) -> None:
    page.locator("#login-email").fill(email)
    page.locator("#login-password").fill(DEMO_PASSWORD)
    page.locator("form.c-login button[type=submit]").click()
    page.locator(".c-top").wait_for()
    page.locator(".c-conn--open").wait_for(timeout=15000)


def console_open_mine(page, name_or_id: str | None = None) -> None:
    page.locator("#tab-mine").click()
    item = (
        page.locator(".c-item").first
        if name_or_id is None
        else page.locator(f'.c-item[data-conversation-id="{name_or_id}"]')
    )
    item.wait_for(timeout=STORY_TIMEOUT)
    item.click()
    page.locator(".c-case").wait_for()


def conversation_id(page) -> str:
    return page.evaluate(
        "() => { for (const k of Object.keys(localStorage)) if (k.startsWith('sportello:v1:')) "
        "return JSON.parse(localStorage.getItem(k)).conversation_id; return null; }"
    )


def agent_reply(page, text: str) -> None:
    box = page.locator("#c-reply")
    box.fill(text)
    page.locator("form.c-composer button[type=submit]").click()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


def agent_get(hub_url: str, token: str, path: str) -> dict:
    request = urllib.request.Request(hub_url + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def agent_token(hub_url: str, email: str = SERENA) -> str:
    request = urllib.request.Request(
        hub_url + "/v1/agent/login",
        data=json.dumps({"email": email, "password": DEMO_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["token"]


STORY = "Buongiorno, il tavolo che ho ordinato è arrivato danneggiato"  # 8+ words: the bot keeps it as the description


def tell_story(page, done) -> None:
    """The damaged-table story up to the hand-off; `done()` says when the hand-off is visible.

    The real bot reads the case back and asks for a confirmation (quick replies): accept it.
    """
    open_widget(page)
    say(page, STORY)
    wait_text(page, "bot", r"dispiace|scus")
    say(page, "Il numero d'ordine è 2345678")
    wait_text(page, "bot", "CAP di consegna")  # a number proves nothing: the customer shows it is theirs
    say(page, "luca.bianchi@example.it")
    deadline = time.monotonic() + STORY_TIMEOUT / 1000
    while time.monotonic() < deadline and not done():
        quick = page.locator(".sportello-quick-reply")
        if quick.count() and quick.first.is_visible():
            quick.first.click()
        page.wait_for_timeout(500)
    assert done(), "no hand-off after the order number"


def hand_off_to_serena(customer: Page, agent: Page) -> str:
    """Serena online in the console; the customer tells the damaged-table story up to the hand-off."""
    login(agent.page)
    page = customer.page
    joined = page.locator(".sportello-msg--system", has_text="Serena")
    tell_story(page, lambda: joined.count() > 0)
    return conversation_id(page)


# --------------------------------------------------------------------------------------------
# The story


def test_browser_story_handoff_reload_offline_resolve_rating(customer, agent, hub_url):
    page, console = customer.page, agent.page
    cid = hand_off_to_serena(customer, agent)
    assert cid

    # The bot's sentence that announces Serena comes before the notice that she joined.
    order = page.locator(".sportello-msg").evaluate_all(
        "els => els.map(e => [e.classList.contains('sportello-msg--system') ? 'system' : 'other', e.innerText])"
    )
    announced = next(i for i, (kind, text) in enumerate(order) if kind == "other" and "Serena" in text)
    joined = next(i for i, (kind, text) in enumerate(order) if kind == "system" and "Serena" in text)
    assert announced < joined, order

    # The customer sees Serena's name and initials.
    assert page.locator(".sportello-subtitle").inner_text() == "In conversazione con Serena"
    assert page.locator(".sportello-header .sportello-avatar").inner_text() == "S"

    # The console cued the new conversation in the tab title; opening it clears the cue.
    assert console.title().startswith("(1) Nuova conversazione")
    # Serena sees the case card (not asking again for what the bot gathered) and the transcript.
    console_open_mine(console, cid)
    assert not console.title().startswith("(")
    card = console.locator(".c-case")
    assert "2345678" in card.inner_text()
    assert "Non chiedere di nuovo" in card.inner_text()
    transcript = console.locator(".c-transcript")
    assert "danneggiato" in transcript.inner_text()
    assert console.locator(".c-entry--customer").count() >= 2
    assert console.locator(".c-entry--bot").count() >= 2
    # Canned replies come from the hub (domain.yml): picking one inserts its text.
    canned = agent_get(hub_url, agent_token(hub_url), "/v1/agent/canned")["canned"]
    assert canned, "the hub offers no canned replies"
    console.locator("#c-canned").select_option(index=1)
    assert console.locator("#c-reply").input_value() == canned[0]["text"]
    console.locator("#c-reply").fill("")
    agent_reply(console, "Ciao, sono Serena: ho già tutto davanti, ti mando subito un tavolo nuovo.")
    wait_text(page, "agent", "tavolo nuovo")
    assert page.locator(".sportello-msg--agent .sportello-msg-author").first.inner_text() == "Serena"
    shot(page, "widget-desktop.png")
    shot(console, "console.png")

    # Reload mid-conversation: the whole history, each message once.
    before = page.locator(".sportello-msg").all_inner_texts()
    page.reload()
    page.locator(".sportello-input").wait_for(state="visible")  # the panel stays open across reloads
    wait_text(page, "agent", "tavolo nuovo")
    page.wait_for_timeout(1000)
    after = page.locator(".sportello-msg").all_inner_texts()
    assert after == before, "history after reload differs"
    ids = page.locator(".sportello-msg[data-id]").evaluate_all("els => els.map(e => e.dataset.id)")
    assert len(ids) == len(set(ids)), "an event is shown twice"

    # Network cut while Serena sends five messages: all five arrive, once, in order.
    customer.context.set_offline(True)
    page.locator(".sportello-conn").wait_for(state="visible")
    for i in range(1, 6):
        agent_reply(console, f"Messaggio numero {i} mentre eri offline")
        console.locator(".c-entry--agent:not(.c-entry--pending)", has_text=f"numero {i} ").wait_for()
    say(page, "scritto durante la disconnessione")  # queued in the outbox
    customer.context.set_offline(False)
    wait_text(page, "agent", "numero 5 ")
    console.locator(".c-entry--customer", has_text="scritto durante la disconnessione").wait_for(
        timeout=15000
    )
    page.wait_for_timeout(1000)
    texts = [t for t in bubbles(page, "agent").all_inner_texts() if "offline" in t]
    assert texts == [f"Messaggio numero {i} mentre eri offline" for i in range(1, 6)]
    assert bubbles(page, "customer").all_inner_texts().count("scritto durante la disconnessione") == 1
    assert console.locator(".c-entry--customer", has_text="scritto durante la disconnessione").count() == 1
    assert page.locator(".sportello-conn").is_hidden()

    # Resolve (two clicks: ask, confirm); the bot closes the loop and asks for a rating.
    resolve = console.locator('[data-action="resolve"]')
    resolve.click()
    assert resolve.inner_text() == "Conferma: risolvi"
    resolve.click()
    console.locator(".c-feedback", has_text="Conversazione risolta").wait_for(timeout=15000)
    # resolved → back to the bot (the state machine's last step)
    console.locator(".c-status--resolved, .c-status--bot").wait_for()
    wait_text(page, "bot", "ancora altro|ancora qualcosa")
    # One question at a time: the rating comes only once the customer says there is nothing more.
    rating = page.locator(".sportello-quick-reply", has_text=re.compile(r"^5$"))
    page.wait_for_timeout(1500)
    assert rating.count() == 0, "the rating was asked together with 'anything else?'"
    say(page, "no grazie, a posto così")
    rating.wait_for(timeout=STORY_TIMEOUT)
    rating.click()
    token = agent_token(hub_url)
    deadline = time.monotonic() + STORY_TIMEOUT / 1000
    stored = None
    while time.monotonic() < deadline:
        stored = agent_get(hub_url, token, f"/v1/agent/conversations/{cid}")["conversation"].get("rating")
        if stored:
            break
        time.sleep(0.5)
    assert stored == 5

    _no_execution(customer)
    _no_execution(agent)
    assert customer.errors == [] and agent.errors == []


def test_browser_hostile_text_never_executes(customer, agent, hub_url):
    page, console = customer.page, agent.page
    cid = hand_off_to_serena(customer, agent)
    console_open_mine(console, cid)

    # Unread badge while the panel is closed; opening the panel clears it.
    page.keyboard.press("Escape")
    agent_reply(console, "Ci sei ancora?")
    badge = page.locator(".sportello-badge")
    badge.wait_for(state="visible")
    assert badge.inner_text() == "1"
    assert "1 messaggi non letti" in page.locator(".sportello-launcher").get_attribute("aria-label")
    open_widget(page)
    assert badge.is_hidden()
    for text in HOSTILE:
        say(page, f"cliente {text}")
        agent_reply(console, f"operatore {text}")
    wait_text(page, "agent", re.escape(f"operatore {HOSTILE[-1]}"))
    console.locator(".c-entry--customer", has_text=f"cliente {HOSTILE[-1]}").wait_for()
    # Internal note with hostile text too.
    console.locator("#c-note-mode").check()
    console.locator("#c-reply").fill(f"nota {HOSTILE[0]} https://casa.example/ok")
    console.locator("form.c-composer button[type=submit]").click()
    console.locator(".c-entry--note", has_text="nota").wait_for()
    page.wait_for_timeout(1500)

    for p, root in ((page, ".sportello-messages"), (console, ".c-transcript")):
        # shown literally, as text
        text = p.locator(root).inner_text()
        for h in HOSTILE:
            assert h in text
        # no element was created from it
        assert p.locator(f"{root} img, {root} script").count() == 0
        hrefs = p.locator(f"{root} a").evaluate_all("els => els.map(a => a.getAttribute('href'))")
        assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    rels = console.locator(".c-transcript a").evaluate_all("els => els.map(a => a.rel + '|' + a.target)")
    assert rels == ["noopener noreferrer|_blank"]
    _no_execution(customer)
    _no_execution(agent)


def test_browser_widget_keyboard_only(customer):
    page = customer.page
    launcher = page.locator(".sportello-launcher")
    # Tab from the top of the page until the launcher has focus (it is the last focusable element).
    for _ in range(40):
        page.keyboard.press("Tab")
        if launcher.evaluate("el => el.getRootNode().activeElement === el"):
            break
    else:
        pytest.fail("the launcher is not reachable with Tab")
    assert launcher.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    assert launcher.get_attribute("aria-expanded") == "true"
    assert page.locator(".sportello-input").evaluate("el => el.getRootNode().activeElement === el"), (
        "focus is not in the input"
    )
    page.keyboard.type("Buongiorno")
    page.keyboard.press("Enter")
    page.locator(".sportello-msg--customer", has_text="Buongiorno").wait_for()
    page.locator(".sportello-msg--bot").first.wait_for(timeout=STORY_TIMEOUT)
    page.keyboard.press("Tab")  # to the send button
    assert page.locator(".sportello-send").evaluate("el => el.getRootNode().activeElement === el")
    page.keyboard.press("Escape")
    assert page.locator(".sportello-panel").is_hidden()
    assert launcher.evaluate("el => el.getRootNode().activeElement === el"), (
        "focus did not return to the launcher"
    )
    page.keyboard.press("Enter")
    assert page.locator(".sportello-panel").is_visible()
    assert page.locator(".sportello-msg--customer", has_text="Buongiorno").count() == 1


def test_browser_widget_phone_full_screen(browser, hub_url):
    p = _open(browser, hub_url + "/", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = p.page
        open_widget(page)
        say(page, "Buongiorno, vorrei sapere a che punto è il mio ordine")
        page.locator(".sportello-msg--bot").nth(1).wait_for(timeout=STORY_TIMEOUT)  # after the welcome
        box = page.locator(".sportello-panel").bounding_box()
        assert box["x"] == 0 and box["y"] == 0
        assert box["width"] == 360 and box["height"] >= 700
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= 360, "the page scrolls sideways"
        shot(page, "widget-phone.png")
        page.keyboard.press("Escape")
        assert page.locator(".sportello-launcher").is_visible()
        _no_execution(p)
    finally:
        p.context.close()


def _boxes(page) -> dict:
    """Boxes (px) of the last bot message, the visible part of the message list, and the quick replies."""
    return page.evaluate(
        """() => {
            const root = document.querySelector('[data-sportello]').shadowRoot || document;
            const box = (e) => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; };
            const bots = root.querySelectorAll('.sportello-msg--bot .sportello-bubble');
            return {
                last: box(bots[bots.length - 1]),
                list: box(root.querySelector('.sportello-messages')),
                quick: box(root.querySelector('.sportello-quick')),
            };
        }"""
    )


def _focused(locator) -> bool:
    return locator.evaluate("el => el.getRootNode().activeElement === el")


def test_browser_phone_quick_replies_never_hide_the_question(browser, hub_url):
    """On a phone: the bot's question stays fully readable above its quick replies, the input comes
    before them in the tab order, and every touch target is at least 44 px."""
    p = _open(browser, hub_url + "/", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = p.page
        open_widget(page)
        # The chat opens with the assistant saying who it is, and quick replies for common needs.
        wait_text(page, "bot", "assistente")
        quick = page.locator(".sportello-quick-reply")
        quick.first.wait_for(timeout=STORY_TIMEOUT)
        assert quick.count() >= 3
        shot(page, "widget-phone-welcome.png")
        # Up to the case summary and its "È corretto?", long enough to fill the phone screen.
        say(page, STORY + ": una gamba è spezzata in due e il piano ha un graffio lungo tutto il bordo")
        wait_text(page, "bot", r"dispiace|scus")
        say(page, "Il numero d'ordine è 2345678")
        wait_text(page, "bot", "CAP di consegna")
        say(page, "luca.bianchi@example.it")
        wait_text(page, "bot", r"corrett")
        quick.first.wait_for(timeout=STORY_TIMEOUT)
        page.wait_for_timeout(600)  # the scroll to the end settles
        b = _boxes(page)
        # the whole last bubble sits inside the visible list, above the quick replies
        assert b["last"]["bottom"] <= b["list"]["bottom"] + 0.5, b
        assert b["last"]["bottom"] <= b["quick"]["top"] + 0.5, b
        assert b["last"]["top"] >= b["list"]["top"] - 0.5, b
        shot(page, "widget-phone-summary.png")
        # tab order: the input first, then the quick replies
        page.locator(".sportello-input").focus()
        page.keyboard.press("Tab")
        after_input = page.evaluate(
            "() => { const r = document.querySelector('[data-sportello]').shadowRoot; const a = r.activeElement;"
            " return a ? a.className : null; }"
        )
        assert after_input in ("sportello-send", "sportello-quick-reply"), after_input
        if after_input == "sportello-send":
            page.keyboard.press("Tab")
        assert _focused(quick.first), "the quick replies do not follow the input in the tab order"
        # touch targets
        for selector in (".sportello-quick-reply", ".sportello-send", ".sportello-close"):
            for target in page.locator(selector).all():
                box = target.bounding_box()
                assert box["height"] >= 44 and box["width"] >= 44, (selector, box)
        _no_execution(p)
    finally:
        p.context.close()


def test_browser_host_page_is_untouched(customer):
    page = customer.page
    # The shop's own broad "button" rule does not reach the widget, and the widget adds no global CSS.
    open_widget(page)
    shop_button_bg = page.locator("main button").first.evaluate("el => getComputedStyle(el).backgroundColor")
    send_bg = page.locator(".sportello-send").evaluate("el => getComputedStyle(el).backgroundColor")
    assert shop_button_bg != send_bg
    assert page.evaluate("document.querySelectorAll('head style, head link[rel=stylesheet]').length") == 1
    assert page.evaluate("[...document.body.children].filter(e => e.matches('[data-sportello]')).length") == 1


def test_browser_queue_claim_and_transfer(browser, customer, agent, hub_url):
    """Serena is away: the customer waits in the queue (position shown live), Serena claims from the
    queue, then transfers to Marco with a note; Marco sees it with the whole transcript and the note."""
    page, console = customer.page, agent.page
    login(console)
    console.locator(".c-presence-away").click()
    console.locator('.c-presence-away[aria-pressed="true"]').wait_for()
    banner = page.locator(".sportello-handoff")
    tell_story(page, banner.is_visible)
    assert re.match(r"In coda: posizione 1(, attesa stimata circa \d+ min)?$", banner.inner_text())
    cid = conversation_id(page)

    # Serena's queue: the item with its waiting time; the title cue.
    console.locator("#tab-queue").click()
    item = console.locator(f'.c-item[data-conversation-id="{cid}"]')
    item.wait_for(timeout=15000)
    assert "in attesa da" in item.inner_text()
    item.click()
    console.locator('[data-action="claim"]').click()
    console.locator(".c-status--assigned").wait_for(timeout=15000)
    page.locator(".sportello-msg--system", has_text="Serena").wait_for(timeout=15000)
    assert banner.is_hidden()

    # Marco comes online in his own browser; Serena transfers with a note.
    marco = _open(browser, hub_url + "/console/")
    try:
        login(marco.page, MARCO)
        console.locator('[data-action="transfer"]').click()
        console.locator("#c-transfer-agent").select_option(label="Marco (Disponibile)")
        console.locator("#c-transfer-note").fill("Cliente gentile, tavolo con gamba rotta: spedire ricambio.")
        console.locator(".c-transfer-form button[type=submit]").click()
        console.locator(".c-feedback", has_text="Marco").wait_for(timeout=15000)
        page.locator(".sportello-msg--system", has_text="Marco").wait_for(timeout=15000)
        assert page.locator(".sportello-subtitle").inner_text() == "In conversazione con Marco"
        console_open_mine(marco.page, cid)
        m = marco.page
        assert "2345678" in m.locator(".c-case").inner_text()
        m.locator(".c-entry--note", has_text="spedire ricambio").wait_for()
        assert "danneggiato" in m.locator(".c-transcript").inner_text()
        agent_reply(m, "Buongiorno, sono Marco e seguo io la pratica.")
        wait_text(page, "agent", "sono Marco")
        assert page.locator(".sportello-msg--agent .sportello-msg-author").last.inner_text() == "Marco"
        _no_execution(marco)
    finally:
        marco.context.close()
    _no_execution(customer)
    _no_execution(agent)


def test_browser_offline_ticket_when_nobody_is_online(customer, hub_url):
    """No agent online: not a dead end — the ticket code and the promise of follow-up."""
    token = agent_token(hub_url)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # consoles of earlier tests may still be closing
        agents = agent_get(hub_url, token, "/v1/agent/agents")["agents"]
        if all(a["presence"] == "offline" for a in agents):
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"agents still online: {agents}")
    page = customer.page
    subtitle = page.locator(".sportello-subtitle")
    tell_story(page, lambda: subtitle.inner_text().startswith("Pratica T"))
    # One message says it, in one word ("pratica"); the header says the real state, not "a minute".
    ticket = re.search(r"T[A-Z0-9]{8}", subtitle.inner_text()).group(0)
    page.locator(".sportello-msg--bot", has_text=ticket).first.wait_for(timeout=STORY_TIMEOUT)
    page.wait_for_timeout(1000)
    mentions = [t for t in page.locator(".sportello-msg").all_inner_texts() if ticket in t]
    assert len(mentions) == 1 and "pratica" in mentions[0].lower(), mentions
    assert "ticket" not in " ".join(page.locator(".sportello-msg").all_inner_texts()).lower()
    assert page.locator(".sportello-msg--system").count() == 0
    cid = conversation_id(page)
    offline = agent_get(hub_url, token, "/v1/agent/conversations?status=offline")["conversations"]
    assert cid in [c["id"] for c in offline]
    _no_execution(customer)


def test_browser_pages_run_under_a_csp_that_blocks_inline_script_and_framing(browser, hub_url):
    """The shop page and the console work under a strict CSP (the story tests run under it too, and
    fail on any violation); an injected inline script does not run; nobody can frame them."""
    for path, ready in (("/", ".sportello-launcher"), ("/console/", "#login-email")):
        p = _open(browser, hub_url + path)
        try:
            response = p.page.request.get(hub_url + path)
            csp = response.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert response.headers["x-frame-options"] == "DENY"
            p.page.locator(ready).wait_for()  # it works under the policy
            assert p.csp == [], p.csp
            ran = p.page.evaluate(
                """() => { const s = document.createElement('script');
                           s.textContent = 'window.__inline = 1'; document.body.appendChild(s);
                           return window.__inline === 1; }"""
            )
            assert ran is False, f"an inline script ran on {path}"
            assert any("script" in v for v in p.csp), "the blocked inline script was not reported"
            # framing from another page: refused by frame-ancestors / X-Frame-Options
            framer = p.context.new_page()
            refused: list = []
            framer.on("console", lambda msg, seen=refused: seen.append(msg.text))
            framer.set_content(f'<iframe id="f" src="{hub_url}{path}" width="600" height="400"></iframe>')
            framer.wait_for_timeout(1500)
            frame = framer.frame_locator("#f")
            assert frame.locator(ready).count() == 0, f"{path} was rendered inside a frame"
            assert any("frame" in m.lower() for m in refused), refused
            framer.close()
        finally:
            p.context.close()


def test_browser_phone_an_order_is_read_back_only_to_whoever_proves_it(browser, hub_url):
    """On a phone: a customer gives an order number; nothing of the order is shown until they prove
    it with a second fact (a wrong one is refused kindly, once), then the order is read back; the
    case goes on and the e-mail is never written back in full."""
    p = _open(browser, hub_url + "/", viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    try:
        page = p.page
        open_widget(page)
        wait_text(page, "bot", "assistente")
        say(page, "buonasera, mi è arrivata la lampada dell'ordine 1234567 con il vetro rotto")
        wait_text(page, "bot", "CAP di consegna")
        shown = " ".join(bubbles(page, "bot").all_inner_texts())
        for secret in ("Bergen", "armadio", "giulia", "Rossi", "tracking"):
            assert secret not in shown, secret  # an order number alone reveals nothing
        say(page, "mario.bianchi@example.com")  # not the order's e-mail
        wait_text(page, "bot", r"non corrisponde|non combacia")
        assert "Bergen" not in " ".join(bubbles(page, "bot").all_inner_texts())
        say(page, "il cap è 20121")  # the delivery postcode of order 1234567
        wait_text(page, "bot", "Bergen")
        shown = " ".join(bubbles(page, "bot").all_inner_texts())
        assert "giulia.rossi@example.it" not in shown  # never written back in full
        assert "altro ordine" not in shown  # the lamp is this order's mismatch, not another order
        shot(page, "widget-phone-order-proof.png")
        _no_execution(p)
    finally:
        p.context.close()
