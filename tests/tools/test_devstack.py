"""The launcher's shutdown (tools/devstack.py): every child is stopped, whatever signal arrives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from tools import devstack


def sleeper(stack: devstack.Stack, name: str) -> subprocess.Popen:
    _, proc, _ = stack.spawn(name, [sys.executable, "-c", "import time; time.sleep(60)"], dict(os.environ))
    return proc


def test_a_signal_in_the_middle_of_the_shutdown_does_not_leave_children_running(tmp_path, monkeypatch):
    stack = devstack.Stack(run_dir=tmp_path)
    tmp_path.mkdir(exist_ok=True)
    children = [sleeper(stack, name) for name in ("redis", "actions", "rasa", "hub")]

    # the launcher's own handling: SIGTERM ends it (sys.exit), as `make run` installs it
    def launcher_handler(*_):
        sys.exit(0)

    previous = signal.signal(signal.SIGTERM, launcher_handler)
    real_killpg = os.killpg
    calls = []

    def killpg_then_another_sigterm(pgid, sig):
        calls.append(pgid)
        real_killpg(pgid, sig)
        if len(calls) == 1:  # the service manager's second SIGTERM lands mid-shutdown
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(devstack.os, "killpg", killpg_then_another_sigterm)
    try:
        stack.stop()
    except SystemExit:
        signal.signal(signal.SIGTERM, previous)
        pytest.fail("the second SIGTERM cut the shutdown short")
    else:
        handler_after = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, previous)
    assert [p.poll() is not None for p in children] == [True] * 4
    assert handler_after is launcher_handler  # the launcher's handling is back after the shutdown
