"""Internal API for the Rasa action server (Authorization: Bearer $HUB_INTERNAL_TOKEN)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import json as json_response

from handoff.blueprints.common import read_json
from handoff.errors import ClientError, NotFound
from handoff.ids import is_ticket_id

bp = Blueprint("internal", url_prefix="/v1/internal")


@bp.post("/conversations/<conversation_id:str>/handoff", ctx_auth="internal")
async def handoff(request: Request, conversation_id: str):
    """Open (or return the already open) hand-off of a conversation."""
    body = read_json(request)
    reason = body.get("reason")
    if not isinstance(reason, str):
        raise ClientError("invalid_reason", "reason is required")
    ticket_id = body.get("ticket_id")
    if ticket_id == "":
        ticket_id = None
    if isinstance(ticket_id, str):
        ticket_id = ticket_id.strip().upper()
    result = await request.app.ctx.hub.handoff(
        conversation_id,
        reason,
        body.get("summary"),
        ticket_id=ticket_id,
        priority=body.get("priority"),
    )
    return json_response(result)


@bp.get("/tickets/<ticket_id:str>", ctx_auth="internal")
async def ticket(request: Request, ticket_id: str):
    ticket_id = ticket_id.strip().upper()
    found = await request.app.ctx.hub.tickets.get(ticket_id) if is_ticket_id(ticket_id) else None
    if found is None:
        raise NotFound("ticket_not_found", "no ticket with this code")
    return json_response(found)


@bp.post("/conversations/<conversation_id:str>/rating", ctx_auth="internal")
async def rating(request: Request, conversation_id: str):
    body = read_json(request)
    return json_response(await request.app.ctx.hub.rate(conversation_id, body.get("rating")))
