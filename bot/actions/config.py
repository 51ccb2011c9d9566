"""Every setting the action server reads, from the environment, in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sportello.env import Env, EnvError

DEFAULT_DEMO_ORDERS = Path(__file__).resolve().parent / "api" / "demo_orders.json"


class ConfigError(EnvError):
    """A setting has a value the action server cannot use."""


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
        env = Env(os.environ, ConfigError)
        store = env.choice("ORDER_STORE", "demo", ("demo", "http"))
        api_url = env.text("ORDER_API_URL").rstrip("/")
        if store == "http" and not api_url:
            raise ConfigError("ORDER_STORE=http needs ORDER_API_URL (the shop's order API)")
        return cls(
            hub_url=env.text("HUB_URL", "http://127.0.0.1:8080").rstrip("/"),
            hub_token=env.text("HUB_INTERNAL_TOKEN"),
            hub_timeout=env.duration("HUB_TIMEOUT", 5.0),
            order_store=store,
            orders_file=env.path("DEMO_ORDERS_FILE", DEFAULT_DEMO_ORDERS),
            order_api_url=api_url,
            order_api_token=env.text("ORDER_API_TOKEN"),
            order_api_timeout=env.duration("ORDER_API_TIMEOUT", 5.0),
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
