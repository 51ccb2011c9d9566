"""What an order is to the bot, whatever store it comes from: the `Order` record, the statuses, the
`OrderStore` interface and its one error, `OrderStoreUnavailable`.

Kept apart from the stores (bot/actions/api/orders.py) so that the platform connectors
(bot/actions/api/connectors/), which the stores' factory builds, import the model without an import
cycle. bot/actions/api/orders.py re-exports every name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Optional, Protocol

from bot.actions.config import today
from sportello.patterns import extract_email

STATUSES = {"delivered", "in_transit", "preparing", "cancelled"}
MAX_ORDERS_BY_EMAIL = 20  # a customer's history: the newest orders only


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

    async def orders_by_email(self, email: str) -> list[Order]:
        """The customer's previous orders placed with this e-mail, newest first, at most 20."""

    async def request_delivery_change(self, number: str, note: str) -> bool:
        """Ask for a new delivery slot; True when the request was accepted."""
