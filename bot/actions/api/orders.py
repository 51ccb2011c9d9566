"""The order store: one interface, a demo store over a data file, an HTTP client for a shop's API."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Optional, Protocol

import aiohttp

from bot.actions.config import Settings, today
from sportello.patterns import extract_email

logger = logging.getLogger(__name__)

STATUSES = {"delivered", "in_transit", "preparing", "cancelled"}


class OrderStoreUnavailable(RuntimeError):
    """The order system could not be asked (time-out, network, server error)."""


RELATIVE_DATE = re.compile(r"^today([+-]\d{1,3})?$")


def resolve_date(value: Any) -> Any:
    """`today`, `today-6`, `today+3` (demo data that never goes stale) → an ISO date; else as is."""
    match = RELATIVE_DATE.match(value) if isinstance(value, str) else None
    if not match:
        return value
    return (today() + timedelta(days=int(match.group(1) or 0))).isoformat()


def _short_date(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    try:
        return date.fromisoformat(value).strftime("%d/%m")
    except ValueError:
        return value


@dataclass(frozen=True)
class Order:
    """What the bot and the agent need to know about one order."""

    number: str
    product: str
    status: str
    customer_name: Optional[str] = None
    email: Optional[str] = None
    delivery_date: Optional[str] = None
    ship_by: Optional[str] = None
    carrier: Optional[str] = None
    tracking_url: Optional[str] = None
    delivery_change_allowed: bool = False
    postcode: Optional[str] = None  # of the delivery address: a second fact only the buyer knows
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Order:
        """Build an order from the store's JSON; raise ValueError when it is malformed."""
        try:
            number, product, status = str(data["number"]), str(data["product"]), str(data["status"])
        except KeyError as exc:
            raise ValueError(f"order record lacks {exc}") from exc
        if status not in STATUSES:
            raise ValueError(f"unknown order status {status!r}")
        known = {
            "number",
            "product",
            "status",
            "customer_name",
            "email",
            "delivery_date",
            "ship_by",
            "carrier",
            "tracking_url",
            "delivery_change_allowed",
            "postcode",
        }
        postcode = data.get("postcode")
        return cls(
            number=number,
            product=product,
            status=status,
            customer_name=data.get("customer_name"),
            email=data.get("email") or None,
            delivery_date=data.get("delivery_date"),
            ship_by=data.get("ship_by"),
            carrier=data.get("carrier"),
            tracking_url=data.get("tracking_url"),
            delivery_change_allowed=bool(data.get("delivery_change_allowed", False)),
            postcode=str(postcode).strip().upper() if postcode else None,
            extra={k: v for k, v in data.items() if k not in known},
        )

    def as_slot(self) -> dict[str, Any]:
        """The form kept in the ``order`` slot and sent to the agent's case card."""
        return {
            "number": self.number,
            "product": self.product,
            "status": self.status,
            "customer_name": self.customer_name,
            "email": self.email,
            "delivery_date": self.delivery_date,
            "ship_by": self.ship_by,
            "carrier": self.carrier,
            "tracking_url": self.tracking_url,
            "delivery_change_allowed": self.delivery_change_allowed,
            "postcode": self.postcode,
            **self.extra,
        }

    def proven_by(self, text: Any) -> Optional[str]:
        """How ``text`` proves this order is the writer's: "email" (the address the order was
        placed with) or "postcode" (of its delivery address); None when it proves nothing. A typed
        order number is a claim; this is the second fact only the buyer knows and the shop holds."""
        words = str(text or "")
        email = extract_email(words)
        if email and self.email and email == self.email.strip().lower():
            return "email"
        if self.postcode:
            code = re.escape(self.postcode)
            if re.search(rf"(?<![A-Za-z0-9]){code}(?![A-Za-z0-9])", words.upper()):
                return "postcode"
        return None

    @property
    def is_late(self) -> bool:
        """Not delivered yet although the expected delivery date has passed (in the shop's time zone)."""
        if self.status != "in_transit" or not self.delivery_date:
            return False
        try:
            return date.fromisoformat(self.delivery_date) < today()
        except ValueError:
            return False

    def template_values(self) -> dict[str, str]:
        """Values for the ``{placeholders}`` of the order responses in domain.yml."""
        return {
            "order_number": self.number,
            "product": self.product,
            "delivery_date": _short_date(self.delivery_date) or "",
            "ship_by": _short_date(self.ship_by) or "",
            "carrier": self.carrier or "",
            "tracking_url": self.tracking_url or "",
        }


class OrderStore(Protocol):
    """What the actions need from a shop's order system."""

    async def get(self, number: str) -> Optional[Order]:
        """The order, or None when the shop has no such order."""

    async def request_delivery_change(self, number: str, note: str) -> bool:
        """Ask for a new delivery slot; True when the request was accepted."""


class DemoOrderStore:
    """The demo orders (docs/architecture.md), read from a JSON file."""

    def __init__(self, path: Path) -> None:
        """Remember the file; it is read on each call so edits apply without a restart."""
        self._path = path
        self.delivery_changes: dict[str, str] = {}

    def _records(self) -> dict[str, Any]:
        try:
            return json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise OrderStoreUnavailable(f"cannot read demo orders {self._path}: {exc}") from exc

    async def get(self, number: str) -> Optional[Order]:
        """Look the order up in the file (relative dates such as `today-6` are resolved)."""
        record = self._records().get(number)
        if not record:
            return None
        return Order.from_dict({k: resolve_date(v) for k, v in record.items()})

    async def request_delivery_change(self, number: str, note: str) -> bool:
        """Accept the change when the order allows it (kept in memory for the demo)."""
        order = await self.get(number)
        if order is None or not order.delivery_change_allowed:
            return False
        self.delivery_changes[number] = note
        return True


class HttpOrderStore:
    """A shop's own order API: ``GET {base}/orders/{number}``, ``POST {base}/orders/{number}/delivery-change``."""

    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        """Configure the client (no connection is opened here)."""
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def _request(self, method: str, path: str, **kwargs: Any) -> Optional[dict[str, Any]]:
        try:
            async with aiohttp.ClientSession(timeout=self._timeout, headers=self._headers) as session:
                async with session.request(method, f"{self._base}{path}", **kwargs) as response:
                    if response.status == 404:
                        return None
                    if response.status >= 400:
                        raise OrderStoreUnavailable(f"order API answered {response.status}")
                    return await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise OrderStoreUnavailable(f"order API unreachable: {exc!r}") from exc

    async def get(self, number: str) -> Optional[Order]:
        """Ask the shop's API for the order."""
        data = await self._request("GET", f"/orders/{number}")
        if data is None:
            return None
        try:
            return Order.from_dict(data)
        except ValueError as exc:
            raise OrderStoreUnavailable(f"order API sent a malformed order: {exc}") from exc

    async def request_delivery_change(self, number: str, note: str) -> bool:
        """Ask the shop's API to change the delivery."""
        data = await self._request("POST", f"/orders/{number}/delivery-change", json={"note": note})
        return bool(data and data.get("accepted"))


_store: Optional[OrderStore] = None


def get_order_store(settings: Optional[Settings] = None) -> OrderStore:
    """The configured store (one per process; the demo store keeps its accepted changes)."""
    global _store
    if _store is None:
        settings = settings or Settings.from_env()
        if settings.order_store == "http":
            _store = HttpOrderStore(
                settings.order_api_url, settings.order_api_token, settings.order_api_timeout
            )
        else:
            _store = DemoOrderStore(settings.orders_file)
    return _store


def set_order_store(store: Optional[OrderStore]) -> None:
    """Replace the store (tests and embedding)."""
    global _store
    _store = store
