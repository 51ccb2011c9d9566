"""The shop's facts (bot/shop.yml) that responses quote as {placeholders}: one source for the bot's
words and the agents' canned replies."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

SHOP_FILE = Path(__file__).resolve().parent.parent / "bot" / "shop.yml"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ShopFactsError(ValueError):
    """bot/shop.yml is unreadable or has a fact the responses cannot quote."""


def load(path: Path | str = SHOP_FILE) -> dict[str, Any]:
    """The facts, checked: simple names, short simple values."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ShopFactsError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ShopFactsError(f"{path}: expected name: value lines")
    for name, value in data.items():
        if not isinstance(name, str) or not _NAME.match(name):
            raise ShopFactsError(f"{path}: {name!r} is not a valid name (lower case, digits, _)")
        if isinstance(value, bool) or not isinstance(value, (int, float, str)) or len(str(value)) > 80:
            raise ShopFactsError(f"{path}: {name} must be a short number or text")
    return dict(data)


@lru_cache(maxsize=4)
def facts(path: str = str(SHOP_FILE)) -> dict[str, Any]:
    """The facts, loaded once per process."""
    return load(path)
