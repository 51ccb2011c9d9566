"""Every setting of the hub, read from the environment in one place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from handoff.hours import BusinessHours
from sportello import shop
from sportello.env import Env, EnvError
from sportello.redis_url import RedisURLError, key_prefix

REPO_ROOT = Path(__file__).resolve().parent.parent


def shop_page(folder: str | None) -> Path | None:
    """The demo page of the shop profile (its `page/` folder with an index.html), if it has one."""
    page = shop.resolve_folder(folder) / "page"
    return page if (page / "index.html").is_file() else None


class SettingsError(EnvError):
    """A setting is missing or has a value the hub cannot use."""


def strong(name: str, value: str, length: int, distinct: int) -> None:
    """Refuse a secret that is short or repetitive (16 × "a" signs tokens anyone could forge)."""
    if len(value) < length or len(set(value)) < distinct:
        raise SettingsError(
            f"{name} must be at least {length} characters with at least {distinct} different ones "
            "(make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )


@dataclass(frozen=True)
class Settings:
    """The hub's configuration. Build it with `Settings.from_env()`."""

    internal_token: str
    secret: str
    host: str = "127.0.0.1"
    port: int = 8080
    redis_url: str = "redis://127.0.0.1:6379/0"
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    rasa_timeout: float = 15.0
    agent_token_ttl: float = 12 * 3600
    business_hours: BusinessHours = field(default_factory=BusinessHours.always)
    timezone: str = "Europe/Rome"
    retention_days: float = 30
    key_prefix: str = "sportello:"
    heartbeat_timeout: float = 45.0
    agent_recheck_seconds: float = 5.0
    grace_seconds: float = 120.0
    sweep_interval: float = 2.0
    bot_lease_seconds: float = 10.0
    rate_conversations_per_minute: int = 20
    rate_messages_per_minute: int = 30
    rate_logins_per_minute: int = 10
    rate_logins_per_ip_per_minute: int = 20
    rate_logins_global_per_minute: int = 120
    max_message_length: int = 2000
    ws_max_size: int = 16 * 1024
    ws_ping_interval: float = 20.0
    ws_ping_timeout: float = 20.0
    request_timeout: float = 30.0
    domain_path: Path = REPO_ROOT / "domain.yml"
    problems_path: Path = REPO_ROOT / "bot" / "problems.yml"
    widget_dir: Path = REPO_ROOT / "widget"
    static_dir: Path = REPO_ROOT / "handoff" / "static"
    shop_page_dir: Path | None = None  # the shop profile's page/ (served at /), else static/shop
    allowed_origins: tuple[str, ...] = ("*",)
    default_handling_seconds: float = 300.0
    access_log: bool = False
    canned_path: Path = REPO_ROOT / "handoff" / "canned.yml"
    welcome: bool = True  # a new conversation opens with utter_welcome (the assistant introduces itself)
    # how long a customer may wait for a person's reply before the console turns it amber, then red
    reply_amber_seconds: float = 60.0
    reply_red_seconds: float = 180.0
    # e-mail to customers (off without SMTP_HOST): the promise when nobody is online, and agents'
    # replies that a customer who left the page would otherwise never read
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_tls: str = "starttls"  # none | starttls | tls
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = "Sportello <assistenza@sportello.example>"  # from the shop's name when not given
    public_url: str = ""  # the shop page with the widget, where links in e-mails lead (default: the hub's)
    mail_link_ttl: float = 14 * 86400
    mail_reply_delay: float = 60.0  # an agent's reply waits this long for the customer to read it on the page
    dev_mailbox: Path | None = None  # the development mail server's folder, shown at /dev/mail
    dev_mail_token: str = ""  # what /dev/mail?token= must carry (required with dev_mailbox)
    # e-mail the hub sends because of what a visitor wrote: at most this many per address and per
    # visitor (browser) a day, and this many in all an hour (counted in Redis, every process)
    mail_per_address_per_day: int = 3
    mail_per_visitor_per_day: int = 5
    mail_per_hour: int = 200
    # behind a reverse proxy: how many proxies to trust in X-Forwarded-For, or the header that
    # carries the visitor's address (Sanic's PROXIES_COUNT / REAL_IP_HEADER); unset: the peer address
    proxies_count: int = 0
    # the key the shop's site signs a signed-in customer's token with (docs/widget.md): the widget
    # passes it, and the customer's e-mail counts as proven (their orders need no other proof)
    customer_token_secret: str = ""
    # order lookups the bot may make for one conversation / visitor / origin (IP) an hour, and the
    # failed proofs of an order a visitor / origin may make an hour
    order_lookups_per_conversation: int = 6
    order_lookups_per_visitor: int = 10
    order_lookups_per_origin: int = 30
    order_proofs_failed_per_visitor: int = 5
    order_proofs_failed_per_origin: int = 10
    real_ip_header: str = ""
    ticket_promise_seconds: float = 24 * 3600  # the reply time promised with a ticket
    wait_offer_minutes: int = 3  # past this estimated wait, a queued customer may choose e-mail instead

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def retention_seconds(self) -> int:
        return int(self.retention_days * 86400)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def with_overrides(self, **changes) -> Settings:
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, require_secrets: bool = True) -> Settings:
        """Read every setting from the environment; raise SettingsError for bad values.

        `require_secrets=False` is for the agents CLI, which only needs Redis.
        """
        e = Env(env, SettingsError)

        def required(name: str) -> str:
            return e.required(name) if require_secrets else (e.get(name) or "-" * 32)

        timezone = e.timezone("HUB_TIMEZONE")
        raw_hours = e.get("BUSINESS_HOURS")
        try:
            hours = BusinessHours.parse(raw_hours) if raw_hours else BusinessHours.always()
        except ValueError as exc:
            raise SettingsError(f"BUSINESS_HOURS: {exc}") from None

        amber, red = e.duration("HUB_REPLY_AMBER_SECONDS", 60.0), e.duration("HUB_REPLY_RED_SECONDS", 180.0)
        if red <= amber:
            raise SettingsError(
                f"HUB_REPLY_RED_SECONDS={red:g} must be longer than HUB_REPLY_AMBER_SECONDS={amber:g}"
            )

        smtp_tls = e.choice("SMTP_TLS", "starttls", ("none", "starttls", "tls"))
        public_url = e.text("HUB_PUBLIC_URL")
        if public_url and not public_url.startswith(("http://", "https://")):
            raise SettingsError(f"HUB_PUBLIC_URL={public_url!r} must start with http:// or https://")
        # the sender's name is the shop's (shops/<id>/shop.yml) unless MAIL_FROM says otherwise
        mail_from = e.text("MAIL_FROM")
        if not mail_from:
            try:
                shop_name = shop.facts(e.text("SPORTELLO_SHOP") or None)["shop_name"]
            except shop.ShopError as exc:
                raise SettingsError(f"SPORTELLO_SHOP: {exc}") from None
            mail_from = f"{shop_name} <assistenza@sportello.example>"
        if "@" not in mail_from:
            raise SettingsError(f"MAIL_FROM={mail_from!r} is not an e-mail address")
        dev_mailbox = e.get("HUB_DEV_MAILBOX")
        dev_mail_token = e.text("HUB_DEV_MAIL_TOKEN")
        if dev_mailbox and len(dev_mail_token) < 16:
            raise SettingsError(
                "HUB_DEV_MAILBOX needs HUB_DEV_MAIL_TOKEN (16 characters or more): /dev/mail shows the "
                "mails' links, only to whoever has the token"
            )

        customer_secret = e.text("SHOP_CUSTOMER_TOKEN_SECRET")
        if customer_secret:
            strong("SHOP_CUSTOMER_TOKEN_SECRET", customer_secret, 32, 12)
        secret = required("HUB_SECRET")
        internal_token = required("HUB_INTERNAL_TOKEN")
        if require_secrets:
            strong("HUB_SECRET", secret, 32, 12)
            strong("HUB_INTERNAL_TOKEN", internal_token, 24, 10)

        redis_url = e.text("REDIS_URL", "redis://127.0.0.1:6379/0").rstrip("/")
        try:
            # on a Redis Cluster the hub's keys carry one hash tag (sportello/redis_url.py)
            prefix = key_prefix(e.text("HUB_KEY_PREFIX", "sportello:"), redis_url)
        except RedisURLError as exc:
            raise SettingsError(str(exc)) from None
        origins = tuple(
            o.strip().rstrip("/") for o in e.text("HUB_ALLOWED_ORIGINS", "*").split(",") if o.strip()
        )

        return cls(
            internal_token=internal_token,
            secret=secret,
            host=e.text("HUB_HOST", "127.0.0.1"),
            port=e.integer("HUB_PORT", 8080, minimum=0),
            redis_url=redis_url,
            rasa_url=e.url("RASA_URL", "http://127.0.0.1:5005"),
            rasa_token=e.text("RASA_TOKEN"),
            rasa_timeout=e.duration("RASA_TIMEOUT", 15.0),
            agent_token_ttl=e.duration("AGENT_TOKEN_TTL", 12 * 3600),
            business_hours=hours,
            timezone=timezone,
            retention_days=e.number("RETENTION_DAYS", 30.0),
            key_prefix=prefix,
            heartbeat_timeout=e.duration("HUB_HEARTBEAT_TIMEOUT", 45.0),
            agent_recheck_seconds=e.duration("HUB_AGENT_RECHECK_SECONDS", 5.0),
            grace_seconds=e.duration("HUB_GRACE_SECONDS", 120.0),
            sweep_interval=e.duration("HUB_SWEEP_INTERVAL", 2.0),
            bot_lease_seconds=e.duration("HUB_BOT_LEASE", 10.0),
            rate_conversations_per_minute=e.integer("HUB_RATE_CONVERSATIONS_PER_MINUTE", 20),
            rate_messages_per_minute=e.integer("HUB_RATE_MESSAGES_PER_MINUTE", 30),
            rate_logins_per_minute=e.integer("HUB_RATE_LOGINS_PER_MINUTE", 10),
            rate_logins_per_ip_per_minute=e.integer("HUB_RATE_LOGINS_PER_IP_PER_MINUTE", 20),
            rate_logins_global_per_minute=e.integer("HUB_RATE_LOGINS_GLOBAL_PER_MINUTE", 120),
            max_message_length=e.integer("HUB_MAX_MESSAGE_LENGTH", 2000),
            ws_max_size=e.integer("HUB_WS_MAX_SIZE", 16 * 1024, minimum=1024),
            ws_ping_interval=e.duration("HUB_WS_PING_INTERVAL", 20.0),
            ws_ping_timeout=e.duration("HUB_WS_PING_TIMEOUT", 20.0),
            request_timeout=e.duration("HUB_REQUEST_TIMEOUT", 30.0),
            domain_path=e.path("SPORTELLO_DOMAIN", REPO_ROOT / "domain.yml"),
            problems_path=e.path("SPORTELLO_PROBLEMS", REPO_ROOT / "bot" / "problems.yml"),
            widget_dir=e.path("HUB_WIDGET_DIR", REPO_ROOT / "widget"),
            static_dir=e.path("HUB_STATIC_DIR", REPO_ROOT / "handoff" / "static"),
            shop_page_dir=shop_page(e.text("SPORTELLO_SHOP") or None),
            allowed_origins=origins or ("*",),
            default_handling_seconds=e.duration("HUB_DEFAULT_HANDLING_SECONDS", 300.0),
            access_log=e.boolean("HUB_ACCESS_LOG", False),
            canned_path=e.path("HUB_CANNED_FILE", REPO_ROOT / "handoff" / "canned.yml"),
            welcome=e.boolean("HUB_WELCOME", True),
            reply_amber_seconds=amber,
            reply_red_seconds=red,
            smtp_host=e.text("SMTP_HOST"),
            smtp_port=e.integer("SMTP_PORT", 465 if smtp_tls == "tls" else 587),
            smtp_tls=smtp_tls,
            smtp_user=e.text("SMTP_USER"),
            smtp_password=e.text("SMTP_PASSWORD"),
            mail_from=mail_from,
            public_url=public_url.rstrip("/"),
            mail_link_ttl=e.duration("MAIL_LINK_TTL", 14 * 86400),
            mail_reply_delay=e.duration("MAIL_REPLY_DELAY", 60.0),
            dev_mailbox=Path(dev_mailbox).expanduser().resolve() if dev_mailbox else None,
            dev_mail_token=dev_mail_token,
            mail_per_address_per_day=e.integer("MAIL_MAX_PER_ADDRESS_PER_DAY", 3),
            mail_per_visitor_per_day=e.integer("MAIL_MAX_PER_VISITOR_PER_DAY", 5),
            mail_per_hour=e.integer("MAIL_MAX_PER_HOUR", 200),
            proxies_count=e.integer("HUB_PROXIES_COUNT", 0, minimum=0),
            customer_token_secret=customer_secret,
            order_lookups_per_conversation=e.integer("ORDER_LOOKUPS_PER_CONVERSATION", 6),
            order_lookups_per_visitor=e.integer("ORDER_LOOKUPS_PER_VISITOR", 10),
            order_lookups_per_origin=e.integer("ORDER_LOOKUPS_PER_ORIGIN", 30),
            order_proofs_failed_per_visitor=e.integer("ORDER_PROOFS_FAILED_PER_VISITOR", 5),
            order_proofs_failed_per_origin=e.integer("ORDER_PROOFS_FAILED_PER_ORIGIN", 10),
            real_ip_header=e.text("HUB_REAL_IP_HEADER"),
            ticket_promise_seconds=e.duration("HUB_TICKET_PROMISE", 24 * 3600),
            wait_offer_minutes=e.integer("HUB_WAIT_OFFER_MINUTES", 3),
        )
