"""GET /v1/health: 200 only when Redis and Rasa answer."""

from __future__ import annotations

from redis.exceptions import RedisError
from sanic import Blueprint, Request
from sanic.response import json as json_response

bp = Blueprint("health", url_prefix="/v1")


@bp.get("/health")
async def health(request: Request):
    hub = request.app.ctx.hub
    checks: dict[str, dict] = {}
    try:
        await hub.stores.ping(timeout=2)
        checks["redis"] = {"ok": True}
    except (RedisError, OSError, TimeoutError) as exc:
        checks["redis"] = {"ok": False, "error": type(exc).__name__}
    ok, detail = await hub.rasa.healthy()
    checks["rasa"] = {"ok": ok, "detail": detail}
    healthy = all(c["ok"] for c in checks.values())
    return json_response(
        {"status": "ok" if healthy else "unavailable", "checks": checks, "content": hub.content.current()},
        status=200 if healthy else 503,
    )
