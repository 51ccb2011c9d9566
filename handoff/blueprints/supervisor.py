"""Supervisor protocol v1 (docs/api.md, "Supervisors"): the team and reassigning conversations.
Every route needs a supervisor's token (an agent's or an editor's gets 403)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import empty
from sanic.response import json as json_response

from handoff.blueprints.common import read_json

bp = Blueprint("supervisor", url_prefix="/v1/supervisor")


@bp.get("/agents", ctx_auth="supervisor")
async def team(request: Request):
    """Every account: role, skills, capacity, presence (online, away, offline), load, disabled."""
    return json_response({"agents": await request.app.ctx.hub.team.view()})


@bp.post("/agents", ctx_auth="supervisor")
async def add(request: Request):
    """A new account: email, name, password (8+ characters), role, skills, capacity, gender."""
    return json_response({"agent": await request.app.ctx.hub.team.add(read_json(request))}, status=201)


@bp.post("/agents/<agent_id:str>", ctx_auth="supervisor")
async def update(request: Request, agent_id: str):
    """Change name, skills, capacity, role, gender, or disable/enable (`disabled`)."""
    body = read_json(request)
    return json_response({"agent": await request.app.ctx.hub.team.update(agent_id, body, request.ctx.agent)})


@bp.post("/agents/<agent_id:str>/password", ctx_auth="supervisor")
async def password(request: Request, agent_id: str):
    """A new password (the account's consoles are signed out)."""
    await request.app.ctx.hub.team.reset_password(agent_id, read_json(request).get("password"))
    return empty()


@bp.post("/conversations/<conversation_id:str>/reassign", ctx_auth="supervisor")
async def reassign(request: Request, conversation_id: str):
    """Move a conversation to another agent (`agent_id`, optional `reason` the customer reads)."""
    body = read_json(request)
    view = await request.app.ctx.hub.desk.reassign(
        conversation_id, request.ctx.agent, body.get("agent_id"), body.get("reason")
    )
    return json_response({"conversation": view})
