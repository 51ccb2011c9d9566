"""Reports (docs/api.md, "Reports"; docs/reports.md defines the figures): supervisor token only."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import json as json_response

bp = Blueprint("reports", url_prefix="/v1/reports")


@bp.get("/summary", ctx_auth="supervisor")
async def summary(request: Request):
    reports = request.app.ctx.hub.reports
    return json_response(await reports.summary(reports.query(request.args)))


@bp.get("/conversations", ctx_auth="supervisor")
async def conversations(request: Request):
    reports = request.app.ctx.hub.reports
    metric = str(request.args.get("metric") or "all")
    return json_response(await reports.conversations(reports.query(request.args), metric))


@bp.get("/conversations.csv", ctx_auth="supervisor")
async def conversations_csv(request: Request):
    """Streamed: a chunk per batch of rows, memory flat in the number of rows."""
    reports = request.app.ctx.hub.reports
    query = reports.query(request.args)  # a bad query is a 400 before anything is sent
    name = f"conversazioni-{query.first.isoformat()}-{query.last.isoformat()}.csv"
    response = await request.respond(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
    async for chunk in reports.csv(query):
        if chunk:
            await response.send(chunk)
    await response.eof()
