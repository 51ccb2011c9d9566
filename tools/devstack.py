"""Run the whole Sportello system on one machine: `make run` (and the end-to-end tests) use this.

It starts, in order: a private Redis with AOF (unless REDIS_URL points at one), the Rasa action
server, Rasa (REST channel + HTTP API, Redis tracker and lock stores), seeds the demo agents and
starts the hub; waits until the hub's health check is green, prints the URLs, and stops everything
on Ctrl-C (or when one process dies, saying which and where its log is).

Only the standard library is used (and tools/processes.py, which the tests share), so this runs in
the hub's environment without importing the hub: `python -m tools.devstack`.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from tools.processes import free_port, http_ok, port_open, redis_argv, redis_pong, wait_for

ROOT = Path(__file__).resolve().parent.parent
BOT_PY = ROOT / ".venv" / "bot" / "bin" / "python"
HUB_PY = ROOT / ".venv" / "hub" / "bin" / "python"
MODEL = ROOT / "bot" / "models" / "sportello.tar.gz"


SECRETS = ("HUB_INTERNAL_TOKEN", "HUB_SECRET", "RASA_TOKEN", "HUB_DEV_MAIL_TOKEN")


def load_secrets(run_dir: Path, env: dict[str, str]) -> dict[str, str]:
    """The stack's secrets from ``env``, else generated once into run_dir: the bot→hub token, the
    key that signs tokens, the token of Rasa's HTTP API (the hub and `make ship` send it), and the
    token of the development mailbox page."""
    store = run_dir / "secrets.env"
    saved: dict[str, str] = {}
    if store.exists():
        for line in store.read_text().splitlines():
            key, _, value = line.partition("=")
            saved[key.strip()] = value.strip()
    values = {}
    for key in SECRETS:
        values[key] = env.get(key) or saved.get(key) or secrets.token_urlsafe(32)
    # what was not given in the environment is kept for the next run (given ones are never written)
    kept = {k: v for k, v in values.items() if not env.get(k)}
    if any(saved.get(k) != v for k, v in kept.items()):
        store.write_text("".join(f"{k}={v}\n" for k, v in kept.items()))
        store.chmod(0o600)
    return values


class AlreadyRunning(RuntimeError):
    """Another launcher holds this run_dir: Sportello is running already."""


def running_stack(run_dir: Path) -> str:
    """What the launcher holding `run_dir` runs, in words (from its stack file)."""
    try:
        info = json.loads((run_dir / "stack.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"another `make run` of this folder is starting (lock: {run_dir / 'stack.lock'})"
    return (
        f"Sportello is already running from this folder (pid {info.get('pid')}): hub {info.get('hub_url')}, "
        f"Rasa {', '.join(info.get('rasa_urls') or [])}, action server port {info.get('actions_port')}, "
        f"Redis {info.get('redis_url')}. Use it, or stop it first (Ctrl-C in its terminal, or kill "
        f"{info.get('pid')}); to run a second one, give it another SPORTELLO_RUN_DIR and ports."
    )


def holds(lock_file: Path) -> bool:
    """Whether a live launcher holds `lock_file` (the lock dies with its process)."""
    if not lock_file.exists():
        return False
    with open(lock_file, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


@dataclass
class Stack:
    """Redis (optional), action server, Rasa and hub as child processes."""

    run_dir: Path = ROOT / ".run"
    redis_url: Optional[str] = None
    hub_port: int = 8080
    rasa_port: int = 5005
    actions_port: int = 5055
    seed_demo: bool = True
    dev_mail: bool = True  # without SMTP_HOST: a development mail server, its mails at /dev/mail
    mail_port: Optional[int] = None
    releases_dir: Optional[Path] = None  # content releases (make ship); default bot/models/releases
    content_version: str = ""  # the content release live (set when started)
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[tuple] = field(default_factory=list)
    commands: dict[str, tuple] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    lock: Optional[object] = None  # the open lock file while this stack runs (one per run_dir)

    @property
    def hub_url(self) -> str:
        """The hub's base URL."""
        return f"http://127.0.0.1:{self.hub_port}"

    @property
    def rasa_url(self) -> str:
        """Rasa's base URL."""
        return f"http://127.0.0.1:{self.rasa_port}"

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> tuple:
        """Start a child process (its output in run_dir/<name>.log), stopped with the others."""
        self.commands[name] = (argv, env)
        log = self.run_dir / f"{name}.log"
        handle = open(log, "ab")
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        entry = (name, proc, log)
        self.processes.append(entry)
        return entry

    @property
    def lock_file(self) -> Path:
        return self.run_dir / "stack.lock"

    def claim(self) -> None:
        """Take this run_dir for this launcher (held until it stops), and check that the ports it
        needs are free, before anything is started or written: a second `make run` refuses at once,
        naming what runs where, and touches nothing of it; a port that another program holds is
        named as such."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.lock_file, "a+")  # noqa: SIM115 - held for the stack's life
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise AlreadyRunning(running_stack(self.run_dir)) from None
        self.lock = handle
        for port, what, variable in (
            (self.hub_port, "the hub", "HUB_PORT"),
            (self.rasa_port, "Rasa", "RASA_PORT"),
            (self.actions_port, "the action server", "ACTIONS_PORT"),
        ):
            if port_open(port):
                self.release()
                raise RuntimeError(
                    f"port {port}, which {what} needs, is in use by another program (not a `make run` of "
                    f"this folder): stop it, or choose another port with {variable}=…"
                )

    def release(self) -> None:
        """Let the run_dir go (the stack file goes with it: nothing runs there any more)."""
        if self.lock is not None:
            self.stack_file.unlink(missing_ok=True)
            self.lock.close()
            self.lock = None

    def rasa_command(self, token: str) -> list[str]:
        """How Rasa is started: its HTTP API on loopback, behind its token."""
        return [
            str(BOT_PY),
            "-m",
            "rasa",
            "run",
            "--enable-api",
            # one argument with '=': a token that starts with '-' (token_urlsafe makes one in 64)
            # would otherwise be read by Rasa's argparse as an option, and Rasa would not start
            f"--auth-token={token}",
            "-i",
            "127.0.0.1",
            "-p",
            str(self.rasa_port),
            "-m",
            str(MODEL),
            "--endpoints",
            "endpoints.yml",
            "--credentials",
            "credentials.yml",
        ]

    def start(self, say=print) -> Stack:
        """Start everything and wait until the hub is healthy."""
        if self.lock is None:
            self.claim()
        if not MODEL.exists():
            raise RuntimeError(f"No trained model at {MODEL}: run `make train` first.")
        env = {**os.environ, **self.extra_env, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
        env.update(load_secrets(self.run_dir, env))

        if not self.redis_url:
            self.redis_url = env.get("REDIS_URL") or self._start_redis(env, say)
        env["REDIS_URL"] = self.redis_url
        if self.dev_mail and not env.get("SMTP_HOST"):
            env.update(self._start_dev_mail(env, say))
        env.update(
            {
                "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.actions_port}/webhook",
                "TRACKER_RECORD_EXP": env.get("TRACKER_RECORD_EXP", str(30 * 24 * 3600)),
                "HUB_URL": self.hub_url,
                "HUB_HOST": env.get("HUB_HOST", "127.0.0.1"),
                "HUB_PORT": str(self.hub_port),
                "RASA_URL": self.rasa_url,
                "SANIC_HOST": "127.0.0.1",
            }
        )
        self.env = env

        say(f"… action server on 127.0.0.1:{self.actions_port}")
        _, actions, actions_log = self.spawn(
            "actions",
            [str(BOT_PY), "-m", "rasa_sdk", "--actions", "bot.actions", "-p", str(self.actions_port)],
            env,
        )
        say(f"… Rasa on 127.0.0.1:{self.rasa_port} (loading the model takes a little while)")
        _, rasa, rasa_log = self.spawn("rasa", self.rasa_command(env["RASA_TOKEN"]), env)
        if self.seed_demo:
            seeded = subprocess.run(
                [str(HUB_PY), "-m", "handoff", "agents", "seed-demo"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if seeded.returncode != 0:
                raise RuntimeError(f"seeding the demo agents failed:\n{seeded.stdout}{seeded.stderr}")
        say(f"… hub on {self.hub_url}")
        self._register_content(env)
        _, hub, hub_log = self.spawn("hub", [str(HUB_PY), "-m", "handoff"], env)

        wait_for(lambda: http_ok(f"{self.rasa_url}/webhooks/rest/"), 240, "Rasa", rasa, rasa_log)
        wait_for(
            lambda: http_ok(f"http://127.0.0.1:{self.actions_port}/health"),
            120,
            "the action server",
            actions,
            actions_log,
        )
        wait_for(lambda: http_ok(f"{self.hub_url}/v1/health"), 60, "the hub", hub, hub_log)
        return self

    @property
    def stack_file(self) -> Path:
        """Where `make ship` finds this running system (its Rasa and its Redis)."""
        return self.run_dir / "stack.json"

    def _register_content(self, env: dict[str, str]) -> None:
        """What this run starts with (the trained model, the working tree's domain.yml) is the live
        content release: `make ship` can then be rolled back to it, and the console shows it."""
        # written only by the launcher holding the run_dir's lock: no other run can overwrite it
        self.stack_file.write_text(
            json.dumps(
                {
                    "rasa_urls": [self.rasa_url],
                    "redis_url": self.redis_url,
                    "key_prefix": env.get("HUB_KEY_PREFIX", "sportello:"),
                    "rasa_token": env.get("RASA_TOKEN", ""),
                    "hub_url": self.hub_url,
                    "actions_port": self.actions_port,
                    "pid": os.getpid(),
                    "started_at": time.time(),
                }
            )
        )
        self.stack_file.chmod(0o600)
        env["SPORTELLO_STACK"] = str(self.stack_file)
        if self.releases_dir is not None:
            env["SPORTELLO_RELEASES"] = str(self.releases_dir)
        registered = subprocess.run(
            [str(HUB_PY), "-m", "tools.ship", "register", "--model", str(MODEL)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if registered.returncode != 0:
            raise RuntimeError(
                f"registering the content release failed:\n{registered.stdout}{registered.stderr}"
            )
        self.content_version = registered.stdout.strip().splitlines()[-1]

    @property
    def mailbox(self) -> Path:
        """Where the development mail server keeps the mails it caught."""
        return self.run_dir / "mail"

    def _start_dev_mail(self, env: dict[str, str], say) -> dict[str, str]:
        """A local SMTP server that keeps every mail in run_dir/mail (nothing leaves the machine)."""
        self.mail_port = self.mail_port or free_port(8025)
        say(f"… development mail server on 127.0.0.1:{self.mail_port} (mails in {self.mailbox})")
        _, proc, log = self.spawn(
            "mail",
            [str(HUB_PY), "-m", "tools.devmail", "--port", str(self.mail_port), "--dir", str(self.mailbox)],
            env,
        )
        wait_for(lambda: port_open(self.mail_port), 20, "the development mail server", proc, log)
        return {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.mail_port),
            "SMTP_TLS": "none",
            "HUB_DEV_MAILBOX": str(self.mailbox),
        }

    def _start_redis(self, env: dict[str, str], say) -> str:
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is not on PATH: install Redis or set REDIS_URL")
        port = free_port(6399)
        data = self.run_dir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        say(f"… private Redis with AOF on 127.0.0.1:{port} (data in {data})")
        _, proc, log = self.spawn("redis", redis_argv(binary, port, data), env)
        wait_for(lambda: redis_pong(port), 20, "Redis", proc, log)
        return f"redis://127.0.0.1:{port}/0"

    def kill(self, name: str) -> None:
        """Kill one child like a crash (SIGKILL to its process group) — for fault tests."""
        for entry in [e for e in self.processes if e[0] == name]:
            _, proc, _ = entry
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            self.processes.remove(entry)

    def restart(self, name: str, ready: Optional[str] = None, timeout: float = 240) -> None:
        """Start a killed child again with the same command; wait until `ready` (a URL) answers."""
        argv, env = self.commands[name]
        _, proc, log = self.spawn(name, argv, env)
        if ready:
            wait_for(lambda: http_ok(ready), timeout, name, proc, log)

    def check(self) -> Optional[str]:
        """The name of a child that has died, if any."""
        for name, proc, log in self.processes:
            if proc.poll() is not None:
                return f"{name} exited with code {proc.returncode} (log: {log})"
        return None

    def stop(self) -> None:
        """Stop every child (SIGTERM, then SIGKILL), hub first, Redis last.

        Signals that arrive meanwhile (a second Ctrl-C, the SIGTERM a service manager sends to the
        whole group) are ignored, so shutdown is never cut short with a child left running."""
        previous = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                previous[signum] = signal.signal(signum, signal.SIG_IGN)
        try:
            self._stop_children()
            self.release()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _stop_children(self) -> None:
        for _name, proc, _ in reversed(self.processes):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for _name, proc, _ in reversed(self.processes):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self.processes.clear()


def main() -> int:
    """`make run`."""
    stack = Stack(
        run_dir=Path(os.environ.get("SPORTELLO_RUN_DIR") or ROOT / ".run"),
        hub_port=int(os.environ.get("HUB_PORT", "8080")),
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        actions_port=int(os.environ.get("ACTIONS_PORT", "5055")),
    )
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: sys.exit(0))
    try:
        stack.claim()
    except AlreadyRunning as exc:
        print(f"Not started: {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        print(f"Could not start Sportello: {exc}", file=sys.stderr)
        return 1
    try:
        stack.start()
        password = os.environ.get("DEMO_AGENT_PASSWORD", "sportello-demo")
        print(
            "\nSportello is running.\n"
            f"  Demo shop with the chat widget:  {stack.hub_url}/\n"
            f"  Agent console:                   {stack.hub_url}/console/\n"
            f"    demo agents: serena@sportello.example, marco@sportello.example;"
            f" supervisor: supervisore@sportello.example; editor: editor@sportello.example"
            f" (password: {password})\n"
            + (
                "  E-mails to customers (caught by the development mail server):"
                f" {stack.hub_url}/dev/mail?token={stack.env['HUB_DEV_MAIL_TOKEN']}\n"
                if stack.mail_port
                else ""
            )
            + f"  Content release live: {stack.content_version} (make ship / make rollback / make releases)\n"
            + f"  Redis: {stack.redis_url}   Rasa: {stack.rasa_url}   logs: {stack.run_dir}/*.log\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while True:
            died = stack.check()
            if died:
                print(f"\nStopping: {died}", file=sys.stderr)
                return 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping…")
        return 0
    except RuntimeError as exc:
        print(f"\nCould not start Sportello: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
