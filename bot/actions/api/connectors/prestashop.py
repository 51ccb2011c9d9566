"""PrestaShop (webservice, `/api`, JSON output): an order by id or reference, a customer's orders by
e-mail.

Authentication: a webservice key as the HTTP basic-auth user, with an empty password. A lookup by
number costs up to five requests, three of them at the same time (docs/connectors.md): the order
(by id, then by reference), its customer (e-mail and name), its delivery address (postcode) and,
when it has a tracking number, its carrier; a state id the mapping does not know costs one more,
once per process. The history by e-mail costs one request for the customer and one per page of
orders, and leaves the postcode out (one more request per order).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Optional

import aiohttp

from bot.actions.api.connectors._http import (
    MAX_ORDERS,
    MAX_PAGES,
    Call,
    Platform,
    Reply,
    clean_email,
    clean_number,
    full_name,
    newest_first,
    postcode,
    product_summary,
    text_or_none,
)
from bot.actions.api.order_model import STATUSES as ORDER_STATUSES
from bot.actions.api.order_model import Order

# The order states of a fresh PrestaShop 1.7 / 8 installation (id: name, status for the bot).
DEFAULT_STATES: dict[int, tuple[str, str]] = {
    1: ("Awaiting check payment", "preparing"),
    2: ("Payment accepted", "preparing"),
    3: ("Processing in progress", "preparing"),
    4: ("Shipped", "in_transit"),
    5: ("Delivered", "delivered"),
    6: ("Canceled", "cancelled"),
    7: ("Refunded", "cancelled"),
    8: ("Payment error", "cancelled"),
    9: ("On backorder (paid)", "preparing"),
    10: ("Awaiting bank wire payment", "preparing"),
    11: ("Remote payment accepted", "preparing"),
    12: ("On backorder (not paid)", "preparing"),
    13: ("Awaiting Cash On Delivery validation", "preparing"),
}
# A state the mapping does not know is read from /api/order_states/{id}: its name (any language)
# decides, first match wins; then its "shipped" flag; else preparing.
STATE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cancelled", ("annullat", "cancel", "rimborsat", "refund", "errore", "error", "rifiutat")),
    ("delivered", ("consegnat", "delivered", "ritirat")),
    ("in_transit", ("spedit", "shipped", "in transit", "in consegna", "in viaggio")),
)
PAGE_SIZE = 20


def status_from_state(state: Mapping[str, Any]) -> tuple[str, str]:
    """(name, status) of an order state as /api/order_states/{id} describes it."""
    names = state.get("name")
    if isinstance(names, list):  # one entry per language: [{"id": "1", "value": "Spedito"}, …]
        values = [text_or_none(n.get("value")) for n in names if isinstance(n, dict)]
    else:
        values = [text_or_none(names)]
    values = [v for v in values if v]
    words = " ".join(values).lower()
    for status, stems in STATE_WORDS:
        if any(stem in words for stem in stems):
            return values[0], status
    if str(state.get("shipped") or "0") == "1":
        return (values[0] if values else "shipped"), "in_transit"
    return (values[0] if values else "unknown"), "preparing"


def _id(value: Any) -> Optional[int]:
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


class PrestaShopOrderStore:
    """A PrestaShop shop's orders through its webservice."""

    def __init__(
        self,
        url: str,
        key: str,
        timeout: float,
        *,
        states: Optional[Mapping[int, str]] = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        """Configure the client (no connection is opened here). `states` maps state ids to the
        bot's statuses over DEFAULT_STATES (a shop's own states, PRESTASHOP_ORDER_STATES)."""
        self._base = f"{url.rstrip('/')}/api"
        self._page_size = page_size
        self._states: dict[int, tuple[str, str]] = dict(DEFAULT_STATES)
        for state_id, status in (states or {}).items():
            if status not in ORDER_STATUSES:
                raise ValueError(f"unknown order status {status!r} for PrestaShop state {state_id}")
            name = DEFAULT_STATES.get(int(state_id), (f"state {state_id}", status))[0]
            self._states[int(state_id)] = (name, status)
        self._http = Platform(
            "PrestaShop",
            timeout,
            url_setting="PRESTASHOP_URL",
            credentials=(
                "PRESTASHOP_KEY (a webservice key with GET on orders, customers, addresses, "
                "carriers and order_states) and that the webservice is enabled"
            ),
            auth=aiohttp.BasicAuth(key, ""),
            params={"output_format": "JSON"},
            secrets=(key,),
        )

    async def get(self, number: str) -> Optional[Order]:
        """The order whose id (digits) or reference (letters, e.g. XKBKNABJK) is `number`."""
        wanted = clean_number(number)
        if not wanted:
            return None
        async with self._http.call() as call:
            record, shown = None, wanted
            if wanted.isdigit():
                reply = await call.get(f"{self._base}/orders/{wanted}")
                record = self._single(reply, "order") if reply is not None else None
            if record is None:
                reference = wanted.upper()
                reply = await call.get(
                    f"{self._base}/orders", {"filter[reference]": f"[{reference}]", "display": "full"}
                )
                matches = [
                    r
                    for r in self._listing(reply, "orders")
                    if str(r.get("reference") or "").upper() == reference
                ]
                record, shown = (matches[0] if matches else None), reference
            if record is None:
                return None
            tracking = text_or_none(record.get("shipping_number"))
            found = await asyncio.gather(
                self._one(call, "customers", record.get("id_customer"), "[id,firstname,lastname,email]"),
                self._one(call, "addresses", record.get("id_address_delivery"), "[id,postcode]"),
                self._one(call, "carriers", record.get("id_carrier") if tracking else None, "[id,name,url]"),
                self._learn_states(call, [record]),
                return_exceptions=True,
            )
        for result in found:
            if isinstance(result, BaseException):
                raise result
        customer, address, carrier, _ = found
        return self._order(record, shown, customer, address, carrier)

    async def orders_by_email(self, email: str) -> list[Order]:
        """The orders of the customer accounts with this e-mail (a guest checkout makes one each),
        newest first, at most 20; pages of `limit=offset,count`."""
        wanted = clean_email(email)
        if not wanted:
            return []
        found: list[Order] = []
        async with self._http.call() as call:
            reply = await call.get(
                f"{self._base}/customers",
                {"filter[email]": f"[{wanted}]", "display": "[id,firstname,lastname,email]"},
            )
            customers = {
                _id(c.get("id")): c
                for c in self._listing(reply, "customers")
                if _id(c.get("id")) and str(c.get("email") or "").strip().lower() == wanted
            }
            if not customers:
                return []
            ids = "|".join(str(i) for i in sorted(customers))
            for page in range(MAX_PAGES):
                reply = await call.get(
                    f"{self._base}/orders",
                    {
                        "filter[id_customer]": f"[{ids}]",
                        "display": "full",
                        "sort": "[id_DESC]",
                        "limit": f"{page * self._page_size},{self._page_size}",
                    },
                )
                records = self._listing(reply, "orders")
                await self._learn_states(call, records)
                for record in records:
                    customer = customers.get(_id(record.get("id_customer")))
                    found.append(self._order(record, None, customer, None, None))
                if len(records) < self._page_size or len(found) >= MAX_ORDERS:
                    break
        return newest_first(found)

    async def request_delivery_change(self, number: str, note: str) -> bool:
        """PrestaShop has no delivery-change API: the bot hands the request to a person."""
        return False

    async def _one(self, call: Call, resource: str, item: Any, display: str) -> Optional[dict[str, Any]]:
        """One record of `resource` by id, only the `display` fields (None when absent)."""
        item_id = _id(item)
        if item_id is None:
            return None
        reply = await call.get(f"{self._base}/{resource}", {"filter[id]": f"[{item_id}]", "display": display})
        records = self._listing(reply, resource)
        return records[0] if records else None

    async def _learn_states(self, call: Call, records: list[dict[str, Any]]) -> None:
        """Read the names of the state ids the mapping does not know (kept for the process)."""
        unknown = {_id(r.get("current_state")) for r in records} - set(self._states) - {None}
        for state_id in sorted(unknown):
            reply = await call.get(f"{self._base}/order_states/{state_id}")
            state = self._single(reply, "order_state") if reply is not None else None
            self._states[state_id] = status_from_state(state) if state else (f"state {state_id}", "preparing")

    def _listing(self, reply: Optional[Reply], key: str) -> list[dict[str, Any]]:
        """The records of a list answer; PrestaShop answers `[]` (not {key: []}) when none match."""
        if reply is None or reply.data == [] or reply.data == {}:
            return []
        records = reply.data.get(key) if isinstance(reply.data, dict) else None
        if not isinstance(records, list):
            raise self._http.unavailable(f'sent an answer without a "{key}" list')
        return [r for r in records if isinstance(r, dict)]

    def _single(self, reply: Reply, key: str) -> dict[str, Any]:
        record = reply.data.get(key) if isinstance(reply.data, dict) else None
        if not isinstance(record, dict):
            raise self._http.unavailable(f'sent an answer without an "{key}" object')
        return record

    def _order(
        self,
        record: dict[str, Any],
        number: Optional[str],
        customer: Optional[dict[str, Any]],
        address: Optional[dict[str, Any]],
        carrier: Optional[dict[str, Any]],
    ) -> Order:
        """An order from PrestaShop's JSON and the records around it."""
        number = number or text_or_none(record.get("id"))
        if not number:
            raise self._http.unavailable("sent an order without an id")
        state_id = _id(record.get("current_state"))
        name, status = self._states.get(state_id, (f"state {state_id}", "preparing"))
        associations = record.get("associations") if isinstance(record.get("associations"), dict) else {}
        rows = associations.get("order_rows") if isinstance(associations.get("order_rows"), list) else []
        customer = customer or {}
        tracking = text_or_none(record.get("shipping_number"))
        template = text_or_none((carrier or {}).get("url"))
        extra: dict[str, Any] = {
            "platform": "prestashop",
            "platform_status": name,
            "ordered_at": record.get("date_add"),
        }
        if text_or_none(record.get("reference")):
            extra["reference"] = record["reference"]
        if tracking:
            extra["tracking_number"] = tracking
        return Order(
            number=number,
            product=product_summary(r.get("product_name") for r in rows if isinstance(r, dict)),
            status=status,
            customer_name=full_name(customer.get("firstname"), customer.get("lastname")),
            email=text_or_none(customer.get("email")),
            delivery_date=None,
            carrier=text_or_none((carrier or {}).get("name")),
            tracking_url=template.replace("@", tracking)
            if template
            and tracking
            and "@" in template
            and template.lower().startswith(("https://", "http://"))
            else None,
            delivery_change_allowed=False,
            postcode=postcode((address or {}).get("postcode")),
            extra=extra,
        )
