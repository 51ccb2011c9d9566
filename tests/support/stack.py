"""The whole system on free ports for tests and benchmarks, started one way: a Redis given by the
caller (a private one, a cluster…), the action server, the real Rasa with the trained model, the hub
with the demo agents (tools/devstack.py, as `make run` starts them).

    stack = private_stack(run_dir, redis.url, "e2e", {"MAIL_REPLY_DELAY": "2"})
    ...
    stack.stop()

The shop's "today" is pinned (`SPORTELLO_TODAY`): the demo orders' dates are relative, so what the
bot says about them is the same on any day the tests run. If the stack does not come up, the last
lines of each process's log are printed and everything started is stopped.
"""

from __future__ import annotations

import os
from pathlib import Path

from tools.devstack import MODEL, Stack
from tools.processes import free_port

PINNED_TODAY = "2026-11-24"  # the demo order 2345678 (`today-12`) was then delivered on 12/11
DEMO_PASSWORD = "sportello-demo"


def private_stack(
    run_dir: Path, redis_url: str, name: str = "test", extra_env: dict[str, str] | None = None
) -> Stack:
    """Start the system on `redis_url` (logs in `run_dir`); raise with the logs if it fails."""
    if not MODEL.exists():
        raise RuntimeError(f"no trained model at {MODEL}: run `make train` first")
    env = {
        "HUB_INTERNAL_TOKEN": f"{name}-internal-" + os.urandom(12).hex(),
        "HUB_SECRET": f"{name}-secret-" + os.urandom(16).hex(),
        "DEMO_AGENT_PASSWORD": DEMO_PASSWORD,
        "SPORTELLO_TODAY": PINNED_TODAY,
        "RASA_TIMEOUT": "30",
        # every test customer and agent comes from 127.0.0.1: the per-address limits (tested in
        # tests/handoff) are raised for these hubs, never removed
        "HUB_RATE_CONVERSATIONS_PER_MINUTE": "2000",
        "HUB_RATE_LOGINS_PER_MINUTE": "1000",
        "HUB_RATE_LOGINS_PER_IP_PER_MINUTE": "1000",
        "HUB_RATE_LOGINS_GLOBAL_PER_MINUTE": "1000",
        # order lookups and failed proofs per address (tested in tests/handoff and tests/bot)
        "ORDER_LOOKUPS_PER_ORIGIN": "100000",
        "ORDER_PROOFS_FAILED_PER_ORIGIN": "100000",
        **(extra_env or {}),
    }
    stack = Stack(
        run_dir=run_dir,
        redis_url=redis_url,
        hub_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        releases_dir=run_dir / "releases",  # this run's content releases, not the repository's
        extra_env=env,
    )
    try:
        stack.start(say=lambda *_: None)
    except Exception:
        for log in sorted(run_dir.glob("*.log")):
            print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-4000:]}")
        stack.stop()
        raise
    return stack
