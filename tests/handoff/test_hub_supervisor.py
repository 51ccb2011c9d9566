"""Roles and the supervisor's team (docs/api.md, "Roles" and "Supervisors"): every route checks the
role; a supervisor adds, changes, disables accounts, resets passwords and reassigns conversations;
an editor takes no conversations."""

from __future__ import annotations

import uuid

from tests.handoff.helpers import PASSWORD


async def _signed_in(running, name: str, role: str):
    agent = await running.add_agent(name, role=role)
    token = await running.login(agent.email)
    return agent, {"Authorization": f"Bearer {token}"}


async def test_every_supervisor_route_refuses_agents_editors_and_strangers(running):
    _, agent = await _signed_in(running, "Serena", "agent")
    _, editor = await _signed_in(running, "Paolo", "editor")
    boss, supervisor = await _signed_in(running, "Giovanna", "supervisor")
    routes = [
        ("get", "/v1/supervisor/agents", None),
        (
            "post",
            "/v1/supervisor/agents",
            {"email": "x@sportello.example", "name": "X", "password": PASSWORD},
        ),
        ("post", f"/v1/supervisor/agents/{boss.id}", {"capacity": 5}),
        ("post", f"/v1/supervisor/agents/{boss.id}/password", {"password": "un-altra-password"}),
        ("post", "/v1/supervisor/conversations/c_0123456789abcdef0123/reassign", {"agent_id": boss.id}),
    ]
    for method, path, body in routes:
        for headers, status in ((agent, 403), (editor, 403), ({}, 401)):
            kwargs = {"headers": headers} | ({"json": body} if body is not None else {})
            response = await getattr(running.http, method)(path, **kwargs)
            assert response.status_code == status, (path, headers, response.text)
            assert response.json()["error"] in ("forbidden", "unauthorized")
    # nothing changed on the way: no account X, Giovanna's capacity and password as they were
    team = (await running.http.get("/v1/supervisor/agents", headers=supervisor)).json()["agents"]
    assert {a["name"] for a in team} == {"Serena", "Paolo", "Giovanna"}
    assert next(a for a in team if a["id"] == boss.id)["capacity"] == 3
    assert (
        await running.http.post("/v1/agent/login", json={"email": boss.email, "password": PASSWORD})
    ).status_code == 200


async def test_an_editor_signs_in_but_reaches_no_conversation_and_is_never_routed_one(running, fake_rasa):
    editor, headers = await _signed_in(running, "Paolo", "editor")
    me = await running.http.get("/v1/agent/me", headers=headers)
    assert me.status_code == 200 and me.json()["role"] == "editor"
    assert (await running.http.get("/v1/agent/conversations", headers=headers)).status_code == 403
    assert (
        await running.http.post("/v1/agent/presence", json={"status": "online"}, headers=headers)
    ).status_code == 403
    # even marked online behind the API's back, an editor takes nothing and makes no one wait for them
    await running.hub.stores.agents.set_presence(editor.id, "online")
    conv = await running.new_conversation()
    await running.handoff(conv["conversation_id"], {"reason": "request_human"})
    found = await running.hub.stores.conversations.get(conv["conversation_id"])
    assert found.agent_id == "" and found.status == "offline"
    assert (await running.http.post("/v1/agent/logout", headers=headers)).status_code == 200


async def test_a_supervisor_manages_the_team(running):
    boss, headers = await _signed_in(running, "Giovanna", "supervisor")
    added = await running.http.post(
        "/v1/supervisor/agents",
        json={
            "email": "Luca@Sportello.example",
            "name": "Luca",
            "password": PASSWORD,
            "skills": ["item_damaged"],
            "capacity": 2,
        },
        headers=headers,
    )
    assert added.status_code == 201, added.text
    luca = added.json()["agent"]
    assert (
        luca["email"] == "luca@sportello.example"
        and luca["role"] == "agent"
        and luca["skills"] == ["item_damaged"]
    )
    token = await running.login("luca@sportello.example")
    luca_headers = {"Authorization": f"Bearer {token}"}
    await running.http.post("/v1/agent/presence", json={"status": "online"}, headers=luca_headers)

    team = (await running.http.get("/v1/supervisor/agents", headers=headers)).json()["agents"]
    row = next(a for a in team if a["id"] == luca["id"])
    assert row["presence"] == "online" and row["load"] == 0 and row["disabled"] is False

    changed = await running.http.post(
        f"/v1/supervisor/agents/{luca['id']}",
        json={"capacity": 4, "skills": [], "role": "supervisor"},
        headers=headers,
    )
    assert changed.status_code == 200 and changed.json()["agent"]["capacity"] == 4
    assert changed.json()["agent"]["role"] == "supervisor"
    assert (await running.http.get("/v1/supervisor/agents", headers=luca_headers)).status_code == 200

    # bad input: a clear error, nothing changed
    for body in (
        {"capacity": 0},
        {"capacity": "4"},
        {"role": "boss"},
        {"skills": "all"},
        {"nome": "x"},
        {"disabled": "yes"},
    ):
        bad = await running.http.post(f"/v1/supervisor/agents/{luca['id']}", json=body, headers=headers)
        assert bad.status_code == 400, (body, bad.text)
        assert bad.json()["error"].startswith("invalid_")
    for body in (
        {"email": "luca@sportello.example", "name": "Altro", "password": PASSWORD},  # taken
        {"email": "nuovo@sportello.example", "name": "Nuovo", "password": "corta"},
        {"email": "non-una-mail", "name": "Nuovo", "password": PASSWORD},
    ):
        assert (
            await running.http.post("/v1/supervisor/agents", json=body, headers=headers)
        ).status_code == 400
    team_after = (await running.http.get("/v1/supervisor/agents", headers=headers)).json()["agents"]
    assert len(team_after) == 2 and next(a for a in team_after if a["id"] == luca["id"])["capacity"] == 4
    assert (
        await running.http.post("/v1/supervisor/agents/ag_nobody", json={"capacity": 2}, headers=headers)
    ).status_code == 404

    # a supervisor cannot lock themselves out
    selfish = await running.http.post(
        f"/v1/supervisor/agents/{boss.id}", json={"disabled": True}, headers=headers
    )
    assert selfish.status_code == 409

    # a new password signs the account's tokens out; the new one works
    reset = await running.http.post(
        f"/v1/supervisor/agents/{luca['id']}/password", json={"password": "nuova-password-1"}, headers=headers
    )
    assert reset.status_code == 204
    assert (await running.http.get("/v1/agent/me", headers=luca_headers)).status_code == 401
    assert (
        await running.http.post(
            "/v1/agent/login", json={"email": "luca@sportello.example", "password": "nuova-password-1"}
        )
    ).status_code == 200

    # disabled: cannot sign in, takes nothing; enabled again: can
    off = await running.http.post(
        f"/v1/supervisor/agents/{luca['id']}", json={"disabled": True}, headers=headers
    )
    assert off.status_code == 200 and off.json()["agent"]["disabled"] is True
    assert (
        await running.http.post(
            "/v1/agent/login", json={"email": "luca@sportello.example", "password": "nuova-password-1"}
        )
    ).status_code == 401
    await running.http.post(f"/v1/supervisor/agents/{luca['id']}", json={"disabled": False}, headers=headers)
    assert (
        await running.http.post(
            "/v1/agent/login", json={"email": "luca@sportello.example", "password": "nuova-password-1"}
        )
    ).status_code == 200


async def test_a_supervisor_reassigns_a_conversation_and_the_customer_is_told(running, fake_rasa):
    serena = await running.online_agent("Serena")
    _, headers = await _signed_in(running, "Giovanna", "supervisor")
    conv = await running.new_conversation()
    cid = conv["conversation_id"]
    await running.handoff(cid, {"reason": "problem", "summary": {"problem_type": "item_damaged"}})
    assert (await running.hub.stores.conversations.get(cid)).agent_id == serena.agent.id
    marco = await running.online_agent("Marco")
    moved = await running.http.post(
        f"/v1/supervisor/conversations/{cid}/reassign", json={"agent_id": marco.agent.id}, headers=headers
    )
    assert moved.status_code == 200, moved.text
    assert (await running.hub.stores.conversations.get(cid)).agent_id == marco.agent.id
    events = await running.wait_events(conv, lambda ev: any("Marco" in str(e.get("text", "")) for e in ev))
    assert any(e.get("from") == "bot" and "Marco" in e.get("text", "") for e in events)
    # Marco can answer; Serena no longer can
    ok = await marco.post(
        f"/conversations/{cid}/messages", {"text": "Eccomi", "client_id": str(uuid.uuid4())}
    )
    assert ok.status_code == 201
    late = await serena.post(
        f"/conversations/{cid}/messages", {"text": "Ci sono io", "client_id": str(uuid.uuid4())}
    )
    assert late.status_code == 409
    # not to an editor, not to nobody, not a conversation nobody holds
    editor, _ = await _signed_in(running, "Paolo", "editor")
    to_editor = await running.http.post(
        f"/v1/supervisor/conversations/{cid}/reassign", json={"agent_id": editor.id}, headers=headers
    )
    assert to_editor.status_code == 404
    other = await running.new_conversation()
    unheld = await running.http.post(
        f"/v1/supervisor/conversations/{other['conversation_id']}/reassign",
        json={"agent_id": marco.agent.id},
        headers=headers,
    )
    assert unheld.status_code == 409
