"""Shopify (Admin REST API, `/admin/api/{version}`): an order by its number, a customer's orders by
e-mail.

Authentication: an Admin API access token (`X-Shopify-Access-Token`) of a custom app with the
`read_orders` scope (`read_all_orders` for orders older than 60 days). The mapping is in
docs/connectors.md.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Optional, Union

from yarl import URL

from bot.actions.api.connectors._http import (
    MAX_ORDERS,
    MAX_PAGES,
    Platform,
    Reply,
    clean_email,
    clean_number,
    full_name,
    newest_first,
    postcode,
    product_summary,
    text_or_none,
    web_url,
)
from bot.actions.api.order_model import Order

logger = logging.getLogger(__name__)

DEFAULT_API_VERSION = "2024-01"
PAGE_SIZE = 50  # Shopify allows up to 250
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
FAILED_FULFILMENT = {"cancelled", "error", "failure"}


def _email(record: dict[str, Any]) -> str:
    customer = record.get("customer") if isinstance(record.get("customer"), dict) else {}
    address = record.get("email") or record.get("contact_email") or customer.get("email")
    return str(address or "").strip().lower()


class ShopifyOrderStore:
    """A Shopify shop's orders (`GET /admin/api/{version}/orders.json`)."""

    def __init__(
        self,
        shop_url: str,
        token: str,
        timeout: float,
        *,
        api_version: str = DEFAULT_API_VERSION,
        page_size: int = PAGE_SIZE,
    ) -> None:
        """Configure the client (no connection is opened here)."""
        self._shop = URL(shop_url.rstrip("/"))
        self._base = f"{shop_url.rstrip('/')}/admin/api/{api_version}"
        self._page_size = page_size
        self._http = Platform(
            "Shopify",
            timeout,
            url_setting="SHOPIFY_SHOP_URL",
            credentials="SHOPIFY_ACCESS_TOKEN (an Admin API access token with the read_orders scope)",
            headers={"X-Shopify-Access-Token": token},
            secrets=(token,),
        )

    async def get(self, number: str) -> Optional[Order]:
        """The order named `#{number}` (any status: open, closed or cancelled)."""
        wanted = clean_number(number)
        if not wanted:
            return None
        async with self._http.call() as call:
            reply = await call.get(f"{self._base}/orders.json", {"name": f"#{wanted}", "status": "any"})
        if reply is None:
            return None
        for record in self._records(reply):
            name = str(record.get("name") or "").lstrip("#").strip()
            if name.upper() == wanted.upper() or str(record.get("order_number")) == wanted:
                return self._order(record)
        return None

    async def orders_by_email(self, email: str) -> list[Order]:
        """The customer's orders (order e-mail equal to `email`), newest first, at most 20; the
        pages are followed through the `Link: <…page_info=…>; rel="next"` header."""
        wanted = clean_email(email)
        if not wanted:
            return []
        found: list[Order] = []
        url: Optional[Union[str, URL]] = f"{self._base}/orders.json"
        params: Optional[dict[str, Any]] = {"email": wanted, "status": "any", "limit": self._page_size}
        async with self._http.call() as call:
            for _ in range(MAX_PAGES):
                reply = await call.get(url, params)
                if reply is None:
                    break
                found += [self._order(r) for r in self._records(reply) if _email(r) == wanted]
                url, params = self._next_page(reply.headers.get("Link")), None
                if url is None or len(found) >= MAX_ORDERS:
                    break
        return newest_first(found)

    async def request_delivery_change(self, number: str, note: str) -> bool:
        """Shopify has no delivery-change API: the bot hands the request to a person."""
        return False

    def _next_page(self, link: Optional[str]) -> Optional[URL]:
        """The next page's address from the `Link` header; only on the shop's own origin (the
        access token is never sent anywhere else)."""
        match = NEXT_LINK.search(link or "")
        if not match:
            return None
        url = URL(match.group(1), encoded=True)
        if url.origin() != self._shop.origin():
            logger.warning("Shopify: ignored a next-page link to another origin (%s)", url.origin())
            return None
        return url

    def _records(self, reply: Reply) -> list[dict[str, Any]]:
        orders = reply.data.get("orders") if isinstance(reply.data, dict) else None
        if not isinstance(orders, list):
            raise self._http.unavailable('sent an answer without an "orders" list')
        return [o for o in orders if isinstance(o, dict)]

    def _order(self, record: dict[str, Any]) -> Order:
        """An order from Shopify's JSON."""
        number = text_or_none(record.get("order_number")) or str(record.get("name") or "").lstrip("#")
        if not number:
            raise self._http.unavailable("sent an order without a number")
        fulfilment = text_or_none(record.get("fulfillment_status"))
        shipments = [
            f
            for f in (record.get("fulfillments") or [])
            if isinstance(f, dict) and f.get("status") not in FAILED_FULFILMENT
        ]
        if record.get("cancelled_at"):
            status = "cancelled"
        elif fulfilment == "fulfilled":
            delivered = shipments and all(f.get("shipment_status") == "delivered" for f in shipments)
            status = "delivered" if delivered else "in_transit"
        else:  # null (unfulfilled), partial, and anything else
            status = "preparing"
        tracked = [f for f in shipments if f.get("tracking_company") or f.get("tracking_url")]
        latest = tracked[-1] if tracked else {}
        customer = record.get("customer") if isinstance(record.get("customer"), dict) else {}
        billing = record.get("billing_address") if isinstance(record.get("billing_address"), dict) else {}
        shipping = record.get("shipping_address") if isinstance(record.get("shipping_address"), dict) else {}
        items = record.get("line_items") if isinstance(record.get("line_items"), list) else []
        return Order(
            number=number,
            product=product_summary(i.get("name") or i.get("title") for i in items if isinstance(i, dict)),
            status=status,
            customer_name=full_name(customer.get("first_name"), customer.get("last_name"))
            or full_name(billing.get("first_name"), billing.get("last_name"))
            or full_name(shipping.get("first_name"), shipping.get("last_name")),
            email=_email(record) or None,
            delivery_date=None,
            carrier=text_or_none(latest.get("tracking_company")),
            tracking_url=web_url(latest.get("tracking_url"))
            or next((web_url(u) for u in latest.get("tracking_urls") or [] if web_url(u)), None),
            delivery_change_allowed=False,
            postcode=postcode(shipping.get("zip")) or postcode(billing.get("zip")),
            extra={
                "platform": "shopify",
                "platform_status": "cancelled"
                if record.get("cancelled_at")
                else (fulfilment or "unfulfilled"),
                "ordered_at": record.get("created_at"),
            },
        )
