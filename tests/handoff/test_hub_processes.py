"""Two real hub processes (`python -m handoff`) on one Redis; and the agents CLI."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from tests.handoff.helpers import INTERNAL_TOKEN, SECRET, ws_connect, ws_recv
from tests.support.fake_rasa import hands_off_during_turn
from tests.support.hub_process import HubProcess, run_handoff

FIXTURES = Path(__file__).parent / "fixtures"


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
        "HUB_WELCOME": "0",  # these tests count the events from the customer's first message
    }


def cli(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return run_handoff(env, "agents", *args, stdin=stdin, timeout=30)


def test_agents_cli(hub_env):
    env = {
        k: v for k, v in hub_env.items() if k not in ("HUB_INTERNAL_TOKEN", "HUB_SECRET")
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
    assert "created demo agent Serena" in first.stdout and "already exists" in second.stdout
    listing = cli(env, "list").stdout
    assert "Giulia\tgiulia@sportello.example\tskills=item_damaged,return_request\tcapacity=2" in listing
    assert "serena@sportello.example" in listing and "marco@sportello.example" in listing
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
    result = run_handoff({**hub_env, "HUB_SECRET": "short"}, timeout=30)
    assert result.returncode == 2
    assert "HUB_SECRET must be at least 32 characters" in result.stderr


async def test_customer_on_one_process_agent_on_another(hub_env, fake_rasa):
    assert cli(hub_env, "seed-demo").returncode == 0
    with HubProcess(hub_env) as a, HubProcess(hub_env) as b:
        # the action server talks to process B while process A waits for Rasa
        rasa_reply = hands_off_during_turn(
            b.url,
            INTERNAL_TOKEN,
            {"problem_type": "item_damaged"},
            lambda result: f"Ti passo a {result['agent']['name']}",
        )
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
                ws_connect(f"{a.ws_url}/v1/conversations/{cid}/stream?token={conv['token']}") as customer_ws,
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
                # the bot's sentence first, then the hand-off it announces
                said = await ws_recv(
                    customer_ws, lambda m: m["type"] == "message" and m["from"] == "bot", timeout=10
                )
                assert said["text"] == "Ti passo a Serena"
                handoff = await ws_recv(customer_ws, lambda m: m["type"] == "handoff")
                assert handoff["status"] == "assigned"
                assert handoff["agent"]["name"] == "Serena"
                assert handoff["agent"]["gender"] == "f"
                assert "email" not in handoff["agent"]
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
                    lambda m: m["type"] == "event" and m["event"].get("text") == "ci siete?",
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
                    "name": "Serena",
                    "gender": "f",  # seed-demo sets it: "Serena si è unita…"
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


async def test_bot_turn_survives_a_killed_hub_process(hub_env, fake_rasa, redis_server):
    """kill -9 while Rasa is answering: another process answers the pending turn, once."""
    env = {**hub_env, "HUB_BOT_LEASE": "1.5", "HUB_SWEEP_INTERVAL": "0.3"}
    fake_rasa.mode = "slow"
    fake_rasa.slow_seconds = 2.5
    first = HubProcess(env).start()
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            conv = (await http.post(f"{first.url}/v1/conversations", json={})).json()
            cid = conv["conversation_id"]
            sent = await http.post(
                f"{first.url}/v1/conversations/{cid}/messages",
                json={"text": "dov'è il mio ordine?", "client_id": str(uuid.uuid4())},
                headers={"Authorization": f"Bearer {conv['token']}"},
            )
            assert sent.status_code == 201, sent.text
            for _ in range(100):  # Rasa has the message and is still thinking
                if fake_rasa.messages():
                    break
                await asyncio.sleep(0.05)
            assert len(fake_rasa.messages()) == 1
            first.kill()
            assert redis_server.command("LLEN", f"sportello:conv:{cid}:bot") == 1
            fake_rasa.mode = "ok"
            with HubProcess(env) as second:

                async def transcript() -> list[dict]:
                    response = await http.get(
                        f"{second.url}/v1/conversations/{cid}/events",
                        params={"token": conv["token"]},
                    )
                    return response.json()["events"]

                for _ in range(200):
                    events = await transcript()
                    if any(e.get("from") == "bot" for e in events):
                        break
                    await asyncio.sleep(0.05)
                # the answer is stored once, even after the killed call would have ended
                await asyncio.sleep(env_seconds(env) + 1.0)
                events = await transcript()
                pending = redis_server.command("LLEN", f"sportello:conv:{cid}:bot")
                lease = redis_server.command("EXISTS", f"sportello:conv:{cid}:bot-lease")
                tracked = redis_server.command("ZSCORE", "sportello:bot:pending", cid)
    finally:
        first.stop()
    texts = [(e["from"], e["text"]) for e in events if e["type"] == "message"]
    assert texts == [
        ("customer", "dov'è il mio ordine?"),
        ("bot", "echo: dov'è il mio ordine?"),
    ]
    # at least once to Rasa (the killed process's call is repeated), exactly once in the transcript
    assert len(fake_rasa.messages()) == 2
    assert pending == 0 and lease == 0 and tracked is None


def env_seconds(env: dict) -> float:
    return float(env["HUB_BOT_LEASE"]) + float(env["HUB_SWEEP_INTERVAL"])


def test_agents_cli_gender(hub_env, redis_server):
    env = {k: v for k, v in hub_env.items() if k not in ("HUB_INTERNAL_TOKEN", "HUB_SECRET")}
    bad = cli(
        env,
        *("add", "--email", "anna@sportello.example", "--name", "Anna"),
        *("--gender", "x", "--password", "una-password-lunga"),
    )
    assert bad.returncode == 2 and "gender must be 'f' or 'm'" in bad.stderr
    assert redis_server.command("EXISTS", "sportello:agent-email:anna@sportello.example") == 0
    added = cli(
        env,
        *("add", "--email", "anna@sportello.example", "--name", "Anna"),
        *("--gender", "F", "--password", "una-password-lunga"),
    )
    assert added.returncode == 0, added.stderr
    plain = cli(
        env,
        *("add", "--email", "luca@sportello.example", "--name", "Luca"),
        *("--password", "una-password-lunga"),
    )
    assert plain.returncode == 0, plain.stderr
    # a demo agent created before genders existed gets one from seed-demo
    old = cli(
        env,
        *("add", "--email", "serena@sportello.example", "--name", "Serena"),
        *("--password", "una-password-lunga"),
    )
    assert old.returncode == 0, old.stderr
    seeded = cli(env, "seed-demo")
    assert seeded.returncode == 0, seeded.stderr
    assert "Serena <serena@sportello.example> already exists; gender set" in seeded.stdout
    assert "created demo agent Marco" in seeded.stdout
    # the demo supervisor and editor come with the demo agents (printed by make run)
    assert "created demo supervisor Giovanna <supervisore@sportello.example>" in seeded.stdout
    assert "created demo editor Paolo <editor@sportello.example>" in seeded.stdout
    again = cli(env, "seed-demo")
    assert "gender set" not in again.stdout and "created" not in again.stdout
    rows = {line.split("\t")[1]: line.split("\t")[-2:] for line in cli(env, "list").stdout.splitlines()}
    assert rows == {
        "Anna": ["gender=f", "role=agent"],
        "Luca": ["gender=-", "role=agent"],
        "Serena": ["gender=f", "role=agent"],
        "Marco": ["gender=m", "role=agent"],
        "Giovanna": ["gender=f", "role=supervisor"],
        "Paolo": ["gender=m", "role=editor"],
    }
    # the first supervisor, from the CLI; a role that does not exist is refused
    boss = cli(
        env,
        *("add", "--email", "capo@sportello.example", "--name", "Capo", "--role", "supervisor"),
        *("--password", "una-password-lunga"),
    )
    assert boss.returncode == 0 and "(supervisor)" in boss.stdout
    wrong = cli(
        env,
        *("add", "--email", "x@sportello.example", "--name", "X", "--role", "capo"),
        *("--password", "una-password-lunga"),
    )
    assert wrong.returncode == 2 and "role must be one of" in wrong.stderr
