"""Settings from the environment: one reader for the hub (handoff/settings.py) and the action server
(bot/actions/config.py), so a bad value is refused the same way everywhere, naming the variable.

    env = Env(os.environ, SettingsError)
    env.duration("HUB_GRACE_SECONDS", 120.0)    # 30, 30s, 15m, 12h, 2d
    env.integer("SMTP_PORT", 587)
    env.choice("ORDER_STORE", "demo", ("demo", "http"))

A variable that is unset or blank takes the default. Every refusal raises the `error` class given
(the caller's own, e.g. SettingsError), with a message that says which variable and what it takes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


class EnvError(ValueError):
    """An environment variable has a value that cannot be used."""


def parse_duration(name: str, raw: str, error: type[Exception] = EnvError) -> float:
    """Seconds, or a number with a unit suffix: 30s, 15m, 12h, 2d; greater than zero."""
    text = raw.strip().lower()
    factor = 1
    if text and text[-1] in UNITS:
        factor = UNITS[text[-1]]
        text = text[:-1]
    try:
        value = float(text) * factor
    except ValueError:
        raise error(f"{name}={raw!r} is not a duration (e.g. 30, 15m, 12h, 2d)") from None
    if value <= 0:
        raise error(f"{name}={raw!r} must be greater than zero")
    return value


class Env:
    """Typed reads of environment variables; `error` is the exception class raised on a bad value."""

    def __init__(self, environ: Optional[Mapping[str, str]] = None, error: type[Exception] = EnvError):
        self.environ = os.environ if environ is None else environ
        self.error = error

    def get(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The value without surrounding blanks; `default` when unset or blank."""
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return default
        return value.strip()

    def text(self, name: str, default: str = "") -> str:
        value = self.get(name, default)
        return "" if value is None else value

    def required(self, name: str) -> str:
        value = self.get(name)
        if not value:
            raise self.error(f"{name} is required (set it in the environment)")
        return value

    def integer(self, name: str, default: int, minimum: int = 1) -> int:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise self.error(f"{name}={raw!r} is not an integer") from None
        if value < minimum:
            raise self.error(f"{name}={raw!r} must be at least {minimum}")
        return value

    def number(self, name: str, default: float, positive: bool = True) -> float:
        raw = self.get(name)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise self.error(f"{name}={raw!r} is not a number") from None
        if positive and value <= 0:
            raise self.error(f"{name}={raw!r} must be greater than zero")
        return value

    def duration(self, name: str, default: float) -> float:
        raw = self.get(name)
        return default if raw is None else parse_duration(name, raw, self.error)

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.get(name)
        if raw is None:
            return default
        if raw.lower() in TRUE:
            return True
        if raw.lower() in FALSE:
            return False
        raise self.error(f"{name}={raw!r} must be 1 or 0 (yes/no, on/off, true/false)")

    def choice(self, name: str, default: str, allowed: tuple[str, ...]) -> str:
        value = (self.get(name, default) or default).lower()
        if value not in allowed:
            raise self.error(f"{name}={value!r} must be {', '.join(allowed[:-1])} or {allowed[-1]}")
        return value

    def url(self, name: str, default: str, schemes: tuple[str, ...] = ("http", "https")) -> str:
        value = self.get(name, default) or default
        if not value.startswith(tuple(s + "://" for s in schemes)):
            raise self.error(f"{name}={value!r} must start with one of {', '.join(schemes)}://")
        return value.rstrip("/")

    def path(self, name: str, default: Path) -> Path:
        raw = self.get(name)
        return default if raw is None else Path(raw).expanduser().resolve()

    def timezone(self, name: str, default: str = "Europe/Rome") -> str:
        value = self.get(name, default) or default
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.error(f"{name}={value!r} is not a known time zone") from None
        return value
