"""The whole system for end-to-end tests: a private Redis, the real Rasa, the action server, the hub.

Started once per test session (Rasa takes a while to load the model) on free ports, with the demo
agents seeded, and stopped at the end. `stack.hub_url` is where browsers and clients connect.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.redis_server import RedisServer
from tools.devstack import MODEL, Stack
from tools.processes import free_port


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """Redis + Rasa + actions + hub, as `make run` starts them, on free ports."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train` first")
    redis = RedisServer().start()
    run_dir: Path = tmp_path_factory.mktemp("stack")
    system = Stack(
        run_dir=run_dir,
        redis_url=redis.url,
        hub_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        releases_dir=run_dir / "releases",  # the content releases of this test run, not the repository's
        extra_env={
            "HUB_INTERNAL_TOKEN": "e2e-internal-" + os.urandom(12).hex(),
            "HUB_SECRET": "e2e-secret-" + os.urandom(16).hex(),
            "DEMO_AGENT_PASSWORD": "sportello-demo",
            "RASA_TIMEOUT": "30",
            # every test customer comes from 127.0.0.1: the per-address limit on new conversations
            # (tested in tests/handoff) would otherwise stop the dialogue tests after 20
            "HUB_RATE_CONVERSATIONS_PER_MINUTE": "2000",
            # and the console tests log agents in from 127.0.0.1 many times a minute
            "HUB_RATE_LOGINS_PER_MINUTE": "1000",
            "HUB_RATE_LOGINS_PER_IP_PER_MINUTE": "1000",
            "HUB_RATE_LOGINS_GLOBAL_PER_MINUTE": "1000",
            # an agent's reply the customer did not read on the page goes by e-mail after 2 s, not 60
            "MAIL_REPLY_DELAY": "2",
        },
    )
    try:
        system.start(say=lambda *_: None)
    except Exception:
        for log in sorted(run_dir.glob("*.log")):
            print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-4000:]}")
        system.stop()
        redis.stop()
        raise
    system.redis = redis
    yield system
    system.stop()
    redis.stop()
