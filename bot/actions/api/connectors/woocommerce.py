"""WooCommerce (REST API v3, `/wp-json/wc/v3`): an order by id, a customer's orders by e-mail.

Authentication: the REST API key's consumer key and secret, as HTTP basic auth over HTTPS, or
(`WOOCOMMERCE_AUTH=query`, for servers that drop the Authorization header) as the query-string
parameters `consumer_key` and `consumer_secret`. The mapping is in docs/connectors.md.
"""

from __future__ import annotations

from typing import Any, Optional

import aiohttp

from bot.actions.api.connectors._http import (
    MAX_ORDERS,
    MAX_PAGES,
    Platform,
    clean_email,
    clean_number,
    full_name,
    iso_date,
    newest_first,
    postcode,
    product_summary,
    text_or_none,
    web_url,
)
from bot.actions.api.order_model import Order

# WooCommerce's order statuses (and the custom ones Italian shops add most) → the bot's
STATUSES = {
    "pending": "preparing",  # awaiting payment
    "on-hold": "preparing",  # awaiting a bank transfer, a check
    "processing": "preparing",  # paid; in_transit when a shipment tracking exists
    "completed": "delivered",
    "cancelled": "cancelled",
    "refunded": "cancelled",
    "failed": "cancelled",
    # custom statuses (plugins such as "Custom Order Status"), by slug
    "shipped": "in_transit",
    "spedito": "in_transit",
    "in-spedizione": "in_transit",
    "in-transit": "in_transit",
    "delivered": "delivered",
    "consegnato": "delivered",
}
UNKNOWN_STATUS = "preparing"  # any other custom status: the agent sees the platform's own
NOT_ORDERS = {"checkout-draft", "auto-draft", "trash"}  # carts and deleted orders: "not found"

# written by the WooCommerce Shipment Tracking and Advanced Shipment Tracking plugins
TRACKING_META = "_wc_shipment_tracking_items"
# a delivery date, when a delivery-date plugin or the shop writes one under one of these keys
DELIVERY_DATE_META = ("delivery_date", "_delivery_date", "data_consegna", "_data_consegna")

PAGE_SIZE = 20


def _no_rest_api(body: Any) -> Optional[str]:
    """A 404 from WordPress itself (no such route) means a wrong address, not a missing order."""
    if isinstance(body, dict) and body.get("code") == "rest_no_route":
        return (
            "no WooCommerce REST API at this address (rest_no_route): check WOOCOMMERCE_URL, that "
            "WooCommerce is active and that WordPress permalinks are not 'Plain'"
        )
    return None


class WooCommerceOrderStore:
    """A WooCommerce shop's orders (`GET /wp-json/wc/v3/orders/{id}`, `GET …/orders?search=`)."""

    def __init__(
        self,
        url: str,
        key: str,
        secret: str,
        timeout: float,
        *,
        query_auth: bool = False,
        page_size: int = PAGE_SIZE,
    ) -> None:
        """Configure the client (no connection is opened here)."""
        self._base = f"{url.rstrip('/')}/wp-json/wc/v3"
        self._page_size = page_size
        self._http = Platform(
            "WooCommerce",
            timeout,
            url_setting="WOOCOMMERCE_URL",
            credentials="WOOCOMMERCE_KEY and WOOCOMMERCE_SECRET (a REST API key with Read permission)",
            auth=None if query_auth else aiohttp.BasicAuth(key, secret),
            params={"consumer_key": key, "consumer_secret": secret} if query_auth else None,
            secrets=(key, secret),
            misconfigured_404=_no_rest_api,
        )

    async def get(self, number: str) -> Optional[Order]:
        """The order whose id is `number` (WooCommerce's order numbers are its ids)."""
        wanted = clean_number(number)
        if not wanted or not wanted.isdigit():
            return None
        async with self._http.call() as call:
            reply = await call.get(f"{self._base}/orders/{wanted}")
        if reply is None:
            return None
        if not isinstance(reply.data, dict):
            raise self._http.unavailable("sent an order that is not a JSON object")
        return self._order(reply.data)

    async def orders_by_email(self, email: str) -> list[Order]:
        """The customer's orders (billing e-mail equal to `email`), newest first, at most 20."""
        wanted = clean_email(email)
        if not wanted:
            return []
        found: list[Order] = []
        async with self._http.call() as call:
            page = 1
            while True:
                reply = await call.get(
                    f"{self._base}/orders",
                    {
                        "search": wanted,
                        "per_page": self._page_size,
                        "page": page,
                        "orderby": "date",
                        "order": "desc",
                    },
                )
                if reply is None:
                    break
                if not isinstance(reply.data, list):
                    raise self._http.unavailable("sent an order list that is not a JSON array")
                for record in reply.data:
                    billing = record.get("billing") if isinstance(record, dict) else None
                    address = (billing or {}).get("email") if isinstance(billing, dict) else None
                    if str(address or "").strip().lower() == wanted:
                        order = self._order(record)
                        if order is not None:
                            found.append(order)
                try:
                    pages = int(reply.headers.get("X-WP-TotalPages") or 1)
                except ValueError:
                    pages = 1
                if len(found) >= MAX_ORDERS or page >= min(pages, MAX_PAGES) or not reply.data:
                    break
                page += 1
        return newest_first(found)

    async def request_delivery_change(self, number: str, note: str) -> bool:
        """WooCommerce has no delivery-change API: the bot hands the request to a person."""
        return False

    def _order(self, record: dict[str, Any]) -> Optional[Order]:
        """An order from WooCommerce's JSON (None for drafts and orders in the trash)."""
        raw = str(record.get("status") or "").strip().lower()
        raw = raw[3:] if raw.startswith("wc-") else raw
        number = text_or_none(record.get("number")) or text_or_none(record.get("id"))
        if not raw or not number:
            raise self._http.unavailable("sent an order without a status or a number")
        if raw in NOT_ORDERS:
            return None
        meta = _meta(record.get("meta_data"))
        trackings = [t for t in (meta.get(TRACKING_META) or []) if isinstance(t, dict)]
        status = STATUSES.get(raw, UNKNOWN_STATUS)
        if raw == "processing" and trackings:
            status = "in_transit"
        latest = trackings[-1] if trackings else {}
        billing = record.get("billing") if isinstance(record.get("billing"), dict) else {}
        shipping = record.get("shipping") if isinstance(record.get("shipping"), dict) else {}
        items = record.get("line_items") if isinstance(record.get("line_items"), list) else []
        return Order(
            number=number,
            product=product_summary(i.get("name") for i in items if isinstance(i, dict)),
            status=status,
            customer_name=full_name(billing.get("first_name"), billing.get("last_name")),
            email=text_or_none(billing.get("email")),
            delivery_date=next((d for d in (iso_date(meta.get(k)) for k in DELIVERY_DATE_META) if d), None),
            carrier=text_or_none(latest.get("custom_tracking_provider"))
            or text_or_none(latest.get("tracking_provider")),
            tracking_url=web_url(latest.get("custom_tracking_link")),
            delivery_change_allowed=False,
            postcode=postcode(shipping.get("postcode")) or postcode(billing.get("postcode")),
            extra={
                "platform": "woocommerce",
                "platform_status": raw,
                "ordered_at": record.get("date_created_gmt") or record.get("date_created"),
            },
        )


def _meta(entries: Any) -> dict[str, Any]:
    """`meta_data` ([{"id", "key", "value"}]) as a dict (the last value of a key wins)."""
    if not isinstance(entries, list):
        return {}
    return {
        e["key"]: e.get("value") for e in entries if isinstance(e, dict) and isinstance(e.get("key"), str)
    }
