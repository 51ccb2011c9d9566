"""The hub's Sanic application factory."""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sanic import Request, Sanic
from sanic.exceptions import MethodNotAllowed, SanicException
from sanic.response import empty
from sanic.response import json as json_response

from handoff import redact, validation
from handoff.blueprints import agent, customer, devmail, health, internal, reports, static, supervisor
from handoff.blueprints.common import WS_NOT_FOUND, WS_UNAUTHORIZED, bearer
from handoff.clock import Clock
from handoff.errors import ClientError, NotFound, Unavailable
from handoff.hub import Hub
from handoff.rasa import RasaClient
from handoff.responses import Responses, load_canned_selection
from handoff.settings import Settings
from handoff.states import RULES, Rules
from handoff.tokens import TokenError
from sportello import problems, redis_url

log = logging.getLogger("handoff")
_names = itertools.count()
REQUEST_MAX_SIZE = 64 * 1024


# Every response: no framing (clickjacking on the console's actions), no inline or foreign script,
# no MIME sniffing, no referrer (customer and agent stream URLs carry tokens). Styles are files too:
# the widget uses a constructed stylesheet where the browser has one.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


SANIC_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "too_large",
    414: "too_large",
    416: "bad_request",
}


REDIS_POOL_SIZE = 512  # connections per hub process (`?max_connections=` in REDIS_URL overrides)
REDIS_POOL_WAIT = 10.0  # seconds a command waits for a free connection before it fails


def redis_client(url: str) -> Redis:
    """The hub's Redis client (one Redis, a Cluster or Sentinel: sportello/redis_url.py): a command
    that meets a dropped connection (Redis restarted, a stale pooled socket) is retried on a fresh
    one, a few times with a short back-off, before it fails. On one Redis the pool blocks when all
    its connections are busy (a burst of 1,000 live conversations) instead of refusing the next
    command, which would close a customer's socket."""
    retry = Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), 3)
    return redis_url.async_client(
        url,
        max_connections=REDIS_POOL_SIZE,
        pool_timeout=REDIS_POOL_WAIT,
        decode_responses=True,
        health_check_interval=30,
        retry=retry,
        retry_on_error=[RedisConnectionError, RedisTimeoutError, OSError],
        socket_connect_timeout=2,
    )


# Which console accounts may call a route (`ctx_auth=`): "staff" is any signed-in account (who am
# I, sign out); "agent" routes handle conversations (agents and supervisors); "supervisor" routes
# manage the team and read the reports. Checked on every request (docs/api.md, "Roles").
ROLE_ROUTES = {
    "staff": ("agent", "supervisor", "editor"),
    "agent": ("agent", "supervisor"),
    "supervisor": ("supervisor",),
}


def create_app(
    settings: Settings | None = None,
    name: str | None = None,
    clock: Clock | None = None,
    rules: Rules = RULES,
) -> Sanic:
    """Build the hub. Nothing connects here: Redis and the Rasa client start with the server.
    `clock` (the shop's calendar) and `rules` (what each state means) are for tests that pin the
    date or add a state."""
    settings = settings or Settings.from_env()
    if name is None:
        name = "sportello_hub"
        while name in Sanic._app_registry:
            name = f"sportello_hub_{next(_names)}"
    app = Sanic(name)
    app.config.WEBSOCKET_MAX_SIZE = settings.ws_max_size
    # a socket whose peer stops answering pings, a request that never finishes arriving: closed
    app.config.WEBSOCKET_PING_INTERVAL = settings.ws_ping_interval
    app.config.WEBSOCKET_PING_TIMEOUT = settings.ws_ping_timeout
    app.config.REQUEST_TIMEOUT = settings.request_timeout
    app.config.RESPONSE_TIMEOUT = settings.request_timeout  # also a body that trickles in
    app.config.REQUEST_MAX_SIZE = REQUEST_MAX_SIZE
    app.config.ACCESS_LOG = settings.access_log
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.TOUCHUP = False  # source rewriting breaks when several apps start in one process (tests)
    # behind a reverse proxy, the visitor's address (rate limits) comes from the headers it sets
    if settings.proxies_count:
        app.config.PROXIES_COUNT = settings.proxies_count
    if settings.real_ip_header:
        app.config.REAL_IP_HEADER = settings.real_ip_header
    app.ctx.settings = settings

    app.blueprint(customer.bp)
    app.blueprint(agent.bp)
    app.blueprint(supervisor.bp)
    app.blueprint(reports.bp)
    app.blueprint(internal.bp)
    app.blueprint(health.bp)
    app.blueprint(static.create_blueprint(settings.widget_dir, settings.static_dir, settings.shop_page_dir))
    if settings.dev_mailbox is not None:
        app.blueprint(devmail.create_blueprint(settings.dev_mailbox, settings.dev_mail_token))

    @app.before_server_start
    async def connect(app: Sanic) -> None:
        redact.install()
        responses = Responses.load(settings.domain_path)
        canned = load_canned_selection(settings.canned_path)
        registry = problems.load(settings.problems_path)
        redis = redis_client(settings.redis_url)
        rasa = RasaClient(settings.rasa_url, settings.rasa_timeout, settings.rasa_token)
        hub = Hub(settings, redis, responses, rasa, registry, canned, clock=clock, rules=rules)
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

    async def admit(request: Request, kind: str) -> None:
        """Who may call this route: the internal token, the conversation's own token, an agent's
        token; then the conversation id in the path must be one the hub could have issued."""
        hub: Hub = request.app.ctx.hub
        cid = request.match_info.get("conversation_id")
        if kind == "internal":
            token = bearer(request)
            if not token or not hmac.compare_digest(token.encode(), settings.internal_token.encode()):
                raise ClientError("unauthorized", "missing or invalid credentials", 401)
        elif kind == "conversation":
            try:
                request.ctx.visitor_id = hub.auth.verify_conversation(bearer(request, allow_query=True), cid)
            except TokenError:
                raise ClientError("unauthorized", "missing or invalid credentials", 401) from None
        elif kind in ROLE_ROUTES:
            try:
                request.ctx.agent, request.ctx.agent_token = await hub.auth.agent_session(
                    bearer(request, allow_query=True)
                )
            except TokenError:
                raise ClientError("unauthorized", "missing or invalid credentials", 401) from None
            if request.ctx.agent.role not in ROLE_ROUTES[kind]:
                raise ClientError("forbidden", f"this needs the role {' or '.join(ROLE_ROUTES[kind])}", 403)
        if cid is not None:
            validation.conversation_id(cid)
            if kind == "conversation" and not await hub.customers.exists(cid):
                raise NotFound("conversation_not_found", "this conversation does not exist (any more)")

    @app.on_request
    async def authenticate(request: Request):
        route = request.route
        kind = getattr(route.ctx, "auth", None) if route is not None else None
        if kind is None:
            return None
        # A browser sees a refused WebSocket handshake only as close code 1006, so the streams
        # accept the upgrade and then close with 4401 / 4404 (see api.md).
        websocket = bool(getattr(route.extra, "websocket", False))
        request.ctx.ws_reject = None
        try:
            await admit(request, kind)
        except ClientError as exc:
            if websocket:
                request.ctx.ws_reject = (WS_NOT_FOUND if exc.status == 404 else WS_UNAUTHORIZED, exc.code)
                return None
            return json_response(exc.as_dict(), status=exc.status)
        return None

    def cors_headers(request: Request) -> dict[str, str]:
        origin = request.headers.get("origin")
        if not origin or request.path.startswith("/dev/"):
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
    async def headers(request: Request, response):
        for key, value in {**SECURITY_HEADERS, **cors_headers(request)}.items():
            response.headers.setdefault(key, value)

    @app.exception(ClientError)
    async def client_error(request: Request, exc: ClientError):
        return json_response(exc.as_dict(), status=exc.status, headers=exc.headers)

    @app.exception(RedisError)
    async def redis_down(request: Request, exc: RedisError):
        log.warning("Redis unavailable for %s %s: %s", request.method, request.path, type(exc).__name__)
        busy = Unavailable()
        return json_response(busy.as_dict(), status=busy.status, headers=busy.headers)

    @app.exception(SanicException)
    async def protocol_error(request: Request, exc: SanicException):
        """Sanic's own refusals (no route, wrong method, body too large…) in the hub's format."""
        if isinstance(exc, MethodNotAllowed) and request.method == "OPTIONS":
            return empty(status=204, headers=cors_headers(request))
        status = getattr(exc, "status_code", 500) or 500
        if status == 503:  # Sanic's own response time-out
            busy = Unavailable()
            return json_response(busy.as_dict(), status=busy.status, headers=busy.headers)
        if status >= 500:
            log.error("unexpected error on %s %s", request.method, request.path, exc_info=exc)
            return json_response(
                {"error": "internal", "message": "something went wrong on our side"}, status=500
            )
        code = SANIC_CODES.get(status, "bad_request")
        return json_response({"error": code, "message": str(exc) or code.replace("_", " ")}, status=status)

    return app
