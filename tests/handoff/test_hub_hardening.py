"""The defects an attacker could reach, one test each (docs/security.md lists them with the figures)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from handoff.bus import AgentNotice, EventBus
from handoff.services.agent_desk import REVOKED
from handoff.tokens import Signer
from tests.handoff.helpers import INTERNAL_TOKEN, SECRET, ws_connect, ws_recv

SURROGATE = '"\\ud800"'  # a lone UTF-16 surrogate, as JSON text (valid JSON, not storable text)


def raw_json(template: str) -> bytes:
    return template.replace("@", SURROGATE).encode()


async def post_raw(running, path: str, body: bytes, token: str | None = None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await running.http.post(path, content=body, headers=headers)


async def test_lone_surrogates_are_refused_everywhere_with_a_clear_error(running):
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await running.handoff(cid)
    cases = [
        ("/v1/conversations", '{"visitor_token": @}', None),
        (f"/v1/conversations/{cid}/messages", '{"text": @, "client_id": "a1b2c3d4e5"}', conv["token"]),
        ("/v1/agent/login", '{"email": @, "password": "x"}', None),
        ("/v1/agent/login", '{"email": "serena@sportello.example", "password": @}', None),
        (f"/v1/agent/conversations/{cid}/notes", '{"text": @}', serena.token),
        (
            f"/v1/internal/conversations/{cid}/handoff",
            '{"reason": "problem", "summary": {"description": @}}',
            INTERNAL_TOKEN,
        ),
        (
            f"/v1/internal/conversations/{cid}/handoff",
            '{"reason": "problem", "summary": {@: "x"}}',
            INTERNAL_TOKEN,
        ),
    ]
    for path, template, token in cases:
        response = await post_raw(running, path, raw_json(template), token)
        assert response.status_code == 400, (path, response.status_code, response.text)
        assert response.json()["error"] == "invalid_json"
    url = f"{running.ws}/v1/conversations/{cid}/stream?token={conv['token']}"
    async with ws_connect(url) as ws:
        await ws.send('{"type": "message", "text": "\\ud800", "client_id": "a1b2c3d4e5"}')
        error = await ws_recv(ws, lambda m: m["type"] == "error")
        assert error["code"] == "invalid_json"
        await ws.send(json.dumps({"type": "message", "text": "ancora qui", "client_id": str(uuid.uuid4())}))
        assert (await ws_recv(ws, lambda m: m["type"] == "ack"))["id"]  # the socket lives on
    texts = [e.get("text") for e in await running.events(conv) if e["type"] == "message"]
    assert texts == ["ancora qui"]


async def test_deep_nesting_is_refused_without_a_crash(running):
    conv = await running.new_conversation()
    deep = ("[" * 30000 + "]" * 30000).encode()
    for path in ("/v1/conversations", "/v1/agent/login"):
        response = await post_raw(running, path, deep)
        assert (response.status_code, response.json()["error"]) == (400, "invalid_json"), path
    nested = '{"a":' * 40 + "1" + "}" * 40  # fine for the parser, deeper than any real document
    assert (await post_raw(running, "/v1/conversations", nested.encode())).status_code == 400
    url = f"{running.ws}/v1/conversations/{conv['conversation_id']}/stream?token={conv['token']}"
    async with ws_connect(url) as ws:
        await ws.send("[" * 7000 + "]" * 7000)  # under the 16 KiB frame limit
        assert (await ws_recv(ws, lambda m: m["type"] == "error"))["code"] == "invalid_json"
        await ws.send(json.dumps({"type": "typing"}))
        await ws.send(json.dumps({"type": "message", "text": "ci sono", "client_id": str(uuid.uuid4())}))
        assert (await ws_recv(ws, lambda m: m["type"] == "ack"))["id"]
    assert (await running.http.get("/v1/health")).status_code == 200


async def test_resume_points_beyond_64_bits_are_refused_as_documented(running):
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    for after in ("99999999999999999999-0", "0-18446744073709551616", "1-1-1", "-1"):
        response = await running.http.get(
            f"/v1/conversations/{cid}/events",
            params={"after": after},
            headers={"Authorization": f"Bearer {conv['token']}"},
        )
        assert (response.status_code, response.json()["error"]) == (400, "invalid_after"), after
    largest = f"{2**64 - 1}-{2**64 - 1}"
    ok = await running.http.get(
        f"/v1/conversations/{cid}/events",
        params={"after": largest},
        headers={"Authorization": f"Bearer {conv['token']}"},
    )
    assert ok.status_code == 200 and ok.json()["events"] == []
    url = f"{running.ws}/v1/conversations/{cid}/stream?token={conv['token']}&after=99999999999999999999-0"
    async with ws_connect(url) as ws:
        error = await ws_recv(ws, lambda m: True)
        assert error["type"] == "error" and error["code"] == "invalid_after"
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 1008


async def test_an_open_console_is_closed_when_its_agent_is_disabled_or_signs_out(running):
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    await running.handoff(conv["conversation_id"])
    async with ws_connect(f"{running.ws}/v1/agent/stream?token={serena.token}") as ws:
        await ws_recv(ws, lambda m: m["type"] == "hello")
        started = time.monotonic()
        await running.hub.stores.agents.set_disabled(serena.agent.id, True)
        # what `python -m handoff agents disable` publishes: every open console re-checks now
        await EventBus(running.hub.stores.redis, running.hub.stores.keys.channel()).publish(
            AgentNotice({"type": REVOKED}, serena.agent.id)
        )
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 3))
                assert message["type"] != "event", "customer text reached a disabled agent"
        assert closed.value.rcvd.code == 4401 and time.monotonic() - started < 2
    await running.hub.stores.agents.set_disabled(serena.agent.id, False)
    # sign-out: that token is refused over HTTP and on the socket, another session stays valid
    first, second = await running.login(serena.agent.email), await running.login(serena.agent.email)
    async with ws_connect(f"{running.ws}/v1/agent/stream?token={first}") as ws:
        await ws_recv(ws, lambda m: m["type"] == "hello")
        out = await running.http.post("/v1/agent/logout", headers={"Authorization": f"Bearer {first}"})
        assert out.status_code == 200
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 3)
        assert closed.value.rcvd.code == 4401
    assert (
        await running.http.get("/v1/agent/me", headers={"Authorization": f"Bearer {first}"})
    ).status_code == 401
    assert (
        await running.http.get("/v1/agent/me", headers={"Authorization": f"Bearer {second}"})
    ).status_code == 200


async def test_an_open_console_is_closed_when_its_token_expires(running):
    agent = await running.add_agent("Serena")
    short = Signer(SECRET).sign("agent", {"sub": agent.id, "ver": 0}, ttl=1)
    async with ws_connect(f"{running.ws}/v1/agent/stream?token={short}") as ws:
        await ws_recv(ws, lambda m: m["type"] == "hello")
        started = time.monotonic()
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 4)
        assert closed.value.rcvd.code == 4401 and time.monotonic() - started < 2.5


async def test_tokens_without_expiry_are_refused(running):
    import jwt

    from handoff.tokens import Signer as S

    agent = await running.add_agent("Serena")
    key = S(SECRET)._secret
    forever = jwt.encode(
        {"typ": "agent", "sub": agent.id, "ver": 0, "iat": int(time.time())}, key, algorithm="HS256"
    )
    assert (
        await running.http.get("/v1/agent/me", headers={"Authorization": f"Bearer {forever}"})
    ).status_code == 401
    conv = await running.new_conversation()
    no_exp = jwt.encode(
        {"typ": "conversation", "cid": conv["conversation_id"], "vid": "v", "iat": int(time.time())},
        key,
        algorithm="HS256",
    )
    events = await running.http.get(
        f"/v1/conversations/{conv['conversation_id']}/events", headers={"Authorization": f"Bearer {no_exp}"}
    )
    assert events.status_code == 401


async def test_ids_that_cannot_exist_are_refused_on_every_route(running):
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    keys_before = set(await running.hub.stores.redis.keys("*"))
    for suffix in (":clients", ":events", ":bot", "/../x", "*"):
        bad = cid + suffix
        internal = await running.handoff(bad)
        assert internal.status_code == 404 and internal.json()["error"] == "conversation_not_found", suffix
        for path in ("", "/claim", "/resolve", "/notes"):
            method = serena.get if path == "" else serena.post
            response = await method(f"/conversations/{bad}{path}")
            assert response.status_code == 404, (suffix, path, response.status_code)
    assert (
        await running.http.post(
            f"/v1/internal/conversations/{cid}:x/rating",
            json={"rating": 5},
            headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
        )
    ).status_code == 404
    assert set(await running.hub.stores.redis.keys("*")) - keys_before <= {
        k for k in await running.hub.stores.redis.keys("*") if "rate:" in k or "presence" in k
    }, "a refused id created keys"
    assert (await running.state(cid))["status"] == "bot"
    transfer = await serena.post("/conversations/" + cid + "/transfer", {"agent_id": "ag_x:convs"})
    assert transfer.status_code in (400, 404)


async def test_login_spraying_is_refused_per_address_and_overall_with_retry_after(make_hub):
    hub = await make_hub(
        rate_logins_per_minute=5, rate_logins_per_ip_per_minute=12, rate_logins_global_per_minute=30
    )
    await hub.add_agent("Serena")
    codes = []
    retry_after = []
    for i in range(30):
        response = await hub.http.post(
            "/v1/agent/login", json={"email": f"user{i}@example.it", "password": "tentativo-x"}
        )
        codes.append(response.status_code)
        if response.status_code == 429:
            retry_after.append(int(response.headers["Retry-After"]))
            assert response.json()["error"] == "rate_limited"
    assert codes[:12] == [401] * 12 and set(codes[12:]) == {429}, codes
    assert all(1 <= r <= 60 for r in retry_after)
    # one e-mail from one address: refused after 5 tries even though each address could try 12
    other = await make_hub(
        rate_logins_per_minute=5, rate_logins_per_ip_per_minute=100, rate_logins_global_per_minute=100
    )
    same = [
        (
            await other.http.post(
                "/v1/agent/login", json={"email": "serena@sportello.example", "password": "nope-nope"}
            )
        ).status_code
        for _ in range(7)
    ]
    assert same == [401] * 5 + [429] * 2


async def test_bursts_of_messages_are_answered_429_with_retry_after(make_hub, fake_rasa):
    hub = await make_hub(rate_messages_per_minute=5, rate_conversations_per_minute=3)
    conv = await hub.new_conversation()
    codes = [(await hub.say(conv, f"messaggio {i}")).status_code for i in range(8)]
    assert codes == [201] * 5 + [429] * 3
    refused = await hub.say(conv, "ancora")
    assert int(refused.headers["Retry-After"]) >= 1 and refused.json()["retry_after"] >= 1
    made = [(await hub.http.post("/v1/conversations", json={})).status_code for _ in range(4)]
    assert made == [201, 201, 429, 429]  # one conversation was made above


async def test_the_access_log_never_holds_a_token(redis_server, fake_rasa):
    """A real hub process with HUB_ACCESS_LOG=1: stream URLs carry tokens, its log must not."""
    from tests.support.hub_process import HubProcess

    env = {
        "REDIS_URL": redis_server.url,
        "RASA_URL": fake_rasa.url,
        "HUB_SECRET": SECRET,
        "HUB_INTERNAL_TOKEN": INTERNAL_TOKEN,
        "HUB_ACCESS_LOG": "1",
        "HUB_RATE_CONVERSATIONS_PER_MINUTE": "1000",
    }
    with HubProcess(env) as hub:
        async with httpx.AsyncClient(base_url=hub.url, timeout=10) as http:
            conv = (await http.post("/v1/conversations", json={})).json()
            cid = conv["conversation_id"]
            await http.get(f"/v1/conversations/{cid}/events", params={"token": conv["token"]})
            await http.get(
                f"/v1/conversations/{cid}/events", headers={"Authorization": f"Bearer {conv['token']}"}
            )
            async with ws_connect(f"{hub.ws_url}/v1/conversations/{cid}/stream?token={conv['token']}"):
                pass
        await asyncio.sleep(0.3)
        log = hub.output()
    assert f"/v1/conversations/{cid}/events" in log and "/stream" in log, "the access log is off"
    for secret in (conv["token"], conv["token"].split(".")[1], conv["token"].split(".")[2]):
        assert secret not in log
    assert "token=[token]" in log


async def test_security_headers_on_pages_scripts_and_api(running):
    for path in (
        "/",
        "/console/",
        "/console/js/app.js",
        "/widget/sportello.js",
        "/v1/health",
        "/v1/conversations/x/events",
    ):
        response = await running.http.get(path)
        csp = response.headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        ), path
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


async def test_agents_read_the_team_s_conversations_and_write_only_their_own(running):
    serena = await running.online_agent("Serena", capacity=1)
    marco = await running.online_agent("Marco", capacity=1)
    bot_only = await running.new_conversation()
    await running.say(bot_only, "domanda al bot")
    assert (await serena.get(f"/conversations/{bot_only['conversation_id']}")).status_code == 404
    handed = await running.new_conversation()
    cid = handed["conversation_id"]
    result = (await running.handoff(cid)).json()
    owner, other = (serena, marco) if result["agent"]["name"] == "Serena" else (marco, serena)
    assert (await other.get(f"/conversations/{cid}")).status_code == 200  # the team reads it
    for path, body in (
        ("/notes", {"text": "nota"}),
        ("/messages", {"text": "x", "client_id": str(uuid.uuid4())}),
        ("/resolve", {}),
        ("/transfer", {"agent_id": other.agent.id}),
    ):
        response = await other.post(f"/conversations/{cid}{path}", body)
        assert (response.status_code, response.json()["error"]) == (409, "not_assigned"), path
    assert (await owner.post(f"/conversations/{cid}/notes", {"text": "nota mia"})).status_code == 201


async def test_claiming_over_the_api_counts_as_presence_for_the_grace_period(make_hub):
    hub = await make_hub(heartbeat_timeout=0.5, grace_seconds=1.5, sweep_interval=0.1)
    agent = await hub.add_agent("Serena")
    token = await hub.login(agent.email)
    conv = await hub.new_conversation()
    await hub.handoff(conv["conversation_id"])  # nobody online: offline, waiting for a claim
    claim = await hub.http.post(
        f"/v1/agent/conversations/{conv['conversation_id']}/claim",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert claim.status_code == 200
    await asyncio.sleep(1.0)  # several sweeps: never online over a socket, but within the grace
    state = await hub.state(conv["conversation_id"])
    assert (state["status"], state["agent_id"]) == ("assigned", agent.id)


async def test_rasa_answering_garbage_gets_the_customer_a_person(running, fake_rasa):
    await running.online_agent("Serena")
    fake_rasa.on_message = lambda body: ["not", "messages", 3]
    conv = await running.new_conversation()
    await running.say(conv, "il divano non arriva")
    events = await running.wait_events(conv, lambda ev: any(e["type"] == "handoff" for e in ev))
    texts = [e["text"] for e in events if e.get("from") == "bot"]
    assert texts[0] == "TEST bot unavailable" and texts[1].startswith("TEST assigned to Serena")


async def test_a_customer_message_racing_the_resolve_is_never_resolved_unanswered(running):
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await running.handoff(cid)
    seen = (await running.events(conv))[-1]["id"]  # what Serena's console shows
    await running.say(conv, "aspetta, un'altra cosa!")  # arrives while she clicks "Risolvi"
    refused = await serena.post(f"/conversations/{cid}/resolve", {"after": seen})
    assert (refused.status_code, refused.json()["error"]) == (409, "unseen_message")
    assert (await running.state(cid))["status"] == "assigned"
    latest = (await running.events(conv))[-1]["id"]
    assert (await serena.post(f"/conversations/{cid}/resolve", {"after": latest})).status_code == 200
    assert (await serena.post(f"/conversations/{cid}/resolve", {"after": "1-x"})).status_code in (400, 409)
