"""The hub's Sanic application factory."""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sanic import Request, Sanic
from sanic.exceptions import MethodNotAllowed
from sanic.response import empty
from sanic.response import json as json_response

from bot import problems
from handoff import redact
from handoff.blueprints import agent, customer, health, internal, static
from handoff.blueprints.common import bearer
from handoff.errors import ClientError
from handoff.hub import Hub
from handoff.rasa import RasaClient
from handoff.responses import Responses, load_canned_selection
from handoff.settings import Settings
from handoff.tokens import TokenError

log = logging.getLogger("handoff")
_names = itertools.count()
REQUEST_MAX_SIZE = 64 * 1024


WS_UNAUTHORIZED = 4401  # close codes of a refused customer stream (after the upgrade)
WS_NOT_FOUND = 4404


def _unauthorized(message: str = "missing or invalid credentials"):
    return json_response({"error": "unauthorized", "message": message}, status=401)


def create_app(settings: Settings | None = None, name: str | None = None) -> Sanic:
    """Build the hub. Nothing connects here: Redis and the Rasa client start with the server."""
    settings = settings or Settings.from_env()
    if name is None:
        name = "sportello_hub"
        while name in Sanic._app_registry:
            name = f"sportello_hub_{next(_names)}"
    app = Sanic(name)
    app.config.WEBSOCKET_MAX_SIZE = settings.ws_max_size
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_SIZE
    app.config.ACCESS_LOG = settings.access_log
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.TOUCHUP = False  # source rewriting breaks when several apps start in one process (tests)
    app.ctx.settings = settings

    app.blueprint(customer.bp)
    app.blueprint(agent.bp)
    app.blueprint(internal.bp)
    app.blueprint(health.bp)
    app.blueprint(static.create_blueprint(settings.widget_dir, settings.static_dir))

    @app.before_server_start
    async def connect(app: Sanic) -> None:
        redact.install()
        responses = Responses.load(settings.domain_path)
        canned = load_canned_selection(settings.canned_path)
        registry = problems.load(settings.problems_path)
        redis = Redis.from_url(settings.redis_url, decode_responses=True, health_check_interval=30)
        rasa = RasaClient(settings.rasa_url, settings.rasa_timeout, settings.rasa_token)
        hub = Hub(settings, redis, responses, rasa, registry, canned)
        app.ctx.redis, app.ctx.rasa, app.ctx.hub = redis, rasa, hub
        await hub.start()

    @app.after_server_stop
    async def disconnect(app: Sanic) -> None:
        hub = getattr(app.ctx, "hub", None)
        if hub is not None:
            await hub.stop()
            await app.ctx.rasa.close()
            try:
                await asyncio.wait_for(app.ctx.redis.aclose(), timeout=5)
            except (TimeoutError, RedisError, OSError):
                log.warning("Redis connections did not close cleanly")

    @app.on_request
    async def authenticate(request: Request):
        route = request.route
        kind = getattr(route.ctx, "auth", None) if route is not None else None
        if kind is None:
            return None
        hub: Hub = request.app.ctx.hub
        if kind == "internal":
            token = bearer(request)
            if not token or not hmac.compare_digest(token.encode(), settings.internal_token.encode()):
                return _unauthorized()
        elif kind == "conversation":
            cid = request.match_info.get("conversation_id", "")
            # A browser sees a refused WebSocket handshake only as close code 1006, so the
            # customer stream accepts the upgrade and then closes with 4401 / 4404 (see api.md).
            websocket = bool(getattr(route.extra, "websocket", False))
            request.ctx.ws_reject = None
            try:
                visitor_id = hub.auth.verify_conversation(bearer(request, allow_query=True), cid)
            except TokenError:
                if websocket:
                    request.ctx.ws_reject = (WS_UNAUTHORIZED, "unauthorized")
                    return None
                return _unauthorized()
            if not await hub.customers.exists(cid):
                if websocket:
                    request.ctx.ws_reject = (WS_NOT_FOUND, "conversation_not_found")
                    return None
                return json_response(
                    {
                        "error": "conversation_not_found",
                        "message": "this conversation does not exist (any more)",
                    },
                    status=404,
                )
            request.ctx.visitor_id = visitor_id
        elif kind == "agent":
            try:
                request.ctx.agent = await hub.auth.agent(bearer(request, allow_query=True))
            except TokenError:
                return _unauthorized()
        return None

    def cors_headers(request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        if not origin:
            return {}
        allowed = settings.allowed_origins
        if "*" in allowed:
            value = "*"
        elif origin.rstrip("/") in allowed:
            value = origin
        else:
            return {}
        return {
            "Access-Control-Allow-Origin": value,
            "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
            "Access-Control-Allow-Headers": "Authorization, Content-Type",
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }

    @app.on_response
    async def cors(request: Request, response):
        for key, value in cors_headers(request).items():
            response.headers.setdefault(key, value)

    @app.exception(ClientError)
    async def client_error(request: Request, exc: ClientError):
        return json_response(exc.as_dict(), status=exc.status)

    @app.exception(MethodNotAllowed)
    async def preflight(request: Request, exc: MethodNotAllowed):
        if request.method == "OPTIONS":
            return empty(status=204, headers=cors_headers(request))
        return json_response({"error": "method_not_allowed", "message": str(exc)}, status=405)

    return app
