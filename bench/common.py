"""Helpers shared by the benchmarks: percentiles, process memory and CPU, progress lines, agents."""

from __future__ import annotations

import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HUB_PY = ROOT / ".venv" / "hub" / "bin" / "python"


def pct(values: list[float], q: float) -> float:
    """The q-quantile (nearest rank), rounded to 0.01 ms; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * q))], 2)


def ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b else 0.0


def progress(text: str) -> None:
    """One progress line on stderr (make bench shows it while the benchmark runs)."""
    print(f"  … {text}", file=sys.stderr, flush=True)


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raise_fd_limit(wanted: int = 16384) -> int:
    """Raise this process's soft limit of open files (children inherit it); returns the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, wanted), hard) if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def machine() -> dict:
    """CPU model, cores, memory, Python and Redis versions."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    redis = ""
    binary = shutil.which("redis-server")
    if binary:
        out = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
        redis = next((p.split("=", 1)[1] for p in out.split() if p.startswith("v=")), out.strip())
    bot_py = ROOT / ".venv" / "bot" / "bin" / "python"
    bot_version = ""
    if bot_py.exists():
        bot_version = subprocess.run(
            [str(bot_py), "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "python_hub": platform.python_version(),
        "python_bot": bot_version,
        "redis": redis,
        "kernel": platform.release(),
    }


def add_agents(env: dict[str, str], count: int, capacity: int, password: str) -> list[str]:
    """`python -m handoff agents add` for bench agents (the documented way); returns their e-mails."""
    emails = [f"bench{i}@sportello.example" for i in range(count)]
    procs = [
        subprocess.Popen(
            [
                str(HUB_PY),
                "-m",
                "handoff",
                "agents",
                "add",
                "--email",
                email,
                "--name",
                f"Bench {i}",
                "--capacity",
                str(capacity),
                "--password",
                password,
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for i, email in enumerate(emails)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"agents add failed: {err.decode(errors='replace')}")
    return emails


def stream_id(value: str) -> tuple[int, int]:
    ms, _, seq = value.partition("-")
    return int(ms), int(seq or 0)


class Timer:
    def __init__(self) -> None:
        self.start = time.monotonic()

    def __str__(self) -> str:
        return f"{time.monotonic() - self.start:.0f} s"


def py_spy(pid: int, output: str | Path) -> subprocess.Popen:
    """`py-spy record` of a process (collapsed stacks, non-blocking sampling); stop it with stop_spy."""
    return subprocess.Popen(
        [
            str(ROOT / ".venv/hub/bin/py-spy"),
            "record",
            "--pid",
            str(pid),
            "--format",
            "raw",
            "--rate",
            "250",
            "--nonblocking",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_spy(spy: subprocess.Popen) -> None:
    spy.send_signal(2)
    try:
        spy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        spy.kill()
