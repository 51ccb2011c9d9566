"""`make run`'s launcher stops every child whatever signals arrive while it shuts down.

A terminal or a service manager sends SIGTERM to the launcher's whole process group, often twice;
the second one used to cut the shutdown short and leave the private Redis running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.processes import free_port

ROOT = Path(__file__).resolve().parents[2]


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_twice_to_the_group_leaves_no_child_running(tmp_path, signum):
    run_dir = tmp_path / "run"
    env = {
        **os.environ,
        "SPORTELLO_RUN_DIR": str(run_dir),
        "HUB_PORT": str(free_port()),
        "RASA_PORT": str(free_port()),
        "ACTIONS_PORT": str(free_port()),
    }
    env.pop("REDIS_URL", None)
    launcher = subprocess.Popen(
        [sys.executable, "-m", "tools.devstack"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own group, like a job started from a terminal
    )
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # Redis and the action server are up; Rasa is loading
        line = launcher.stdout.readline()
        seen.append(line)
        if line.startswith("… hub on"):
            break
    assert any("private Redis" in line for line in seen), "".join(seen)
    children = processes_mentioning(str(run_dir)) + processes_mentioning(env["ACTIONS_PORT"])
    assert children, "no child found to watch"
    os.killpg(launcher.pid, signum)
    time.sleep(0.2)
    os.killpg(launcher.pid, signum)  # a second signal in the middle of the shutdown
    launcher.wait(timeout=60)
    time.sleep(0.5)
    left = [pid for pid in children if Path(f"/proc/{pid}").exists()]
    assert left == [], f"children still running after the launcher stopped: {left}"
