"""Fuzzing every endpoint and both WebSockets of a real hub process (hypothesis).

Whatever arrives — bodies, frames, headers, query strings, ids — the hub never answers 5xx, never
drops a socket over a frame, keeps serving everyone else, and every refusal carries an error code
that docs/api.md documents. Bounded: a few hundred cases per target, about a minute in all.
"""

from __future__ import annotations

import json
import re
import socket
import string
import urllib.parse
import uuid
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import connect

from tests.handoff.helpers import INTERNAL_TOKEN, SECRET
from tests.support.hub_process import HubProcess

DOCS = Path(__file__).resolve().parents[2] / "docs" / "api.md"
FUZZ = settings(
    max_examples=800,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)


def documented_codes() -> set[str]:
    """The codes of the error table in docs/api.md ("| `code` | status | when |")."""
    table = DOCS.read_text(encoding="utf-8").split("## Error codes", 1)[1].split("\n## ", 1)[0]
    first_cells = re.findall(r"^\| ([^|]+) \|", table, re.MULTILINE)
    return {code for cell in first_cells for code in re.findall(r"`([a-z_]+)`", cell)}


CODES = documented_codes()

# JSON values as clients could send them, including text no store can hold (lone surrogates) and
# deep nesting; serialised with ensure_ascii so surrogates travel as \ud800 escapes.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec=None, categories=["Cs", "Lu", "Ll", "Nd", "Zs"]), max_size=8),
    st.sampled_from(["message", "typing", "heartbeat", "presence", "online", "away", "/affirm", "problem"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
field_names = st.sampled_from(
    [
        "text",
        "client_id",
        "type",
        "payload",
        "visitor_token",
        "email",
        "password",
        "status",
        "reason",
        "summary",
        "ticket_id",
        "priority",
        "rating",
        "agent_id",
        "note",
        "after",
        "conversation_id",
    ]
)
objects = st.dictionaries(field_names | st.text(max_size=10), values, max_size=6)
bodies = st.one_of(
    objects.map(lambda o: json.dumps(o, ensure_ascii=True).encode()),
    values.map(lambda v: json.dumps(v, ensure_ascii=True).encode()),
    st.binary(max_size=200),
    st.integers(min_value=1, max_value=5000).map(lambda n: ("[" * n + "]" * n).encode()),
    st.just(b'{"text": "\\ud800", "client_id": "abcdefgh12"}'),
    st.just(b'{"rating": NaN}'),
)
ids = st.one_of(
    st.text(alphabet=string.ascii_letters + string.digits + "-_:*%./", min_size=1, max_size=80),
    st.text(min_size=1, max_size=20),
)
afters = st.one_of(st.none(), st.text(max_size=30), st.from_regex(r"\d{1,25}-\d{1,25}", fullmatch=True))


@pytest.fixture(scope="module")
def hub(redis_server):
    from tests.support.fake_rasa import FakeRasa

    rasa = FakeRasa().start()
    env = {
        "REDIS_URL": redis_server.url,
        "RASA_URL": rasa.url,
        "RASA_TIMEOUT": "1",
        "HUB_SECRET": SECRET,
        "HUB_INTERNAL_TOKEN": INTERNAL_TOKEN,
        "HUB_RATE_CONVERSATIONS_PER_MINUTE": "100000",
        "HUB_RATE_MESSAGES_PER_MINUTE": "100000",
        "HUB_RATE_LOGINS_PER_MINUTE": "100000",
        "HUB_RATE_LOGINS_PER_IP_PER_MINUTE": "100000",
        "HUB_RATE_LOGINS_GLOBAL_PER_MINUTE": "100000",
    }
    redis_server.command("FLUSHALL")
    with HubProcess(env) as process:
        with httpx.Client(base_url=process.url, timeout=10) as http:
            subprocess_env = {**env, "DEMO_AGENT_PASSWORD": "fuzz-password-123"}
            import os
            import subprocess
            import sys

            python = str(Path(sys.executable))
            subprocess.run(
                [python, "-m", "handoff", "agents", "seed-demo"],
                cwd=Path(__file__).resolve().parents[2],
                env={**os.environ, **subprocess_env},
                check=True,
                capture_output=True,
            )
            login = http.post(
                "/v1/agent/login", json={"email": "serena@sportello.example", "password": "fuzz-password-123"}
            )
            assert login.status_code == 200, login.text
            conv = http.post("/v1/conversations", json={}).json()
            http.post(
                f"/v1/internal/conversations/{conv['conversation_id']}/handoff",
                json={"reason": "problem", "summary": {"problem_type": "item_damaged"}},
                headers={"Authorization": f"Bearer {INTERNAL_TOKEN}"},
            )
            process.agent_token = login.json()["token"]
            process.conv = conv
            process.http = http
            yield process
    rasa.stop()


def check(response: httpx.Response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code} {response.text[:300]}"
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith(
        "application/json"
    ):
        code = response.json().get("error")
        assert code in CODES, f"{what}: undocumented error code {code!r}"
    if response.status_code in (429, 503):
        assert int(response.headers["Retry-After"]) >= 1


def routes(hub) -> list[tuple[str, str, dict[str, str]]]:
    cid = hub.conv["conversation_id"]
    customer = {"Authorization": f"Bearer {hub.conv['token']}"}
    agent = {"Authorization": f"Bearer {hub.agent_token}"}
    internal = {"Authorization": f"Bearer {INTERNAL_TOKEN}"}
    return [
        ("POST", "/v1/conversations", {}),
        ("POST", f"/v1/conversations/{cid}/messages", customer),
        ("POST", "/v1/agent/login", {}),
        ("POST", "/v1/agent/presence", agent),
        ("POST", f"/v1/agent/conversations/{cid}/claim", agent),
        ("POST", f"/v1/agent/conversations/{cid}/messages", agent),
        ("POST", f"/v1/agent/conversations/{cid}/notes", agent),
        ("POST", f"/v1/agent/conversations/{cid}/transfer", agent),
        ("POST", f"/v1/agent/conversations/{cid}/resolve", agent),
        ("POST", f"/v1/internal/conversations/{cid}/handoff", internal),
        ("POST", f"/v1/internal/conversations/{cid}/rating", internal),
    ]


@FUZZ
@given(data=st.data())
def test_http_bodies_never_crash_the_hub(hub, data):
    method, path, headers = data.draw(st.sampled_from(routes(hub)))
    body = data.draw(bodies)
    content_type = data.draw(
        st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded", ""])
    )
    headers = {**headers, "Content-Type": content_type} if content_type else dict(headers)
    check(hub.http.request(method, path, content=body, headers=headers), f"{method} {path} {body[:80]!r}")


def raw_request(port: int, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes):
    """One HTTP/1.1 request written byte for byte (no client library tidies the headers up);
    returns (status, headers, body)."""
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1", "replace"), b"Host: hub", b"Connection: close"]
    lines += [name + b": " + value for name, value in headers]
    lines.append(b"Content-Length: " + str(len(body)).encode())
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, payload = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), parsed, payload


header_values = st.one_of(
    st.binary(max_size=60).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
    st.text(max_size=60).map(lambda t: t.encode("utf-8").replace(b"\r", b"").replace(b"\n", b"")),
    st.sampled_from([b"Bearer ", b"Bearer", b"bearer x.y.z", b"Basic Zm9vOmJhcg==", b"Bearer \xff\xfe"]),
)


@FUZZ
@given(
    path_id=ids,
    after=afters,
    auth=st.one_of(st.none(), st.sampled_from(["agent", "customer", "internal"]), header_values),
    extra=st.lists(
        st.tuples(
            st.sampled_from([b"Origin", b"Content-Type", b"X-Forwarded-For", b"Cookie", b"Upgrade"]),
            header_values,
        ),
        max_size=3,
    ),
    tail=st.sampled_from(
        ["", "/events", "/messages", "/claim", "/resolve", "/notes", "/transfer", "/handoff", "/rating"]
    ),
    prefix=st.sampled_from(
        [
            "/v1/conversations/",
            "/v1/agent/conversations/",
            "/v1/internal/conversations/",
            "/v1/internal/tickets/",
        ]
    ),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS"]),
)
def test_ids_query_strings_and_headers_never_crash_the_hub(
    hub, path_id, after, auth, extra, tail, prefix, method
):
    tokens = {"agent": hub.agent_token, "customer": hub.conv["token"], "internal": INTERNAL_TOKEN}
    headers = list(extra)
    if auth is not None:
        headers.append((b"Authorization", b"Bearer " + tokens[auth].encode() if auth in tokens else auth))
    target = prefix + urllib.parse.quote(path_id, safe="") + tail
    if after is not None:
        target += "?after=" + urllib.parse.quote(after, safe="")
    status, response_headers, payload = raw_request(hub.port, method, target, headers, b"{}")
    assert status < 500, f"{method} {target} {headers}: {status} {payload[:300]!r}"
    if status >= 400 and response_headers.get("content-type", "").startswith("application/json"):
        code = json.loads(payload).get("error")
        assert code in CODES, f"{method} {target}: undocumented error code {code!r}"


frames = st.one_of(
    objects.map(lambda o: json.dumps(o, ensure_ascii=True)),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["message", "typing", "heartbeat", "presence"])},
        optional={
            "text": values,
            "client_id": values,
            "payload": values,
            "status": values,
            "conversation_id": values,
        },
    ).map(lambda o: json.dumps(o, ensure_ascii=True)),
    st.text(max_size=100),
    st.integers(min_value=1, max_value=5000).map(lambda n: "[" * n + "]" * n),
    st.binary(max_size=64),
)


@FUZZ
@given(batch=st.lists(frames, min_size=1, max_size=5))
def test_customer_socket_frames_get_an_answer_and_the_socket_lives_on(hub, batch):
    cid = hub.conv["conversation_id"]
    url = f"{hub.ws_url}/v1/conversations/{cid}/stream?token={hub.conv['token']}&after={'9' * 13}-0"
    with connect(url, open_timeout=5, close_timeout=2) as ws:
        for frame in batch:
            ws.send(frame)
        probe = str(uuid.uuid4())
        ws.send(json.dumps({"type": "message", "text": "sonda", "client_id": probe}))
        while True:  # every refusal is documented; the probe is still acknowledged
            message = json.loads(ws.recv(timeout=5))
            if message.get("type") == "error":
                assert message["code"] in CODES, message
            if message.get("type") == "ack" and message.get("client_id") == probe:
                break


@FUZZ
@given(batch=st.lists(frames, min_size=1, max_size=5))
def test_agent_socket_frames_get_an_answer_and_the_socket_lives_on(hub, batch):
    with connect(
        f"{hub.ws_url}/v1/agent/stream?token={hub.agent_token}", open_timeout=5, close_timeout=2
    ) as ws:
        for frame in batch:
            ws.send(frame)
        ws.send(json.dumps({"type": "heartbeat"}))
        while True:
            message = json.loads(ws.recv(timeout=5))
            if message.get("type") == "error":
                assert message["code"] in CODES, message
            if message.get("type") == "heartbeat":
                break


def test_after_the_fuzzing_the_hub_still_serves_everyone(hub):
    assert hub.http.get("/v1/health").status_code == 200
    conv = hub.http.post("/v1/conversations", json={}).json()
    ack = hub.http.post(
        f"/v1/conversations/{conv['conversation_id']}/messages",
        json={"text": "ciao", "client_id": str(uuid.uuid4())},
        headers={"Authorization": f"Bearer {conv['token']}"},
    )
    assert ack.status_code == 201
    assert hub.process.poll() is None, "the hub process died"
    assert "Traceback" not in hub.output(), hub.output()[-3000:]
