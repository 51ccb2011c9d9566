"""Every setting the action server reads, from the environment, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DEMO_ORDERS = Path(__file__).resolve().parent / "api" / "demo_orders.json"


class ConfigError(ValueError):
    """A setting has a value the action server cannot use."""


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from exc
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {raw!r}")
    return value


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

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings; raise ConfigError on a value that cannot work."""
        store = os.environ.get("ORDER_STORE", "demo").strip().lower()
        if store not in {"demo", "http"}:
            raise ConfigError(f"ORDER_STORE must be 'demo' or 'http', not {store!r}")
        api_url = os.environ.get("ORDER_API_URL", "").rstrip("/")
        if store == "http" and not api_url:
            raise ConfigError("ORDER_STORE=http needs ORDER_API_URL (the shop's order API)")
        return cls(
            hub_url=os.environ.get("HUB_URL", "http://127.0.0.1:8080").rstrip("/"),
            hub_token=os.environ.get("HUB_INTERNAL_TOKEN", ""),
            hub_timeout=_float("HUB_TIMEOUT", 5.0),
            order_store=store,
            orders_file=Path(os.environ.get("DEMO_ORDERS_FILE", str(DEFAULT_DEMO_ORDERS))),
            order_api_url=api_url,
            order_api_token=os.environ.get("ORDER_API_TOKEN", ""),
            order_api_timeout=_float("ORDER_API_TIMEOUT", 5.0),
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
    zone = os.environ.get("SHOP_TIMEZONE", "").strip() or "Europe/Rome"
    try:
        return datetime.now(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"SHOP_TIMEZONE={zone!r} is not a known time zone") from exc
