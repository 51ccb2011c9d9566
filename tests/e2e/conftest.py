"""The whole system for end-to-end tests: a private Redis, the real Rasa, the action server, the hub.

Started once per test session (Rasa takes a while to load the model) on free ports, with the demo
agents seeded and the shop's "today" pinned, and stopped at the end (tests/support/stack.py).
`stack.hub_url` is where browsers and clients connect.
"""

from __future__ import annotations

import pytest

from tests.support.redis_server import RedisServer
from tests.support.stack import private_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """Redis + Rasa + actions + hub, as `make run` starts them, on free ports."""
    redis = RedisServer().start()
    try:
        # an agent's reply the customer did not read on the page goes by e-mail after 2 s, not 60
        system = private_stack(tmp_path_factory.mktemp("stack"), redis.url, "e2e", {"MAIL_REPLY_DELAY": "2"})
    except Exception:
        redis.stop()
        raise
    system.redis = redis
    yield system
    system.stop()
    redis.stop()


@pytest.fixture(scope="session")
def browser():
    """One Chromium for every browser test of the session (Playwright's sync API allows one
    instance per thread: a second one started while this one runs would fail)."""
    import playwright.sync_api as playwright_sync

    from tests.e2e.test_browser_sportello import CHROMIUM, CHROMIUM_ARGS

    with playwright_sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
