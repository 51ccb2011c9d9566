"""Agent protocol v1: login, the console's live stream and the conversation actions."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

from redis.exceptions import RedisError
from sanic import Blueprint, Request
from sanic.response import json as json_response

from handoff import validation
from handoff.blueprints.common import WS_UNAUTHORIZED, SocketWriter, bearer, read_frame, read_json
from handoff.errors import ClientError
from handoff.states import Status
from handoff.tokens import TokenError

bp = Blueprint("agent", url_prefix="/v1/agent")
log = logging.getLogger("handoff.agent")


@bp.post("/login")
async def login(request: Request):
    """E-mail and password → a signed, expiring token (same 401 for every kind of failure)."""
    hub = request.app.ctx.hub
    body = read_json(request)
    ip = request.remote_addr or request.ip or "-"
    agent = await hub.desk.login(body.get("email"), body.get("password"), ip)
    return json_response(hub.auth.issue_agent_token(agent))


@bp.post("/logout", ctx_auth="staff")
async def logout(request: Request):
    """Sign this token out now (it is refused from here on, also on open sockets)."""
    await request.app.ctx.hub.desk.sign_out(request.ctx.agent, request.ctx.agent_token)
    return json_response({"status": "signed_out"})


@bp.get("/me", ctx_auth="staff")
async def me(request: Request):
    hub = request.app.ctx.hub
    # `content`: the content release live (make ship), null while the hub says its own domain.yml
    return json_response({**await hub.desk.me(request.ctx.agent), "content": hub.content.current()})


@bp.post("/presence", ctx_auth="agent")
async def presence(request: Request):
    status = read_json(request).get("status")
    await request.app.ctx.hub.desk.set_presence(request.ctx.agent, status)
    return json_response({"status": status})


@bp.get("/agents", ctx_auth="agent")
async def agents(request: Request):
    return json_response({"agents": await request.app.ctx.hub.console.agents_view()})


@bp.get("/csat", ctx_auth="agent")
async def csat(request: Request):
    return json_response(await request.app.ctx.hub.console.csat())


@bp.get("/canned", ctx_auth="agent")
async def canned(request: Request):
    cid = request.args.get("conversation_id") or None
    if cid is not None:
        validation.conversation_id(cid)
    return json_response({"canned": await request.app.ctx.hub.console.canned(cid)})


@bp.get("/conversations", ctx_auth="agent")
async def conversations(request: Request):
    status = request.args.get("status", Status.ASSIGNED)
    scope = request.args.get("scope", "mine")
    items = await request.app.ctx.hub.console.list_conversations(request.ctx.agent, status, scope)
    return json_response({"conversations": items})


@bp.get("/conversations/<conversation_id:str>", ctx_auth="agent")
async def conversation(request: Request, conversation_id: str):
    return json_response(await request.app.ctx.hub.console.conversation_detail(conversation_id))


@bp.post("/conversations/<conversation_id:str>/claim", ctx_auth="agent")
async def claim(request: Request, conversation_id: str):
    view = await request.app.ctx.hub.desk.claim(conversation_id, request.ctx.agent)
    return json_response({"conversation": view})


@bp.post("/conversations/<conversation_id:str>/messages", ctx_auth="agent")
async def message(request: Request, conversation_id: str):
    ack = await request.app.ctx.hub.desk.message(conversation_id, request.ctx.agent, read_json(request))
    return json_response(ack, status=201)


@bp.post("/conversations/<conversation_id:str>/notes", ctx_auth="agent")
async def note(request: Request, conversation_id: str):
    body = read_json(request)
    saved = await request.app.ctx.hub.desk.add_note(conversation_id, request.ctx.agent, body.get("text"))
    return json_response({"note": saved}, status=201)


@bp.post("/conversations/<conversation_id:str>/transfer", ctx_auth="agent")
async def transfer(request: Request, conversation_id: str):
    body = read_json(request)
    view = await request.app.ctx.hub.desk.transfer(
        conversation_id, request.ctx.agent, body.get("agent_id"), body.get("note"), body.get("reason")
    )
    return json_response({"conversation": view})


@bp.post("/conversations/<conversation_id:str>/resolve", ctx_auth="agent")
async def resolve(request: Request, conversation_id: str):
    body = read_json(request, required=False)
    view = await request.app.ctx.hub.desk.resolve(
        conversation_id, request.ctx.agent, body.get("note"), body.get("after"), body.get("outcome")
    )
    return json_response({"conversation": view})


@bp.post("/conversations/<conversation_id:str>/release", ctx_auth="agent")
async def release(request: Request, conversation_id: str):
    view = await request.app.ctx.hub.desk.release(conversation_id, request.ctx.agent)
    return json_response({"conversation": view})


@bp.post("/conversations/<conversation_id:str>/read", ctx_auth="agent")
async def read(request: Request, conversation_id: str):
    return json_response(await request.app.ctx.hub.desk.mark_read(conversation_id, request.ctx.agent))


@bp.websocket("/stream", ctx_auth="agent")
async def stream(request: Request, ws):
    """Presence, queue changes, assignments and every event of this agent's conversations."""
    reject = getattr(request.ctx, "ws_reject", None)
    if reject is not None:  # a bad token: 4401 (a browser cannot read a refused handshake)
        await ws.close(code=reject[0], reason=reject[1])
        return
    hub = request.app.ctx.hub
    desk = hub.desk
    agent = request.ctx.agent
    token = bearer(request, allow_query=True)
    writer = SocketWriter(ws)
    socket_id = secrets.token_urlsafe(8)
    revoked = asyncio.Event()

    async def recheck() -> None:
        """The token is checked again: on every keep-alive tick, at its expiry, on a revocation."""
        try:
            await hub.auth.agent_session(token)
        except TokenError:
            revoked.set()

    async def keep_alive() -> None:
        interval = max(0.2, min(hub.settings.heartbeat_timeout / 3, hub.settings.agent_recheck_seconds))
        while not revoked.is_set():
            left = float(request.ctx.agent_token.get("exp", 0)) - time.time()
            try:  # asyncio.timeout, not wait_for: a cancel landing on the time-out is never lost
                async with asyncio.timeout(max(0.05, min(interval, left + 0.05))):
                    await revoked.wait()
            except TimeoutError:
                pass
            await recheck()
            if not revoked.is_set() and not writer.closed:
                await desk.console_alive(agent, socket_id)
        writer.closed = True
        await ws.close(code=WS_UNAUTHORIZED, reason="unauthorized")

    remove = desk.subscribe(agent, writer.post, recheck)
    await desk.console_alive(agent, socket_id)
    alive = asyncio.create_task(keep_alive())
    try:
        writer.post(
            {
                "type": "hello",
                "agent": agent.public(),
                "presence": "online",
                "reply_targets": desk.reply_targets(),
                "states": hub.stores.rules.as_dict(),
                "lists": list(hub.console.list_names()),
                "content": hub.content.current(),
            }
        )
        writer.post({"type": "queue", "items": await hub.console.queue_items()})
        await desk.console_opened(agent, socket_id)  # connecting marks the agent online
        async for raw in ws:
            if revoked.is_set():
                break
            try:
                data = read_frame(raw)
                kind = data.get("type")
                if kind == "heartbeat":
                    await desk.console_alive(agent, socket_id)
                    writer.post({"type": "heartbeat", "ts": time.time()})
                elif kind == "presence":
                    await desk.set_presence(agent, data.get("status"), allowed=("online", "away"))
                elif kind == "typing":
                    await desk.typing(data.get("conversation_id"), agent)
                else:
                    raise ClientError("unknown_type", "type must be heartbeat, presence or typing")
            except ClientError as exc:
                writer.post({"type": "error", "code": exc.code, "message": exc.message})
            except RedisError:  # Redis away for a moment: this frame fails, the socket stays
                log.warning("a frame of agent %s failed: Redis unavailable", agent.id)
                writer.post({"type": "error", "code": "unavailable", "message": "try again in a moment"})
            except Exception:  # one bad frame never closes an agent's console
                log.exception("a frame of agent %s failed", agent.id)
                writer.post(
                    {"type": "error", "code": "internal", "message": "something went wrong on our side"}
                )
    finally:
        remove()
        writer.closed = True  # no more signs of life from this socket, whatever is in flight
        alive.cancel()
        await writer.stop()
        try:
            await desk.console_closed(agent, socket_id)
        except RedisError:  # Redis gone: the missed heartbeat marks the agent offline anyway
            log.warning("could not record that agent %s left", agent.id)
