"""Safety: isolation between conversations, bad input, limits, rate limits, CORS, health, redaction."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import uuid

import pytest
from websockets.exceptions import ConnectionClosed

from handoff.redact import RedactingFilter, redact
from handoff.settings import Settings, SettingsError
from tests.handoff.helpers import ws_connect, ws_recv


async def test_other_visitors_token_and_guessed_ids_are_refused(running):
    mine = await running.new_conversation()
    theirs = await running.new_conversation()
    await running.say(theirs, "dati privati")
    await running.hub.idle()
    cid = theirs["conversation_id"]
    auth = {"Authorization": f"Bearer {mine['token']}"}
    assert (await running.http.get(f"/v1/conversations/{cid}/events", headers=auth)).status_code == 401
    assert (
        await running.http.get(f"/v1/conversations/{cid}/events", params={"token": mine["token"]})
    ).status_code == 401
    post = await running.http.post(
        f"/v1/conversations/{cid}/messages",
        headers=auth,
        json={"text": "hi", "client_id": str(uuid.uuid4())},
    )
    assert post.status_code == 401
    assert (await running.http.get(f"/v1/conversations/{cid}/events")).status_code == 401
    # the visitor token is not a conversation token
    visitor = {"Authorization": f"Bearer {theirs['visitor_token']}"}
    assert (await running.http.get(f"/v1/conversations/{cid}/events", headers=visitor)).status_code == 401

    async def guesses(count: int) -> list[int]:
        """A lean keep-alive HTTP/1.1 client: 1,000 requests through httpx would dominate the run."""
        reader, writer = await asyncio.open_connection("127.0.0.1", running.port)
        codes = []
        for _ in range(count):
            guessed = secrets.token_urlsafe(16)
            writer.write(
                f"GET /v1/conversations/{guessed}/events HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {mine['token']}\r\n\r\n".encode()
            )
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            codes.append(status)
        writer.close()
        return codes

    codes = [code for batch in await asyncio.gather(*(guesses(250) for _ in range(4))) for code in batch]
    assert len(codes) == 1000 and set(codes) == {401}

    for url in (
        f"{running.ws}/v1/conversations/{cid}/stream?token={mine['token']}",
        f"{running.ws}/v1/conversations/{cid}/stream",
    ):
        # the upgrade is accepted, then closed with 4401 before anything is sent
        async with ws_connect(url) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        assert closed.value.rcvd.code == 4401
        assert closed.value.rcvd.reason == "unauthorized"
    assert [e["text"] for e in await running.events(theirs) if e["type"] == "message"] == [
        "dati privati",
        "echo: dati privati",
    ]


async def test_bad_customer_input_gets_clear_errors_and_stores_nothing(running, fake_rasa):
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    url = f"{running.ws}/v1/conversations/{cid}/stream?token={conv['token']}"
    async with ws_connect(url) as ws:
        cases = [
            ("{not json", "invalid_json"),
            ("[1, 2]", "invalid_json"),
            (json.dumps({"type": "dance"}), "unknown_type"),
            (
                json.dumps(
                    {
                        "type": "message",
                        "text": "x" * 2001,
                        "client_id": str(uuid.uuid4()),
                    }
                ),
                "too_long",
            ),
            (
                json.dumps({"type": "message", "text": "   ", "client_id": str(uuid.uuid4())}),
                "empty_message",
            ),
            (json.dumps({"type": "message", "text": "ciao"}), "invalid_client_id"),
            (
                json.dumps(
                    {
                        "type": "message",
                        "text": ["ciao"],
                        "client_id": str(uuid.uuid4()),
                    }
                ),
                "invalid_message",
            ),
            (
                json.dumps(
                    {
                        "type": "message",
                        "text": "sì",
                        "payload": "/affirm",
                        "client_id": str(uuid.uuid4()),
                    }
                ),
                "invalid_payload",
            ),
        ]
        for frame, code in cases:
            await ws.send(frame)
            error = await ws_recv(ws, lambda m: m["type"] == "error")
            assert error["code"] == code, frame
            assert error["message"]
        await ws.send(b"\x00\x01")
        assert (await ws_recv(ws, lambda m: m["type"] == "error"))["code"] == "invalid_json"
        # the socket still works afterwards
        await ws.send(json.dumps({"type": "message", "text": "ok", "client_id": str(uuid.uuid4())}))
        assert (await ws_recv(ws, lambda m: m["type"] == "ack"))["id"]
    await running.hub.idle()
    assert [e["text"] for e in await running.events(conv)] == ["ok", "echo: ok"]
    assert [m["message"] for m in fake_rasa.messages()] == ["ok"]
    # the same over HTTP
    headers = {"Authorization": f"Bearer {conv['token']}"}
    not_json = await running.http.post(f"/v1/conversations/{cid}/messages", content=b"{", headers=headers)
    assert not_json.status_code == 400 and not_json.json()["error"] == "invalid_json"
    long = await running.say(conv, "y" * 2001)
    assert long.status_code == 413 and long.json()["error"] == "too_long"
    bad_after = await running.http.get(
        f"/v1/conversations/{cid}/events", params={"after": "x"}, headers=headers
    )
    assert bad_after.status_code == 400 and bad_after.json()["error"] == "invalid_after"
    assert len(await running.events(conv)) == 2


async def test_oversized_websocket_frame_closes_the_socket_but_not_the_server(make_hub):
    hub = await make_hub(ws_max_size=4096)
    conv = await hub.new_conversation()
    url = f"{hub.ws}/v1/conversations/{conv['conversation_id']}/stream?token={conv['token']}"
    async with ws_connect(url) as ws:
        await ws.send(json.dumps({"type": "message", "text": "z" * 5000, "client_id": str(uuid.uuid4())}))
        with pytest.raises(ConnectionClosed):
            for _ in range(5):
                await asyncio.wait_for(ws.recv(), timeout=3)
    assert ws.close_code == 1009
    assert await hub.events(conv) == []
    assert (await hub.say(conv, "ancora qui")).status_code == 201


async def test_rate_limits(make_hub):
    hub = await make_hub(rate_conversations_per_minute=3, rate_messages_per_minute=4)
    convs = [await hub.new_conversation() for _ in range(3)]
    refused = await hub.http.post("/v1/conversations", json={})
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    codes = [(await hub.say(convs[0], f"m{i}")).status_code for i in range(6)]
    assert codes == [201, 201, 201, 201, 429, 429]
    await hub.hub.idle()
    customer = [e for e in await hub.events(convs[0]) if e.get("from") == "customer"]
    assert [e["text"] for e in customer] == ["m0", "m1", "m2", "m3"]
    # another conversation has its own budget
    assert (await hub.say(convs[1], "ciao")).status_code == 201


async def test_health_reports_rasa_and_redis(running, fake_rasa):
    ok = await running.http.get("/v1/health")
    assert ok.status_code == 200 and ok.json()["checks"]["redis"]["ok"] is True
    fake_rasa.stop()
    down = await running.http.get("/v1/health")
    assert down.status_code == 503
    assert down.json()["checks"]["rasa"]["ok"] is False and down.json()["checks"]["redis"]["ok"] is True


async def test_cors_for_embedded_widget(make_hub):
    hub = await make_hub(allowed_origins=("https://negozio.example",))
    preflight = await hub.http.request(
        "OPTIONS",
        "/v1/conversations",
        headers={
            "Origin": "https://negozio.example",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://negozio.example"
    created = await hub.http.post("/v1/conversations", json={}, headers={"Origin": "https://negozio.example"})
    assert created.headers["access-control-allow-origin"] == "https://negozio.example"
    other = await hub.http.post("/v1/conversations", json={}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


async def test_every_key_has_a_ttl(running, fake_rasa):
    serena = await running.online_agent("Serena")
    conv = await running.new_conversation()
    await running.say(conv, "ciao")
    await running.hub.idle()
    cid = conv["conversation_id"]
    await running.handoff(cid, {"reason": "problem", "summary": {"email": "a@example.com"}})
    await serena.post(f"/conversations/{cid}/notes", {"text": "nota"})
    await serena.post(f"/conversations/{cid}/resolve")
    await running.hub.idle()
    await running.http.post(
        f"/v1/internal/conversations/{cid}/rating",
        json={"rating": 5},
        headers={"Authorization": "Bearer test-internal-token"},
    )
    prefix = running.settings.key_prefix
    keys = await running.hub.stores.redis.keys(prefix + "*")
    exempt = {prefix + "agents"} | {k for k in keys if k.startswith(prefix + "agent:") and k.count(":") == 2}
    exempt |= {k for k in keys if k.startswith(prefix + "agent-email:")}
    missing = [k for k in keys if k not in exempt and await running.hub.stores.redis.ttl(k) < 0]
    assert missing == []
    ttls = [await running.hub.stores.redis.ttl(k) for k in keys if k not in exempt]
    assert ttls and all(0 < ttl <= running.settings.retention_seconds for ttl in ttls)


def test_redaction_of_emails_and_cards(caplog):
    assert redact("scrivimi a mario.rossi@example.com") == "scrivimi a [email]"
    assert redact("carta 4111 1111 1111 1111 grazie") == "carta [card] grazie"
    assert redact("ordine 1234567") == "ordine 1234567"
    logger = logging.getLogger("handoff.test-redaction")
    logger.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="handoff.test-redaction"):
        logger.info("cliente %s paga con %s", "anna@example.com", "4111-1111-1111-1111")
    assert caplog.records[-1].getMessage() == "cliente [email] paga con [card]"


def test_settings_from_env_errors_are_clear():
    base = {
        "HUB_INTERNAL_TOKEN": "Jq2v-8Rk3_xT5wLmZ0aYc4Nd",
        "HUB_SECRET": "k7Qp2-Zx9Lw4_Rt6Yb1Vn8Mc3Hf5Gd0Se2Ju",
    }
    settings = Settings.from_env(base)
    assert (settings.port, settings.retention_days, settings.key_prefix) == (
        8080,
        30,
        "sportello:",
    )
    assert settings.business_hours.windows is None
    with pytest.raises(SettingsError, match="HUB_SECRET is required"):
        Settings.from_env({"HUB_INTERNAL_TOKEN": base["HUB_INTERNAL_TOKEN"]})
    with pytest.raises(SettingsError, match="HUB_INTERNAL_TOKEN"):
        Settings.from_env({"HUB_SECRET": base["HUB_SECRET"]})
    # weak secrets are refused, however long: tokens signed with them could be forged
    with pytest.raises(SettingsError, match="HUB_SECRET must be at least 32 characters with at least 12"):
        Settings.from_env({**base, "HUB_SECRET": "a" * 64})
    with pytest.raises(SettingsError, match="HUB_SECRET must be at least 32"):
        Settings.from_env({**base, "HUB_SECRET": "short-but-varied-1234"})
    with pytest.raises(SettingsError, match="HUB_INTERNAL_TOKEN must be at least 24"):
        Settings.from_env({**base, "HUB_INTERNAL_TOKEN": "x"})
    for name, value in [
        ("HUB_PORT", "eighty"),
        ("RASA_TIMEOUT", "soon"),
        ("REDIS_URL", "http://x"),
        ("BUSINESS_HOURS", "mon 18:00-09:00"),
        ("HUB_TIMEZONE", "Mars/Olympus"),
        ("RETENTION_DAYS", "-1"),
        ("AGENT_TOKEN_TTL", "0"),
    ]:
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({**base, name: value})
    tuned = Settings.from_env(
        {
            **base,
            "AGENT_TOKEN_TTL": "8h",
            "RASA_TIMEOUT": "2.5",
            "HUB_ALLOWED_ORIGINS": "https://a.example, https://b.example/",
        }
    )
    assert tuned.agent_token_ttl == 8 * 3600 and tuned.rasa_timeout == 2.5
    assert tuned.allowed_origins == ("https://a.example", "https://b.example")


async def test_customer_stream_closes_with_4401_or_4404_http_keeps_401_404(running):
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    other = await running.new_conversation()
    cases = [
        (f"/v1/conversations/{cid}/stream?token=garbage", 4401, "unauthorized"),
        (
            f"/v1/conversations/{cid}/stream?token={other['token']}",
            4401,
            "unauthorized",
        ),
    ]
    for path, code, reason in cases:
        async with ws_connect(running.ws + path) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await ws.recv()
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (code, reason)
    # the conversation expired (its keys are gone) but the token is still valid
    await running.hub.stores.redis.delete(running.hub.stores.keys.conv(cid))
    async with ws_connect(f"{running.ws}/v1/conversations/{cid}/stream?token={conv['token']}") as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 4404
    assert closed.value.rcvd.reason == "conversation_not_found"
    # plain HTTP keeps its status codes
    gone = await running.http.get(f"/v1/conversations/{cid}/events", params={"token": conv["token"]})
    assert gone.status_code == 404 and gone.json()["error"] == "conversation_not_found"
    bad = await running.http.get(f"/v1/conversations/{cid}/events", params={"token": "garbage"})
    assert bad.status_code == 401
    posted = await running.http.post(
        f"/v1/conversations/{other['conversation_id']}/messages",
        json={"text": "x", "client_id": "abcdefgh1"},
    )
    assert posted.status_code == 401
