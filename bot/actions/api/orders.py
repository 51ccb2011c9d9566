"""The order stores: a demo store over a data file, an HTTP client for a shop's own API, and the
factory that picks the configured one (the platform connectors are in bot/actions/api/connectors/).
The order itself and the store interface are in bot/actions/api/order_model.py (re-exported here)."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, Optional

import aiohttp

from bot.actions.api.order_model import (
    MAX_ORDERS_BY_EMAIL,
    RELATIVE_DATE,
    STATUSES,
    Order,
    OrderStore,
    OrderStoreUnavailable,
    resolve_date,
)
from bot.actions.config import Settings

__all__ = [
    "MAX_ORDERS_BY_EMAIL",
    "RELATIVE_DATE",
    "STATUSES",
    "DemoOrderStore",
    "HttpOrderStore",
    "Order",
    "OrderStore",
    "OrderStoreUnavailable",
    "get_order_store",
    "platform_store",
    "resolve_date",
    "set_order_store",
]

logger = logging.getLogger(__name__)


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

    async def orders_by_email(self, email: str) -> list[Order]:
        """The file's orders with this e-mail (case-insensitive), newest first: by `ordered_at`
        when a record has one, else by number (the demo's numbers grow with time); at most 20."""
        wanted = str(email or "").strip().lower()
        if not wanted:
            return []
        records = [
            record
            for record in self._records().values()
            if str(record.get("email") or "").strip().lower() == wanted
        ]
        records.sort(
            key=lambda r: (str(resolve_date(r.get("ordered_at")) or ""), str(r["number"])), reverse=True
        )
        return [
            Order.from_dict({k: resolve_date(v) for k, v in r.items()}) for r in records[:MAX_ORDERS_BY_EMAIL]
        ]

    async def request_delivery_change(self, number: str, note: str) -> bool:
        """Accept the change when the order allows it (kept in memory for the demo)."""
        order = await self.get(number)
        if order is None or not order.delivery_change_allowed:
            return False
        self.delivery_changes[number] = note
        return True


class HttpOrderStore:
    """A shop's own order API: ``GET {base}/orders/{number}``, ``GET {base}/orders?email=…`` (answers
    ``{"orders": [...]}``, the same records), ``POST {base}/orders/{number}/delivery-change``."""

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

    async def orders_by_email(self, email: str) -> list[Order]:
        """Ask the shop's API for the customer's orders (it sends them newest first; 20 are kept)."""
        wanted = str(email or "").strip()
        if not wanted:
            return []
        data = await self._request("GET", "/orders", params={"email": wanted})
        if data is None:
            return []
        records = data.get("orders") if isinstance(data, dict) else None
        if not isinstance(records, list):
            raise OrderStoreUnavailable('order API sent no "orders" list')
        try:
            return [Order.from_dict(r) for r in records[:MAX_ORDERS_BY_EMAIL]]
        except (ValueError, TypeError, AttributeError) as exc:
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
        elif settings.order_store in ("woocommerce", "shopify", "prestashop"):
            _store = platform_store(settings)
        else:
            _store = DemoOrderStore(settings.orders_file)
    return _store


def platform_store(settings: Settings) -> OrderStore:
    """The connector of `settings.order_store` (docs/connectors.md)."""
    from bot.actions.api.connectors import (  # here: the connectors import this module
        PrestaShopOrderStore,
        ShopifyOrderStore,
        WooCommerceOrderStore,
    )

    timeout = settings.order_api_timeout
    if settings.order_store == "woocommerce":
        return WooCommerceOrderStore(
            settings.woocommerce_url,
            settings.woocommerce_key,
            settings.woocommerce_secret,
            timeout,
            query_auth=settings.woocommerce_auth == "query",
        )
    if settings.order_store == "shopify":
        return ShopifyOrderStore(
            settings.shopify_shop_url,
            settings.shopify_access_token,
            timeout,
            api_version=settings.shopify_api_version,
        )
    if settings.order_store == "prestashop":
        return PrestaShopOrderStore(
            settings.prestashop_url,
            settings.prestashop_key,
            timeout,
            states=dict(settings.prestashop_order_states),
        )
    raise ValueError(f"no connector for ORDER_STORE={settings.order_store!r}")


def set_order_store(store: Optional[OrderStore]) -> None:
    """Replace the store (tests and embedding)."""
    global _store
    _store = store
