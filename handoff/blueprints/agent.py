"""Agent protocol v1: login, the console's live stream and the conversation actions."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

from redis.exceptions import RedisError
from sanic import Blueprint, Request
from sanic.response import json as json_response

from handoff.blueprints.common import SocketWriter, read_frame, read_json
from handoff.errors import ClientError
from handoff.store.agents import PRESENCE

bp = Blueprint("agent", url_prefix="/v1/agent")
log = logging.getLogger("handoff.agent")


@bp.post("/login")
async def login(request: Request):
    """E-mail and password → a signed, expiring token (same 401 for every kind of failure)."""
    hub = request.app.ctx.hub
    body = read_json(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
        raise ClientError("invalid_credentials", "email and password are required")
    ip = request.remote_addr or request.ip or "-"
    limit = hub.settings.rate_logins_per_minute
    if not await hub.limits.hit("login", f"{email.strip().lower()}|{ip}", limit):
        raise ClientError("rate_limited", "too many login attempts; retry in a minute", 429)
    agent = await hub.agents.authenticate(email, password)
    if agent is None:
        raise ClientError("invalid_credentials", "wrong e-mail or password", 401)
    return json_response(hub.issue_agent_token(agent))


@bp.get("/me", ctx_auth="agent")
async def me(request: Request):
    hub = request.app.ctx.hub
    agent = request.ctx.agent
    return json_response(
        {
            **agent.public(),
            "presence": await hub.agents.presence(agent.id),
            "load": await hub.agents.load(agent.id),
        }
    )


@bp.post("/presence", ctx_auth="agent")
async def presence(request: Request):
    hub = request.app.ctx.hub
    status = read_json(request).get("status")
    if status not in PRESENCE:
        raise ClientError("invalid_presence", "status must be online, away or offline")
    await hub.agent_online(request.ctx.agent.id, status)
    return json_response({"status": status})


@bp.get("/agents", ctx_auth="agent")
async def agents(request: Request):
    return json_response({"agents": await request.app.ctx.hub.agents_view()})


@bp.get("/csat", ctx_auth="agent")
async def csat(request: Request):
    return json_response(await request.app.ctx.hub.csat())


@bp.get("/canned", ctx_auth="agent")
async def canned(request: Request):
    hub = request.app.ctx.hub
    return json_response({"canned": hub.responses.canned(hub.canned_selection)})


@bp.get("/conversations", ctx_auth="agent")
async def conversations(request: Request):
    hub = request.app.ctx.hub
    status = request.args.get("status", "assigned")
    scope = request.args.get("scope", "mine")
    if scope not in ("mine", "all"):
        raise ClientError("invalid_scope", "scope must be mine or all")
    items = await hub.list_conversations(request.ctx.agent, status, scope)
    return json_response({"conversations": items})


@bp.get("/conversations/<conversation_id:str>", ctx_auth="agent")
async def conversation(request: Request, conversation_id: str):
    return json_response(await request.app.ctx.hub.conversation_detail(conversation_id))


@bp.post("/conversations/<conversation_id:str>/claim", ctx_auth="agent")
async def claim(request: Request, conversation_id: str):
    view = await request.app.ctx.hub.claim(conversation_id, request.ctx.agent)
    return json_response({"conversation": view})


@bp.post("/conversations/<conversation_id:str>/messages", ctx_auth="agent")
async def message(request: Request, conversation_id: str):
    ack = await request.app.ctx.hub.agent_message(conversation_id, request.ctx.agent, read_json(request))
    return json_response(ack, status=201)


@bp.post("/conversations/<conversation_id:str>/notes", ctx_auth="agent")
async def note(request: Request, conversation_id: str):
    body = read_json(request)
    saved = await request.app.ctx.hub.add_note(conversation_id, request.ctx.agent, body.get("text"))
    return json_response({"note": saved}, status=201)


@bp.post("/conversations/<conversation_id:str>/transfer", ctx_auth="agent")
async def transfer(request: Request, conversation_id: str):
    body = read_json(request)
    view = await request.app.ctx.hub.transfer(
        conversation_id, request.ctx.agent, body.get("agent_id"), body.get("note")
    )
    return json_response({"conversation": view})


@bp.post("/conversations/<conversation_id:str>/resolve", ctx_auth="agent")
async def resolve(request: Request, conversation_id: str):
    body = read_json(request, required=False)
    view = await request.app.ctx.hub.resolve(conversation_id, request.ctx.agent, body.get("note"))
    return json_response({"conversation": view})


@bp.websocket("/stream", ctx_auth="agent")
async def stream(request: Request, ws):
    """Presence, queue changes, assignments and every event of this agent's conversations."""
    hub = request.app.ctx.hub
    agent = request.ctx.agent
    writer = SocketWriter(ws)

    async def on_bus(data: dict) -> None:
        kind = data.get("k")
        if kind == "event":
            if data.get("a") == agent.id or data.get("s") in ("queued", "offline"):
                writer.post({"type": "event", "conversation_id": data["c"], "event": data["e"]})
        elif kind == "typing" and data.get("from") == "customer" and data.get("a") == agent.id:
            writer.post({"type": "typing", "conversation_id": data["c"], "from": "customer"})
        elif kind == "agent" and data.get("to") in (None, agent.id):
            writer.post(data["m"])

    socket_id = secrets.token_urlsafe(8)

    async def keep_alive() -> None:
        while True:
            await asyncio.sleep(max(0.2, hub.settings.heartbeat_timeout / 3))
            await hub.agents.socket_alive(agent.id, socket_id)

    remove = hub.bus.listen_agents(on_bus)
    await hub.agents.socket_alive(agent.id, socket_id)
    alive = asyncio.create_task(keep_alive())
    try:
        writer.post({"type": "hello", "agent": agent.public(), "presence": "online"})
        writer.post({"type": "queue", "items": await hub.queue_items()})
        await hub.agent_online(agent.id, "online")  # connecting marks the agent online
        async for raw in ws:
            try:
                data = read_frame(raw)
            except ClientError as exc:
                writer.post({"type": "error", "code": exc.code, "message": exc.message})
                continue
            kind = data.get("type")
            if kind == "heartbeat":
                await hub.agents.socket_alive(agent.id, socket_id)
                writer.post({"type": "heartbeat", "ts": time.time()})
            elif kind == "presence":
                if data.get("status") not in ("online", "away"):
                    writer.post(
                        {
                            "type": "error",
                            "code": "invalid_presence",
                            "message": "status must be online or away",
                        }
                    )
                    continue
                await hub.agent_online(agent.id, data["status"])
            elif kind == "typing":
                cid = data.get("conversation_id")
                conv_agent = (
                    await hub.r.hget(hub.keys.conv(cid), "agent_id") if isinstance(cid, str) else None
                )
                if conv_agent != agent.id:
                    writer.post(
                        {
                            "type": "error",
                            "code": "not_assigned",
                            "message": "not your conversation",
                        }
                    )
                    continue
                await hub.typing(cid, "agent", agent.name)
            else:
                writer.post(
                    {
                        "type": "error",
                        "code": "unknown_type",
                        "message": "type must be heartbeat, presence or typing",
                    }
                )
    finally:
        remove()
        alive.cancel()
        await writer.stop()
        try:
            # offline (grace period starts) only when no console of this agent is open anywhere
            if await hub.agents.socket_closed(agent.id, socket_id):
                await hub.agents.mark_gone(agent.id)
                await hub.notify_agent(None, {"type": "agents", "agents": await hub.agents_view()})
        except RedisError:  # Redis gone: the missed heartbeat marks the agent offline anyway
            log.warning("could not record that agent %s left", agent.id)
