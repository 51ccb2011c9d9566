"""Every setting the action server reads, from the environment, in one place."""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sportello import shop
from sportello.env import Env, EnvError

# the demo shop's orders; the running shop's are its profile's (`orders:` in shops/<id>/shop.yml)
DEFAULT_DEMO_ORDERS = Path(__file__).resolve().parents[2] / "shops" / "casa" / "orders.json"


def shop_demo_orders() -> Path:
    """The demo orders of the running shop (SPORTELLO_SHOP), else the demo shop's."""
    try:
        return shop.current().orders or DEFAULT_DEMO_ORDERS
    except shop.ShopError as exc:
        raise ConfigError(f"SPORTELLO_SHOP: {exc}") from None


class ConfigError(EnvError):
    """A setting has a value the action server cannot use."""


ORDER_STORES = ("demo", "http", "woocommerce", "shopify", "prestashop")
# what each platform's connector cannot work without (docs/connectors.md)
PLATFORM_SETTINGS = {
    "woocommerce": ("WOOCOMMERCE_URL", "WOOCOMMERCE_KEY", "WOOCOMMERCE_SECRET"),
    "shopify": ("SHOPIFY_SHOP_URL", "SHOPIFY_ACCESS_TOKEN"),
    "prestashop": ("PRESTASHOP_URL", "PRESTASHOP_KEY"),
}
ORDER_STATUSES = ("delivered", "in_transit", "preparing", "cancelled")
SHOPIFY_API_VERSION = re.compile(r"\d{4}-\d{2}|unstable")
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def _loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def shop_url(env: Env, name: str, bare_host: bool = False) -> str:
    """A platform's address: https:// (its key travels with every request), http:// only on this
    machine (a stand-in, a tunnel); no credentials, query or fragment in it. With `bare_host`, a
    host alone (my-shop.myshopify.com) means https://."""
    value = env.required(name).rstrip("/")
    if bare_host and "://" not in value:
        value = f"https://{value}"
    parts = urlsplit(value)
    host = parts.hostname or ""
    secure = parts.scheme == "https" or (parts.scheme == "http" and _loopback(host))
    if not host or not secure or parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError(
            f"{name}={value!r} must be the shop's https:// address, without credentials or query "
            "(http:// only for localhost): the API key travels with every request"
        )
    return value


def prestashop_states(env: Env, name: str = "PRESTASHOP_ORDER_STATES") -> tuple[tuple[int, str], ...]:
    """A shop's own order states: `14=in_transit, 15=delivered` (id=status), over the defaults."""
    raw = env.text(name)
    states = []
    for entry in filter(None, (e.strip() for e in raw.replace(";", ",").split(","))):
        state_id, _, status = (p.strip() for p in entry.replace(":", "=").partition("="))
        if not state_id.isdigit() or status not in ORDER_STATUSES:
            raise ConfigError(
                f"{name}: {entry!r} must be a state id and a status, like 14=in_transit "
                f"(statuses: {', '.join(ORDER_STATUSES)})"
            )
        states.append((int(state_id), status))
    return tuple(states)


@dataclass(frozen=True)
class Settings:
    """The action server's settings."""

    hub_url: str
    hub_token: str
    hub_timeout: float
    order_store: str
    orders_file: Path
    order_api_url: str
    order_api_token: str
    order_api_timeout: float
    woocommerce_url: str = ""
    woocommerce_key: str = ""
    woocommerce_secret: str = ""
    woocommerce_auth: str = "basic"
    shopify_shop_url: str = ""
    shopify_access_token: str = ""
    shopify_api_version: str = "2024-01"
    prestashop_url: str = ""
    prestashop_key: str = ""
    prestashop_order_states: tuple[tuple[int, str], ...] = ()

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings; raise ConfigError on a value that cannot work."""
        env = Env(os.environ, ConfigError)
        store = env.choice("ORDER_STORE", "demo", ORDER_STORES)
        api_url = env.text("ORDER_API_URL").rstrip("/")
        if store == "http" and not api_url:
            raise ConfigError("ORDER_STORE=http needs ORDER_API_URL (the shop's order API)")
        missing = [n for n in PLATFORM_SETTINGS.get(store, ()) if not env.text(n)]
        if missing:
            raise ConfigError(f"ORDER_STORE={store} needs {' and '.join(missing)} (see docs/connectors.md)")
        shopify_version = env.text("SHOPIFY_API_VERSION", "2024-01")
        if store == "shopify" and not SHOPIFY_API_VERSION.fullmatch(shopify_version):
            raise ConfigError(f"SHOPIFY_API_VERSION={shopify_version!r} must be a version like 2024-01")
        return cls(
            hub_url=env.text("HUB_URL", "http://127.0.0.1:8080").rstrip("/"),
            hub_token=env.text("HUB_INTERNAL_TOKEN"),
            hub_timeout=env.duration("HUB_TIMEOUT", 5.0),
            order_store=store,
            orders_file=env.path("DEMO_ORDERS_FILE", shop_demo_orders()),
            order_api_url=api_url,
            order_api_token=env.text("ORDER_API_TOKEN"),
            order_api_timeout=env.duration("ORDER_API_TIMEOUT", 5.0),
            woocommerce_url=shop_url(env, "WOOCOMMERCE_URL") if store == "woocommerce" else "",
            woocommerce_key=env.text("WOOCOMMERCE_KEY"),
            woocommerce_secret=env.text("WOOCOMMERCE_SECRET"),
            woocommerce_auth=env.choice("WOOCOMMERCE_AUTH", "basic", ("basic", "query"))
            if store == "woocommerce"
            else "basic",
            shopify_shop_url=shop_url(env, "SHOPIFY_SHOP_URL", bare_host=True) if store == "shopify" else "",
            shopify_access_token=env.text("SHOPIFY_ACCESS_TOKEN"),
            shopify_api_version=shopify_version,
            prestashop_url=shop_url(env, "PRESTASHOP_URL") if store == "prestashop" else "",
            prestashop_key=env.text("PRESTASHOP_KEY"),
            prestashop_order_states=prestashop_states(env) if store == "prestashop" else (),
        )


def today() -> date:
    """Today's date in the shop's time zone (`SHOP_TIMEZONE`, default Europe/Rome).

    `SPORTELLO_TODAY` (an ISO date) pins it, for tests and demos that must not depend on the day.
    """
    pinned = os.environ.get("SPORTELLO_TODAY", "").strip()
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError as exc:
            raise ConfigError(f"SPORTELLO_TODAY must be a date like 2026-11-24, not {pinned!r}") from exc
    zone = Env(os.environ, ConfigError).timezone("SHOP_TIMEZONE")
    return datetime.now(ZoneInfo(zone)).date()
