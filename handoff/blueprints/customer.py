"""Customer protocol v1: conversations, their event stream (WebSocket or HTTP) and messages."""

from __future__ import annotations

import asyncio
import secrets
import time

from redis.exceptions import RedisError
from sanic import Blueprint, Request
from sanic.response import json as json_response

from handoff import validation
from handoff.blueprints.common import SocketWriter, read_frame, read_json
from handoff.errors import ClientError
from handoff.ids import stream_order

bp = Blueprint("customer", url_prefix="/v1/conversations")
POLL_SECONDS = 5.0
PAGE_ALIVE_SECONDS = 15.0


def _after(request: Request) -> str | None:
    return validation.stream_id(request.args.get("after"))


@bp.post("")
async def create_conversation(request: Request):
    """Start a conversation; a returning browser sends its visitor_token back."""
    body = read_json(request, required=False)
    customers = request.app.ctx.hub.customers
    created = await customers.start(
        body.get("visitor_token"), request.remote_addr or request.ip, body.get("customer_token")
    )
    return json_response(created, status=201)


@bp.post("/resume")
async def resume(request: Request):
    """A link from an e-mail (`{"link": token}`) reopens its conversation in this browser."""
    body = read_json(request)
    customers = request.app.ctx.hub.customers
    return json_response(await customers.resume(body.get("link"), request.remote_addr or request.ip))


@bp.get("/<conversation_id:str>/events", ctx_auth="conversation")
async def events(request: Request, conversation_id: str):
    """The conversation's events after `after` (all when absent), over plain HTTP."""
    after = _after(request)
    return json_response({"events": await request.app.ctx.hub.customers.events_after(conversation_id, after)})


@bp.post("/<conversation_id:str>/messages", ctx_auth="conversation")
async def post_message(request: Request, conversation_id: str):
    """Same body as a WebSocket message; answers with the ack once the message is stored."""
    customers = request.app.ctx.hub.customers
    ack = await customers.message(conversation_id, request.ctx.visitor_id, read_json(request))
    return json_response(ack, status=201)


@bp.websocket("/<conversation_id:str>/stream", ctx_auth="conversation")
async def stream(request: Request, ws, conversation_id: str):
    """Replay events after `after`, then live events; accepts messages and typing."""
    reject = getattr(request.ctx, "ws_reject", None)
    if reject is not None:  # bad token (4401) or unknown conversation (4404): nothing is sent
        await ws.close(code=reject[0], reason=reject[1])
        return
    customers = request.app.ctx.hub.customers
    writer = SocketWriter(ws)
    try:
        after = _after(request)
    except ClientError as exc:
        await writer.send({"type": "error", "code": exc.code, "message": exc.message})
        await ws.close(code=1008, reason=exc.code)
        await writer.stop()
        return
    state = {"last": after}
    wake = asyncio.Event()
    catching = asyncio.Lock()

    async def catch_up() -> None:
        async with catching:
            for event in await customers.events_after(conversation_id, state["last"]):
                writer.post(event)
                state["last"] = event["id"]

    async def pump() -> None:
        while not writer.closed:
            try:
                async with asyncio.timeout(POLL_SECONDS):
                    await wake.wait()
            except TimeoutError:
                pass
            wake.clear()
            try:
                await catch_up()
            except RedisError:  # Redis hiccup: try again on the next wake-up or poll
                await asyncio.sleep(0.5)

    socket_id = secrets.token_hex(8)

    async def alive() -> None:
        """The customer's page is open (and has shown every event up to the last sent): an agent's
        reply is not e-mailed to someone who is reading it here."""
        while not writer.closed:
            try:
                await customers.page_open(conversation_id, socket_id, state["last"])
            except RedisError:
                pass
            await asyncio.sleep(PAGE_ALIVE_SECONDS)

    def deliver(event: dict, prev: str) -> bool:
        """Send a live event at once if it follows the last one sent (no read of the stream);
        True also for one sent already (it comes both locally and through pub/sub)."""
        last = state["last"] or ""
        if last and stream_order(event.get("id", "")) <= stream_order(last):
            return True
        if prev != last or catching.locked():  # a gap, or a catch-up is reading: it will send it
            return False
        writer.post(event)
        state["last"] = event["id"]
        return True

    remove = customers.subscribe(conversation_id, wake=wake.set, post=writer.post, deliver=deliver)
    await catch_up()
    pump_task = asyncio.create_task(pump())
    alive_task = asyncio.create_task(alive())
    last_typing = 0.0
    try:
        async for raw in ws:
            try:
                data = read_frame(raw)
            except ClientError as exc:
                writer.post({"type": "error", "code": exc.code, "message": exc.message})
                continue
            kind = data.get("type")
            if kind == "message":
                try:
                    ack = await customers.message(conversation_id, request.ctx.visitor_id, data)
                except ClientError as exc:
                    error = {"type": "error", "code": exc.code, "message": exc.message}
                    if isinstance(data.get("client_id"), str):
                        error["client_id"] = data["client_id"][:64]
                    writer.post(error)
                    continue
                # (the message itself was offered to this socket as it was stored: `deliver`)
                writer.post(ack)
            elif kind == "typing":
                now = time.monotonic()
                if now - last_typing >= 1.0:
                    last_typing = now
                    await customers.typing(conversation_id)
            else:
                writer.post(
                    {
                        "type": "error",
                        "code": "unknown_type",
                        "message": "type must be 'message' or 'typing'",
                    }
                )
    finally:
        remove()
        pump_task.cancel()
        alive_task.cancel()
        try:
            await customers.page_closed(conversation_id, socket_id, state["last"])
        except RedisError:
            pass
        await writer.stop()
