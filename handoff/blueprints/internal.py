"""Internal API for the Rasa action server (Authorization: Bearer $HUB_INTERNAL_TOKEN)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import json as json_response

from handoff.blueprints.common import read_json

bp = Blueprint("internal", url_prefix="/v1/internal")


@bp.post("/conversations/<conversation_id:str>/handoff", ctx_auth="internal")
async def handoff(request: Request, conversation_id: str):
    """Open (or return the already open) hand-off of a conversation."""
    body = read_json(request)
    result = await request.app.ctx.hub.router.open_handoff(
        conversation_id,
        body.get("reason"),
        body.get("summary"),
        ticket_id=body.get("ticket_id"),
        priority=body.get("priority"),
    )
    return json_response(result)


@bp.get("/tickets/<ticket_id:str>", ctx_auth="internal")
async def ticket(request: Request, ticket_id: str):
    return json_response(await request.app.ctx.hub.cases.ticket(ticket_id))


@bp.post("/conversations/<conversation_id:str>/rating", ctx_auth="internal")
async def rating(request: Request, conversation_id: str):
    body = read_json(request)
    return json_response(await request.app.ctx.hub.ratings.rate(conversation_id, body.get("rating")))


@bp.post("/conversations/<conversation_id:str>/order-lookups", ctx_auth="internal")
async def order_lookup(request: Request, conversation_id: str):
    """Count an order lookup (`kind: lookup`) or a failed proof of an order (`kind: failed_proof`)
    of this conversation's visitor: 200 while within the limits, 429 (Retry-After) past them."""
    body = read_json(request)
    return json_response(await request.app.ctx.hub.cases.order_lookup(conversation_id, body.get("kind")))
