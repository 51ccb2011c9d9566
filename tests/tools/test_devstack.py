"""The launcher's shutdown (tools/devstack.py): every child is stopped, whatever signal arrives."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import pytest

from tools import devstack
from tools.processes import free_port


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


def _launcher(run_dir, **ports) -> subprocess.CompletedProcess:
    """`python -m tools.devstack` (what `make run` runs) on `run_dir`, to its end."""
    env = {
        **os.environ,
        "SPORTELLO_RUN_DIR": str(run_dir),
        **{name: str(port) for name, port in ports.items()},
    }
    env.pop("REDIS_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "tools.devstack"],
        cwd=devstack.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _ports() -> dict[str, int]:
    return {"HUB_PORT": free_port(), "RASA_PORT": free_port(), "ACTIONS_PORT": free_port()}


def test_a_second_make_run_refuses_at_once_naming_what_runs_and_touching_nothing(tmp_path):
    running = devstack.Stack(
        run_dir=tmp_path, hub_port=free_port(), rasa_port=free_port(), actions_port=free_port()
    )
    running.claim()  # the first `make run` holds the folder
    stack_file = tmp_path / "stack.json"
    stack_file.write_text(
        '{"hub_url": "http://127.0.0.1:8080", "rasa_urls": ["http://127.0.0.1:5005"], "actions_port": 5055,'
        ' "redis_url": "redis://127.0.0.1:6399/0", "pid": 4242}'
    )
    before = stack_file.read_bytes()
    try:
        second = _launcher(tmp_path, **_ports())
        assert second.returncode == 1
        assert "already running" in second.stderr and "http://127.0.0.1:8080" in second.stderr
        assert "pid 4242" in second.stderr and "5055" in second.stderr
        assert stack_file.read_bytes() == before  # the running stack's file is untouched
        assert list(tmp_path.glob("*.log")) == []  # nothing was started
    finally:
        running.release()
    assert not devstack.holds(tmp_path / "stack.lock") and not stack_file.exists()


def test_a_port_another_program_holds_is_named_and_nothing_starts(tmp_path):
    with socket.socket() as other:  # not Sportello: any program listening on the port
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = other.getsockname()[1]
        result = _launcher(tmp_path, **{**_ports(), "ACTIONS_PORT": taken})
    assert result.returncode == 1
    assert f"port {taken}, which the action server needs, is in use by another program" in result.stderr
    assert "ACTIONS_PORT" in result.stderr
    assert list(tmp_path.glob("*.log")) == [] and not (tmp_path / "stack.json").exists()
    assert not devstack.holds(tmp_path / "stack.lock")  # the folder is free again


def test_make_ship_trusts_only_the_stack_file_of_a_running_launcher(tmp_path, monkeypatch):
    from tools import ship

    for name in ("RASA_URLS", "REDIS_URL", "SPORTELLO_STACK", "RASA_TOKEN", "HUB_KEY_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    stack_file = tmp_path / "stack.json"
    stack_file.write_text(
        '{"hub_url": "http://127.0.0.1:9999", "rasa_urls": ["http://127.0.0.1:5999"],'
        ' "redis_url": "redis://127.0.0.1:6999/0", "pid": 77, "rasa_token": "t"}'
    )
    with pytest.raises(ship.ShipError, match="non è più in esecuzione"):
        ship.Target.find(stack_file)  # left behind by a run that is gone
    running = devstack.Stack(
        run_dir=tmp_path, hub_port=free_port(), rasa_port=free_port(), actions_port=free_port()
    )
    running.claim()
    try:
        target = ship.Target.find(stack_file)
        assert target.rasa_urls == ["http://127.0.0.1:5999"] and target.rasa_token == "t"
        assert "pid 77" in target.found and "http://127.0.0.1:9999" in target.found
    finally:
        running.release()


@pytest.mark.parametrize("token", ["-leading-dash_token", "--x", "plain_token-"])
def test_rasa_reads_its_token_whatever_character_it_starts_with(token):
    """One generated token in 64 starts with '-': Rasa's own parser must still read it as the token
    (given as two words, `--auth-token -…`, argparse takes it for an option and Rasa does not start)."""
    command = devstack.Stack().rasa_command(token)
    assert command[:3] == [str(devstack.BOT_PY), "-m", "rasa"]
    probe = (
        "import sys, rasa.__main__ as m; a = m.create_argument_parser().parse_args(sys.argv[1:]);"
        " print(repr(a.auth_token))"
    )
    parsed = subprocess.run(
        [command[0], "-c", probe, *command[3:]],
        capture_output=True,
        text=True,
        cwd=devstack.ROOT,
        timeout=120,
    )
    assert parsed.returncode == 0, parsed.stderr[-2000:]
    assert parsed.stdout.strip().splitlines()[-1] == repr(token)
