"""Two real hub processes (`python -m handoff`) on one Redis; and the agents CLI."""

from __future__ import annotations

import json
import subprocess
import urllib.request
import uuid
from pathlib import Path

import httpx
import pytest

from tests.handoff.helpers import INTERNAL_TOKEN, SECRET, ws_connect, ws_recv
from tests.support.hub_process import REPO_ROOT, HubProcess

FIXTURES = Path(__file__).parent / "fixtures"
PYTHON = str(REPO_ROOT / ".venv" / "hub" / "bin" / "python")


@pytest.fixture
def hub_env(redis_server, fake_rasa):
    redis_server.command("FLUSHALL")
    return {
        "REDIS_URL": redis_server.url,
        "RASA_URL": fake_rasa.url,
        "RASA_TIMEOUT": "3",
        "HUB_INTERNAL_TOKEN": INTERNAL_TOKEN,
        "HUB_SECRET": SECRET,
        "SPORTELLO_DOMAIN": str(FIXTURES / "domain.yml"),
        "HUB_LOG_LEVEL": "WARNING",
    }


def cli(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PYTHON, "-m", "handoff", "agents", *args],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", **env},
        input=stdin,
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_agents_cli(hub_env):
    env = {
        k: v
        for k, v in hub_env.items()
        if k not in ("HUB_INTERNAL_TOKEN", "HUB_SECRET")
    }  # not needed here
    added = cli(
        env,
        "add",
        "--email",
        "giulia@sportello.example",
        "--name",
        "Giulia",
        "--skills",
        "item_damaged,return_request",
        "--capacity",
        "2",
        stdin="una-password-lunga\n",
    )
    assert added.returncode == 0, added.stderr
    duplicate = cli(
        env,
        "add",
        "--email",
        "giulia@sportello.example",
        "--name",
        "Giulia",
        "--password",
        "una-password-lunga",
    )
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    bad = cli(
        env,
        "add",
        "--email",
        "not-an-email",
        "--name",
        "X",
        "--password",
        "una-password-lunga",
    )
    assert bad.returncode == 2 and "e-mail" in bad.stderr
    short = cli(
        env,
        "add",
        "--email",
        "x@sportello.example",
        "--name",
        "X",
        "--password",
        "short",
    )
    assert short.returncode == 2 and "at least 8" in short.stderr
    first = cli(env, "seed-demo")
    second = cli(env, "seed-demo")
    assert first.returncode == second.returncode == 0
    assert (
        "created demo agent Serena" in first.stdout
        and "already exists" in second.stdout
    )
    listing = cli(env, "list").stdout
    assert (
        "Giulia\tgiulia@sportello.example\tskills=item_damaged,return_request\tcapacity=2"
        in listing
    )
    assert (
        "serena@sportello.example" in listing and "marco@sportello.example" in listing
    )
    assert cli(env, "disable", "--email", "marco@sportello.example").returncode == 0
    assert "disabled" in cli(env, "list").stdout
    assert (
        cli(
            env,
            "set-password",
            "--email",
            "nobody@sportello.example",
            "--password",
            "xxxxxxxxxx",
        ).returncode
        == 2
    )


def test_serve_refuses_bad_configuration(hub_env):
    env = {"PATH": "/usr/bin:/bin", **hub_env, "HUB_SECRET": "short"}
    result = subprocess.run(
        [PYTHON, "-m", "handoff"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "HUB_SECRET must be at least 16 characters" in result.stderr


async def test_customer_on_one_process_agent_on_another(hub_env, fake_rasa):
    assert cli(hub_env, "seed-demo").returncode == 0
    with HubProcess(hub_env) as a, HubProcess(hub_env) as b:
        # the action server talks to process B while process A waits for Rasa
        def rasa_reply(body):
            request = urllib.request.Request(
                f"{b.url}/v1/internal/conversations/{body['sender']}/handoff",
                data=json.dumps(
                    {
                        "reason": "request_human",
                        "summary": {"problem_type": "item_damaged"},
                    }
                ).encode(),
                headers={
                    "Authorization": f"Bearer {INTERNAL_TOKEN}",
                    "Content-Type": "application/json",
                },
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                result = json.loads(response.read())
            return [{"text": f"Ti passo a {result['agent']['name']}"}]

        fake_rasa.on_message = rasa_reply
        async with httpx.AsyncClient(timeout=10) as http:
            login = await http.post(
                f"{b.url}/v1/agent/login",
                json={
                    "email": "serena@sportello.example",
                    "password": "sportello-demo",
                },
            )
            assert login.status_code == 200, login.text
            token = login.json()["token"]
            conv = (await http.post(f"{a.url}/v1/conversations", json={})).json()
            cid = conv["conversation_id"]
            async with (
                ws_connect(f"{b.ws_url}/v1/agent/stream?token={token}") as agent_ws,
                ws_connect(
                    f"{a.ws_url}/v1/conversations/{cid}/stream?token={conv['token']}"
                ) as customer_ws,
            ):
                await ws_recv(agent_ws, lambda m: m["type"] == "hello")
                await customer_ws.send(
                    json.dumps(
                        {
                            "type": "message",
                            "text": "voglio una persona",
                            "client_id": str(uuid.uuid4()),
                        }
                    )
                )
                handoff = await ws_recv(
                    customer_ws, lambda m: m["type"] == "handoff", timeout=10
                )
                assert (
                    handoff["status"] == "assigned"
                    and handoff["agent"]["name"] == "Serena"
                )
                said = await ws_recv(
                    customer_ws, lambda m: m["type"] == "message" and m["from"] == "bot"
                )
                assert said["text"] == "Ti passo a Serena"
                assigned = await ws_recv(agent_ws, lambda m: m["type"] == "assigned")
                assert assigned["conversation"]["id"] == cid
                # customer (process A) → agent (process B)
                await customer_ws.send(
                    json.dumps(
                        {
                            "type": "message",
                            "text": "ci siete?",
                            "client_id": str(uuid.uuid4()),
                        }
                    )
                )
                seen = await ws_recv(
                    agent_ws,
                    lambda m: (
                        m["type"] == "event" and m["event"].get("text") == "ci siete?"
                    ),
                )
                assert seen["conversation_id"] == cid
                # agent (process B) → customer (process A)
                reply = await http.post(
                    f"{b.url}/v1/agent/conversations/{cid}/messages",
                    json={
                        "text": "Eccomi, sono Serena",
                        "client_id": str(uuid.uuid4()),
                    },
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert reply.status_code == 201
                got = await ws_recv(
                    customer_ws,
                    lambda m: m["type"] == "message" and m["from"] == "agent",
                )
                assert got["text"] == "Eccomi, sono Serena" and got["agent"] == {
                    "name": "Serena"
                }
                assert got["id"] == reply.json()["id"]
            # both processes serve the same transcript
            events_a = (
                await http.get(
                    f"{a.url}/v1/conversations/{cid}/events",
                    params={"token": conv["token"]},
                )
            ).json()
            events_b = (
                await http.get(
                    f"{b.url}/v1/conversations/{cid}/events",
                    params={"token": conv["token"]},
                )
            ).json()
            assert events_a == events_b and len(events_a["events"]) == 5
