"""The order connectors (WooCommerce, Shopify, PrestaShop), each against a stand-in of the platform's
API over real HTTP serving the response shapes the platform documents; the history by e-mail of the
demo and HTTP stores; the connectors' settings; and a connector failure as the bot lives it."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any, Optional

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.api.connectors import PrestaShopOrderStore, ShopifyOrderStore, WooCommerceOrderStore
from bot.actions.api.connectors._http import product_summary, retry_after
from bot.actions.api.orders import (
    DemoOrderStore,
    HttpOrderStore,
    OrderStoreUnavailable,
    get_order_store,
    set_order_store,
)
from bot.actions.config import ConfigError, Settings
from bot.actions.orders import ActionCheckOrderStatus, ValidateOrderStatusForm
from tests.bot.helpers import DOMAIN, make_tracker, responses

WOO_KEY = "ck_4f9a2c7e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a"
WOO_SECRET = "cs_8e6c4a2f0d8b6e4c2a0f8d6b4e2c0a8f6d4b2e0c"
SHOPIFY_TOKEN = "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"
PRESTASHOP_KEY = "Z7QK3XH9WM2RT8VB6NC4PL5DJ1FG0SYA"


# --- a stand-in platform: real HTTP on 127.0.0.1, every request recorded, faults on demand -------


class StandIn:
    """Serves a platform's routes; `fault` makes every request fail one way (or be throttled)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fault: Optional[str] = None
        self.retry_after = "1"
        self.throttled = 0
        self.error_body: Any = {"error": "internal"}

    def paths(self) -> list[str]:
        return [r["path"] for r in self.requests]

    @web.middleware
    async def middleware(self, request: web.Request, handler: Callable[..., Awaitable[web.StreamResponse]]):
        self.requests.append(
            {
                "path": request.path,
                "raw": request.raw_path,
                "query": dict(request.query),
                "headers": dict(request.headers),
            }
        )
        if self.fault == "500":
            return web.json_response(self.error_body, status=500)
        if self.fault == "malformed":
            return web.Response(text='{"id": 727, "status": "compl', content_type="application/json")
        if self.fault == "html":
            return web.Response(
                text="<html><body>Manutenzione in corso</body></html>", content_type="text/html"
            )
        if self.fault == "slow":
            await asyncio.sleep(2)
        if self.fault == "429-once" and self.throttled == 0:
            self.throttled += 1
            return web.json_response(
                {
                    "errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."
                },
                status=429,
                headers={"Retry-After": self.retry_after},
            )
        if self.fault == "429-always":
            self.throttled += 1
            return web.json_response(
                {"errors": "Too Many Requests"}, status=429, headers={"Retry-After": self.retry_after}
            )
        if self.fault == "redirect":
            location = f"https://www.example.it{request.path_qs}"
            raise web.HTTPMovedPermanently(location=location)
        return await handler(request)


async def serve(stand_in: StandIn, routes: list[web.RouteDef]) -> TestServer:
    app = web.Application(middlewares=[stand_in.middleware])
    app.add_routes(routes)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


def base_url(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def our_logs(caplog: pytest.LogCaptureFixture) -> str:
    """What the action server logged (the stand-in's own access log aside)."""
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("bot."))


def basic_user(request: web.Request) -> tuple[str, str]:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return "", ""
    user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    return user, password


# --- WooCommerce --------------------------------------------------------------------------------


def woo_order(
    order_id: int,
    status: str,
    *,
    email: str = "giulia.rossi@example.it",
    items: tuple[str, ...] = ("Armadio Bergen a tre ante",),
    meta: tuple[dict[str, Any], ...] = (),
    created: str = "2026-11-10T09:15:00",
    shipping_postcode: str = "20122",
) -> dict[str, Any]:
    """An order as `GET /wp-json/wc/v3/orders/{id}` answers it (WooCommerce REST API docs)."""
    return {
        "id": order_id,
        "parent_id": 0,
        "status": status,
        "currency": "EUR",
        "version": "8.5.2",
        "prices_include_tax": True,
        "date_created": created,
        "date_modified": created,
        "discount_total": "0.00",
        "discount_tax": "0.00",
        "shipping_total": "0.00",
        "shipping_tax": "0.00",
        "cart_tax": "90.00",
        "total": "499.00",
        "total_tax": "90.00",
        "customer_id": 12,
        "order_key": f"wc_order_{order_id}abc",
        "billing": {
            "first_name": "Giulia",
            "last_name": "Rossi",
            "company": "",
            "address_1": "Via Dante 12",
            "address_2": "",
            "city": "Milano",
            "state": "MI",
            "postcode": "20121",
            "country": "IT",
            "email": email,
            "phone": "+39 02 1234567",
        },
        "shipping": {
            "first_name": "Giulia",
            "last_name": "Rossi",
            "company": "",
            "address_1": "Via Manzoni 3",
            "address_2": "",
            "city": "Milano",
            "state": "MI",
            "postcode": shipping_postcode,
            "country": "IT",
            "phone": "",
        },
        "payment_method": "bacs",
        "payment_method_title": "Bonifico bancario",
        "transaction_id": "",
        "customer_ip_address": "93.45.12.8",
        "customer_user_agent": "Mozilla/5.0",
        "created_via": "checkout",
        "customer_note": "",
        "date_completed": None,
        "date_paid": created,
        "cart_hash": "1a2b3c",
        "number": str(order_id),
        "meta_data": [{"id": 9000 + i, **m} for i, m in enumerate(meta)],
        "line_items": [
            {
                "id": 300 + i,
                "name": name,
                "product_id": 93 + i,
                "variation_id": 0,
                "quantity": 1,
                "tax_class": "",
                "subtotal": "409.00",
                "subtotal_tax": "90.00",
                "total": "409.00",
                "total_tax": "90.00",
                "taxes": [],
                "meta_data": [],
                "sku": f"SKU-{i}",
                "price": 409,
            }
            for i, name in enumerate(items)
        ],
        "tax_lines": [],
        "shipping_lines": [
            {"id": 1, "method_title": "Spedizione gratuita", "method_id": "free_shipping", "total": "0.00"}
        ],
        "fee_lines": [],
        "coupon_lines": [],
        "refunds": [],
        "date_created_gmt": created,
        "date_modified_gmt": created,
        "date_completed_gmt": None,
        "date_paid_gmt": created,
        "currency_symbol": "€",
        "_links": {
            "self": [{"href": f"https://negozio.example.it/wp-json/wc/v3/orders/{order_id}"}],
            "collection": [{"href": "https://negozio.example.it/wp-json/wc/v3/orders"}],
        },
    }


TRACKING = {
    "key": "_wc_shipment_tracking_items",
    "value": [
        {
            "tracking_provider": "",
            "custom_tracking_provider": "BRT",
            "custom_tracking_link": "https://vas.brt.it/vas/sped_det_show.hsm?Nspediz=0123456789",
            "tracking_number": "0123456789",
            "date_shipped": "1763164800",
            "tracking_id": "a1b2c3",
        }
    ],
}

WOO_ORDERS = {
    701: woo_order(701, "pending"),
    702: woo_order(702, "on-hold"),
    703: woo_order(703, "processing"),
    704: woo_order(704, "processing", meta=(TRACKING,)),
    705: woo_order(705, "completed", meta=({"key": "_delivery_date", "value": "2026-11-12"},)),
    706: woo_order(706, "cancelled"),
    707: woo_order(707, "refunded"),
    708: woo_order(708, "failed"),
    709: woo_order(709, "shipped"),
    710: woo_order(710, "spedito", meta=(TRACKING,)),
    711: woo_order(711, "in-attesa-di-ritiro"),  # a shop's own status the mapping does not know
    712: woo_order(712, "checkout-draft"),  # a cart, not an order
    727: woo_order(
        727,
        "processing",
        items=("Divano Malmö a tre posti", "Pouf Malmö", "Cuscino Lino", "Plaid Lana", "Tappeto Oslo"),
        shipping_postcode="",
    ),
    # the history of anna.verdi@example.it (and of joanna, whom a search for "anna.verdi" also finds)
    801: woo_order(801, "completed", email="anna.verdi@example.it", created="2026-09-01T10:00:00"),
    802: woo_order(802, "completed", email="joanna.verdi@example.it", created="2026-09-15T10:00:00"),
    803: woo_order(803, "cancelled", email="Anna.Verdi@Example.it", created="2026-10-01T10:00:00"),
    804: woo_order(804, "completed", email="anna.verdi@example.it", created="2026-10-20T10:00:00"),
    805: woo_order(805, "processing", email="anna.verdi@example.it", created="2026-11-20T10:00:00"),
    **{
        900 + i: woo_order(
            900 + i, "completed", email="mario.bianchi@example.it", created=f"2025-01-{1 + i:02d}T10:00:00"
        )
        for i in range(25)
    },
}
WOO_NOT_FOUND = {
    "code": "woocommerce_rest_shop_order_invalid_id",
    "message": "ID non valido.",
    "data": {"status": 404},
}


def woo_routes(orders: dict[int, dict[str, Any]]) -> list[web.RouteDef]:
    def authorised(request: web.Request) -> bool:
        if basic_user(request) == (WOO_KEY, WOO_SECRET):
            return True
        return (request.query.get("consumer_key"), request.query.get("consumer_secret")) == (
            WOO_KEY,
            WOO_SECRET,
        )

    def refused() -> web.Response:
        body = {
            "code": "woocommerce_rest_cannot_view",
            "message": "Spiacente, non puoi visualizzare le risorse.",
            "data": {"status": 401},
        }
        return web.json_response(body, status=401)

    async def one(request: web.Request) -> web.Response:
        if not authorised(request):
            return refused()
        order = orders.get(int(request.match_info["id"]))
        return web.json_response(order) if order else web.json_response(WOO_NOT_FOUND, status=404)

    async def listing(request: web.Request) -> web.Response:
        if not authorised(request):
            return refused()
        search = request.query.get("search", "").lower()
        per_page, page = int(request.query.get("per_page", 10)), int(request.query.get("page", 1))
        matching = [o for o in orders.values() if search in o["billing"]["email"].lower()]
        matching.sort(key=lambda o: o["date_created"], reverse=True)  # orderby=date, order=desc
        pages = max(1, -(-len(matching) // per_page))
        chunk = matching[(page - 1) * per_page : page * per_page]
        return web.json_response(
            chunk, headers={"X-WP-Total": str(len(matching)), "X-WP-TotalPages": str(pages)}
        )

    async def no_route(request: web.Request) -> web.Response:
        body = {"code": "rest_no_route", "message": "Nessun percorso corrisponde", "data": {"status": 404}}
        return web.json_response(body, status=404)

    return [
        web.get("/wp-json/wc/v3/orders/{id:\\d+}", one),
        web.get("/wp-json/wc/v3/orders", listing),
        web.get("/shop/wp-json/{tail:.*}", no_route),
    ]


@pytest_asyncio.fixture
async def woo():
    stand_in = StandIn()
    server = await serve(stand_in, woo_routes(WOO_ORDERS))
    yield stand_in, base_url(server)
    await server.close()


def woo_store(url: str, timeout: float = 2, **kwargs: Any) -> WooCommerceOrderStore:
    return WooCommerceOrderStore(url, WOO_KEY, WOO_SECRET, timeout, **kwargs)


@pytest.mark.parametrize(
    "order_id, status",
    [
        (701, "preparing"),  # pending
        (702, "preparing"),  # on-hold
        (703, "preparing"),  # processing, no tracking yet
        (704, "in_transit"),  # processing with a shipment tracking
        (705, "delivered"),  # completed
        (706, "cancelled"),
        (707, "cancelled"),  # refunded
        (708, "cancelled"),  # failed
        (709, "in_transit"),  # custom "shipped"
        (710, "in_transit"),  # custom "spedito"
        (711, "preparing"),  # a custom status the mapping does not know
    ],
)
async def test_woocommerce_maps_every_status(woo, order_id, status):
    stand_in, url = woo
    order = await woo_store(url).get(str(order_id))
    assert order is not None and order.status == status
    assert order.number == str(order_id)
    assert order.extra["platform"] == "woocommerce"
    assert order.extra["platform_status"] == WOO_ORDERS[order_id]["status"]
    # basic auth with the consumer key and secret, nothing in the query
    assert basic_user_of(stand_in.requests[-1]) == (WOO_KEY, WOO_SECRET)
    assert "consumer_secret" not in stand_in.requests[-1]["query"]


def basic_user_of(recorded: dict[str, Any]) -> tuple[str, str]:
    header = recorded["headers"].get("Authorization", "")
    user, _, password = base64.b64decode(header[6:]).decode().partition(":") if header else ("", "", "")
    return user, password


async def test_woocommerce_maps_the_fields(woo):
    _, url = woo
    store = woo_store(url)
    shipped = await store.get("704")
    assert shipped.customer_name == "Giulia Rossi" and shipped.email == "giulia.rossi@example.it"
    assert shipped.product == "Armadio Bergen a tre ante"
    assert shipped.postcode == "20122"  # the shipping address's, not the billing one (20121)
    assert shipped.carrier == "BRT"
    assert shipped.tracking_url == "https://vas.brt.it/vas/sped_det_show.hsm?Nspediz=0123456789"
    assert shipped.delivery_date is None and shipped.delivery_change_allowed is False
    assert shipped.proven_by("il cap è 20122") == "postcode"
    assert (await store.get("705")).delivery_date == "2026-11-12"  # from meta_data
    many = await store.get("727")
    assert many.product == "Divano Malmö a tre posti, Pouf Malmö, Cuscino Lino +2"
    assert many.postcode == "20121"  # no shipping postcode: the billing one
    assert await store.get("712") is None  # a checkout draft is no order
    assert await store.request_delivery_change("703", "giovedì mattina") is False


async def test_woocommerce_not_found_and_faults(woo):
    stand_in, url = woo
    store = woo_store(url)
    assert await store.get("999") is None  # 404 woocommerce_rest_shop_order_invalid_id
    for fault in ("500", "malformed", "html"):
        stand_in.fault = fault
        with pytest.raises(OrderStoreUnavailable):
            await store.get("703")
    stand_in.fault = None
    # a WordPress without the WooCommerce route: a wrong address, not a missing order
    with pytest.raises(OrderStoreUnavailable, match="WOOCOMMERCE_URL"):
        await woo_store(f"{url}/shop").get("703")


async def test_woocommerce_refused_credentials_name_the_settings_and_never_the_secret(woo, caplog):
    _, url = woo
    caplog.set_level(logging.DEBUG)
    wrong = WooCommerceOrderStore(url, WOO_KEY, "cs_wrong_secret_0000", timeout=2)
    with pytest.raises(OrderStoreUnavailable, match="401") as error:
        await wrong.get("703")
    assert "WOOCOMMERCE_KEY" in str(error.value) and "WOOCOMMERCE_SECRET" in str(error.value)
    assert "cs_wrong_secret_0000" not in str(error.value) + our_logs(caplog)


async def test_woocommerce_query_string_auth(woo):
    stand_in, url = woo
    order = await woo_store(url, query_auth=True).get("705")
    assert order.status == "delivered"
    recorded = stand_in.requests[-1]
    assert recorded["query"]["consumer_key"] == WOO_KEY and "Authorization" not in recorded["headers"]


async def test_woocommerce_redirect_and_network_errors_never_leak_the_secret(woo, caplog):
    stand_in, url = woo
    caplog.set_level(logging.DEBUG)
    stand_in.fault = "redirect"  # e.g. to https://www. …, with the query (and its secret) along
    with pytest.raises(OrderStoreUnavailable, match="WOOCOMMERCE_URL") as error:
        await woo_store(url, query_auth=True).get("703")
    assert "https://www.example.it/wp-json/wc/v3/orders/703" in str(error.value)
    closed = woo_store(f"http://127.0.0.1:{closed_port()}", query_auth=True)
    with pytest.raises(OrderStoreUnavailable) as down:
        await closed.get("703")
    assert WOO_SECRET not in str(error.value) + str(down.value) + our_logs(caplog)


async def test_woocommerce_history_by_email_across_pages(woo):
    stand_in, url = woo
    orders = await woo_store(url, page_size=2).orders_by_email("  Anna.Verdi@example.it ")
    # joanna.verdi@… matches the search but not the billing e-mail; the case of an address is ignored
    assert [o.number for o in orders] == ["805", "804", "803", "801"]
    listing = [r for r in stand_in.requests if r["path"] == "/wp-json/wc/v3/orders"]
    assert [r["query"]["page"] for r in listing] == ["1", "2", "3"]  # X-WP-TotalPages: 3
    assert all(r["query"]["search"] == "anna.verdi@example.it" for r in listing)
    assert await woo_store(url).orders_by_email("nessuno@example.it") == []


async def test_woocommerce_history_keeps_the_newest_twenty(woo):
    stand_in, url = woo
    orders = await woo_store(url, page_size=10).orders_by_email("mario.bianchi@example.it")
    assert len(orders) == 20
    assert orders[0].number == "924" and orders[-1].number == "905"  # newest first
    assert len(stand_in.requests) == 2  # 20 found in two pages of 10: the third is not asked


# --- Shopify ------------------------------------------------------------------------------------

SHOPIFY_VERSION = "2024-01"


def shopify_order(
    number: int,
    *,
    fulfillment_status: Optional[str] = None,
    fulfillments: tuple[dict[str, Any], ...] = (),
    cancelled: bool = False,
    email: str = "luca.bianchi@example.it",
    created: str = "2026-11-10T10:15:00+01:00",
) -> dict[str, Any]:
    """An order as `GET /admin/api/{version}/orders.json` lists it (Shopify REST Admin API docs)."""
    address = {
        "first_name": "Luca",
        "last_name": "Bianchi",
        "address1": "Via dell'Indipendenza 8",
        "address2": "",
        "city": "Bologna",
        "zip": "40121",
        "province": "Bologna",
        "province_code": "BO",
        "country": "Italy",
        "country_code": "IT",
        "phone": "+39 051 123456",
        "company": None,
        "name": "Luca Bianchi",
    }
    return {
        "id": 5600000000 + number,
        "admin_graphql_api_id": f"gid://shopify/Order/{5600000000 + number}",
        "name": f"#{number}",
        "order_number": number,
        "number": number - 1000,
        "email": email,
        "contact_email": email,
        "created_at": created,
        "updated_at": created,
        "processed_at": created,
        "cancelled_at": "2026-11-11T09:00:00+01:00" if cancelled else None,
        "cancel_reason": "customer" if cancelled else None,
        "closed_at": None,
        "currency": "EUR",
        "financial_status": "refunded" if cancelled else "paid",
        "fulfillment_status": fulfillment_status,
        "total_price": "129.00",
        "subtotal_price": "129.00",
        "total_tax": "23.26",
        "taxes_included": True,
        "tags": "",
        "note": None,
        "line_items": [
            {
                "id": 13400000000 + number,
                "name": "Lampada Nord - Bianco",
                "title": "Lampada Nord",
                "variant_title": "Bianco",
                "quantity": 1,
                "price": "129.00",
                "sku": "LMP-NORD-W",
                "vendor": "Casa",
                "fulfillment_status": fulfillment_status,
                "requires_shipping": True,
            }
        ],
        "customer": {
            "id": 207119551,
            "email": email,
            "first_name": "Luca",
            "last_name": "Bianchi",
            "state": "enabled",
            "verified_email": True,
            "currency": "EUR",
        },
        "billing_address": address,
        "shipping_address": address,
        "shipping_lines": [{"id": 1, "title": "Standard", "price": "0.00", "code": "Standard"}],
        "fulfillments": list(fulfillments),
        "refunds": [],
    }


def fulfillment(shipment_status: Optional[str], status: str = "success") -> dict[str, Any]:
    return {
        "id": 4400000001,
        "order_id": 5600001003,
        "status": status,
        "created_at": "2026-11-11T15:00:00+01:00",
        "service": "manual",
        "updated_at": "2026-11-12T08:00:00+01:00",
        "tracking_company": "BRT",
        "shipment_status": shipment_status,
        "location_id": 655441491,
        "tracking_number": "0123456789",
        "tracking_numbers": ["0123456789"],
        "tracking_url": "https://vas.brt.it/vas/sped_det_show.hsm?Nspediz=0123456789",
        "tracking_urls": ["https://vas.brt.it/vas/sped_det_show.hsm?Nspediz=0123456789"],
        "name": "#1003.1",
    }


SHOPIFY_ORDERS = [
    shopify_order(1001),  # unfulfilled (fulfillment_status null)
    shopify_order(1002, fulfillment_status="partial", fulfillments=(fulfillment("in_transit"),)),
    shopify_order(1003, fulfillment_status="fulfilled", fulfillments=(fulfillment("in_transit"),)),
    shopify_order(1004, fulfillment_status="fulfilled", fulfillments=(fulfillment("delivered"),)),
    shopify_order(1005, cancelled=True),
    shopify_order(1006, fulfillment_status="fulfilled", fulfillments=(fulfillment(None),)),
    shopify_order(
        1007,
        fulfillment_status="fulfilled",
        fulfillments=(fulfillment("delivered"), fulfillment(None, status="cancelled")),
    ),
    shopify_order(3456789, fulfillment_status="fulfilled", fulfillments=(fulfillment("in_transit"),)),
    # the history of paolo.neri@example.it: five orders, listed newest first
    *(
        shopify_order(2000 + i, email="paolo.neri@example.it", created=f"2026-0{i + 1}-15T10:00:00+01:00")
        for i in range(5)
    ),
    shopify_order(2100, email="paola.neri@example.it"),
]


def shopify_routes(orders: list[dict[str, Any]], seen_base: list[str]) -> list[web.RouteDef]:
    async def listing(request: web.Request) -> web.Response:
        if request.headers.get("X-Shopify-Access-Token") != SHOPIFY_TOKEN:
            return web.json_response(
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
                status=401,
            )
        query = request.query
        limit = int(query.get("limit", 50))
        if "page_info" in query:
            if set(query) - {"page_info", "limit", "fields"}:  # as Shopify: no filters with a cursor
                return web.json_response({"errors": {"page_info": "Invalid value."}}, status=400)
            email, offset = json.loads(base64.urlsafe_b64decode(query["page_info"]).decode())
        else:
            email, offset = query.get("email"), 0
        matching = sorted(orders, key=lambda o: o["created_at"], reverse=True)
        if "name" in query:
            matching = [o for o in matching if o["name"] == query["name"]]
        if email:
            matching = [o for o in matching if o["email"] == email]
        chunk = matching[offset : offset + limit]
        links = []

        def cursor(at: int) -> str:
            token = base64.urlsafe_b64encode(json.dumps([email, at]).encode()).decode()
            return f"<{seen_base[0]}/admin/api/{SHOPIFY_VERSION}/orders.json?limit={limit}&page_info={token}>"

        if offset > 0:
            links.append(f'{cursor(max(0, offset - limit))}; rel="previous"')
        if offset + limit < len(matching):
            links.append(f'{cursor(offset + limit)}; rel="next"')
        headers = {"Link": ", ".join(links)} if links else {}
        return web.json_response({"orders": chunk}, headers=headers)

    return [web.get(f"/admin/api/{SHOPIFY_VERSION}/orders.json", listing)]


@pytest_asyncio.fixture
async def shopify():
    stand_in = StandIn()
    seen_base: list[str] = []
    server = await serve(stand_in, shopify_routes(SHOPIFY_ORDERS, seen_base))
    seen_base.append(base_url(server))
    yield stand_in, base_url(server)
    await server.close()


def shopify_store(url: str, timeout: float = 2, **kwargs: Any) -> ShopifyOrderStore:
    return ShopifyOrderStore(url, SHOPIFY_TOKEN, timeout, **kwargs)


@pytest.mark.parametrize(
    "number, status",
    [
        ("1001", "preparing"),  # unfulfilled
        ("1002", "preparing"),  # partially fulfilled
        ("1003", "in_transit"),  # fulfilled, shipment in transit
        ("1004", "delivered"),  # fulfilled, shipment delivered
        ("1005", "cancelled"),  # cancelled_at
        ("1006", "in_transit"),  # fulfilled, no shipment events yet
        ("1007", "delivered"),  # a cancelled fulfilment does not count
    ],
)
async def test_shopify_maps_every_status(shopify, number, status):
    stand_in, url = shopify
    order = await shopify_store(url).get(number)
    assert order is not None and order.status == status and order.number == number
    recorded = stand_in.requests[-1]
    assert recorded["query"] == {"name": f"#{number}", "status": "any"}
    assert "name=%23" + number in recorded["raw"]
    assert recorded["headers"]["X-Shopify-Access-Token"] == SHOPIFY_TOKEN


async def test_shopify_maps_the_fields(shopify):
    _, url = shopify
    order = await shopify_store(url).get("1003")
    assert order.product == "Lampada Nord - Bianco"
    assert order.customer_name == "Luca Bianchi" and order.email == "luca.bianchi@example.it"
    assert order.postcode == "40121" and order.proven_by("luca.bianchi@example.it") == "email"
    assert order.carrier == "BRT"
    assert order.tracking_url == "https://vas.brt.it/vas/sped_det_show.hsm?Nspediz=0123456789"
    assert order.extra["platform_status"] == "fulfilled"
    assert await shopify_store(url).request_delivery_change("1001", "sabato") is False


async def test_shopify_not_found_and_faults(shopify):
    stand_in, url = shopify
    store = shopify_store(url)
    assert await store.get("9999") is None  # {"orders": []}
    assert await shopify_store(url, api_version="2019-04").get("1001") is None  # a 404
    for fault in ("500", "malformed"):
        stand_in.fault = fault
        with pytest.raises(OrderStoreUnavailable):
            await store.get("1001")


async def test_shopify_refused_token_names_the_setting(shopify, caplog):
    _, url = shopify
    caplog.set_level(logging.DEBUG)
    with pytest.raises(OrderStoreUnavailable, match="SHOPIFY_ACCESS_TOKEN") as error:
        await ShopifyOrderStore(url, "shpat_wrong_token_000", 2).get("1001")
    assert "shpat_wrong_token_000" not in str(error.value) + our_logs(caplog)


async def test_shopify_history_by_email_follows_the_link_header(shopify):
    stand_in, url = shopify
    orders = await shopify_store(url, page_size=2).orders_by_email("Paolo.Neri@example.it")
    assert [o.number for o in orders] == ["2004", "2003", "2002", "2001", "2000"]
    first, *rest = stand_in.requests
    assert first["query"] == {"email": "paolo.neri@example.it", "status": "any", "limit": "2"}
    assert len(rest) == 2 and all(set(r["query"]) == {"limit", "page_info"} for r in rest)


async def test_shopify_never_follows_a_next_link_to_another_origin(shopify):
    stand_in, url = shopify
    store = ShopifyOrderStore(url.replace("127.0.0.1", "localhost"), SHOPIFY_TOKEN, 2, page_size=2)
    # the stand-in's links point at 127.0.0.1, not at the shop's configured localhost
    orders = await store.orders_by_email("paolo.neri@example.it")
    assert [o.number for o in orders] == ["2004", "2003"] and len(stand_in.requests) == 1


# --- PrestaShop ---------------------------------------------------------------------------------


def prestashop_order(
    order_id: int,
    state: int,
    *,
    customer: int = 2,
    reference: str = "XKBKNABJK",
    shipping_number: str = "",
    products: tuple[str, ...] = ("Armadio Bergen - Colore : Bianco",),
    created: str = "2026-11-10 09:15:00",
) -> dict[str, Any]:
    """An order as `GET /api/orders/{id}?output_format=JSON` describes it (PrestaShop webservice)."""
    return {
        "id": order_id,
        "id_address_delivery": "5",
        "id_address_invoice": "6",
        "id_cart": str(order_id + 10),
        "id_currency": "1",
        "id_lang": "1",
        "id_customer": str(customer),
        "id_carrier": "3",
        "current_state": str(state),
        "module": "ps_wirepayment",
        "invoice_number": "0",
        "invoice_date": "0000-00-00 00:00:00",
        "delivery_number": "0",
        "delivery_date": "0000-00-00 00:00:00",
        "valid": "1",
        "date_add": created,
        "date_upd": created,
        "shipping_number": shipping_number,
        "note": "",
        "id_shop_group": "1",
        "id_shop": "1",
        "secure_key": "b44a6d9efd7a0076a0fbce6b15eaf3b1",
        "payment": "Bonifico bancario",
        "recyclable": "0",
        "gift": "0",
        "gift_message": "",
        "mobile_theme": "0",
        "total_discounts": "0.000000",
        "total_paid": "499.000000",
        "total_paid_tax_incl": "499.000000",
        "total_paid_tax_excl": "409.020000",
        "total_paid_real": "0.000000",
        "total_products": "409.020000",
        "total_products_wt": "499.000000",
        "total_shipping": "0.000000",
        "carrier_tax_rate": "22.000",
        "conversion_rate": "1.000000",
        "reference": reference,
        "associations": {
            "order_rows": [
                {
                    "id": str(100 + i),
                    "product_id": str(1 + i),
                    "product_attribute_id": "1",
                    "product_quantity": "1",
                    "product_name": name,
                    "product_reference": f"demo_{i}",
                    "product_ean13": "",
                    "product_isbn": "",
                    "product_upc": "",
                    "product_price": "409.020000",
                    "id_customization": "0",
                    "unit_price_tax_incl": "499.000000",
                    "unit_price_tax_excl": "409.020000",
                }
                for i, name in enumerate(products)
            ]
        },
    }


PS_ORDERS = {
    o["id"]: o
    for o in [
        prestashop_order(1, 1),  # awaiting check payment
        prestashop_order(2, 2),  # payment accepted
        prestashop_order(3, 3),  # processing in progress
        prestashop_order(4, 4, shipping_number="0123456789"),  # shipped
        prestashop_order(5, 5),  # delivered
        prestashop_order(6, 6),  # canceled
        prestashop_order(7, 7),  # refunded
        prestashop_order(8, 8),  # payment error
        prestashop_order(9, 9),  # on backorder (paid)
        prestashop_order(10, 10),  # awaiting bank wire payment
        prestashop_order(11, 11),  # remote payment accepted
        prestashop_order(12, 12),  # on backorder (not paid)
        prestashop_order(14, 14),  # the shop's own "Spedito con corriere espresso"
        prestashop_order(15, 15),  # the shop's own "Pronto per il ritiro in negozio"
        prestashop_order(16, 16),  # the shop's own "Partito dal magazzino" (flag shipped)
        prestashop_order(40, 2, reference="QWERTYUIO"),
        # the history of anna.verdi@example.it: a guest checkout (customer 9) and an account (7)
        *(
            prestashop_order(50 + i, 5, customer=7 if i % 2 else 9, created=f"2026-0{i + 1}-10 10:00:00")
            for i in range(5)
        ),
    ]
}
PS_CUSTOMERS = {
    2: {
        "id": 2,
        "firstname": "Giulia",
        "lastname": "Rossi",
        "email": "giulia.rossi@example.it",
        "passwd": "$2y$10$hash",
    },
    7: {
        "id": 7,
        "firstname": "Anna",
        "lastname": "Verdi",
        "email": "anna.verdi@example.it",
        "passwd": "$2y$10$hash",
    },
    9: {"id": 9, "firstname": "Anna", "lastname": "Verdi", "email": "anna.verdi@example.it", "passwd": ""},
}
PS_ADDRESSES = {
    5: {"id": 5, "id_customer": "2", "postcode": "20121", "city": "Milano", "address1": "Via Dante 12"}
}
PS_CARRIERS = {
    3: {"id": 3, "name": "BRT", "url": "https://vas.brt.it/vas/sped_det_show.hsm?Nspediz=@", "active": "1"}
}
PS_STATES = {
    14: ("Spedito con corriere espresso", "0"),
    15: ("Pronto per il ritiro in negozio", "0"),
    16: ("Partito dal magazzino", "1"),
}


def prestashop_routes() -> list[web.RouteDef]:
    def check(request: web.Request) -> Optional[web.Response]:
        if basic_user(request) != (PRESTASHOP_KEY, ""):
            return web.json_response(
                {"errors": [{"code": 18, "message": "Invalid authentication key"}]},
                status=401,
                headers={
                    "WWW-Authenticate": 'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key as the login. No password required."'
                },
            )
        if request.query.get("output_format") != "JSON":
            return web.Response(text='<?xml version="1.0"?><prestashop/>', content_type="text/xml")
        return None

    def displayed(record: dict[str, Any], display: str) -> dict[str, Any]:
        if display == "full":
            return record
        fields = display.strip("[]").split(",")
        return {k: v for k, v in record.items() if k in fields}

    def filtered(records: dict[int, dict[str, Any]], query: Any) -> list[dict[str, Any]]:
        found = list(records.values())
        for key, value in query.items():
            if key.startswith("filter[") and value.startswith("[") and value.endswith("]"):
                field = key[len("filter[") : -1]
                allowed = value[1:-1].lower().split("|")
                found = [r for r in found if str(r.get(field, "")).lower() in allowed]
        if query.get("sort") == "[id_DESC]":
            found.sort(key=lambda r: int(r["id"]), reverse=True)
        if "limit" in query:
            offset, _, count = query["limit"].partition(",")
            found = found[int(offset) : int(offset) + int(count)]
        return [displayed(r, query.get("display", "[id]")) for r in found]

    def listing(name: str, records: dict[int, dict[str, Any]]):
        async def handler(request: web.Request) -> web.Response:
            refused = check(request)
            if refused is not None:
                return refused
            found = filtered(records, request.query)
            return web.json_response({name: found} if found else [])  # PrestaShop's empty answer: []

        return handler

    async def one_order(request: web.Request) -> web.Response:
        refused = check(request)
        if refused is not None:
            return refused
        order = PS_ORDERS.get(int(request.match_info["id"]))
        if not order:
            return web.json_response({"errors": [{"code": 87, "message": "Invalid ID"}]}, status=404)
        return web.json_response({"order": order})

    async def one_state(request: web.Request) -> web.Response:
        refused = check(request)
        if refused is not None:
            return refused
        name, shipped = PS_STATES[int(request.match_info["id"])]
        state = {
            "id": int(request.match_info["id"]),
            "unremovable": "0",
            "delivery": "1",
            "hidden": "0",
            "send_email": "1",
            "module_name": "",
            "invoice": "1",
            "color": "#32CD32",
            "logable": "1",
            "shipped": shipped,
            "paid": "1",
            "pdf_delivery": "0",
            "pdf_invoice": "1",
            "deleted": "0",
            "name": [{"id": "1", "value": name}, {"id": "2", "value": name}],
            "template": [{"id": "1", "value": ""}, {"id": "2", "value": ""}],
        }
        return web.json_response({"order_state": state})

    return [
        web.get("/api/orders/{id:\\d+}", one_order),
        web.get("/api/orders", listing("orders", PS_ORDERS)),
        web.get("/api/customers", listing("customers", PS_CUSTOMERS)),
        web.get("/api/addresses", listing("addresses", PS_ADDRESSES)),
        web.get("/api/carriers", listing("carriers", PS_CARRIERS)),
        web.get("/api/order_states/{id:\\d+}", one_state),
    ]


@pytest_asyncio.fixture
async def prestashop():
    stand_in = StandIn()
    server = await serve(stand_in, prestashop_routes())
    yield stand_in, base_url(server)
    await server.close()


def prestashop_store(url: str, timeout: float = 2, **kwargs: Any) -> PrestaShopOrderStore:
    return PrestaShopOrderStore(url, PRESTASHOP_KEY, timeout, **kwargs)


@pytest.mark.parametrize(
    "order_id, status",
    [
        (1, "preparing"),
        (2, "preparing"),
        (3, "preparing"),
        (4, "in_transit"),
        (5, "delivered"),
        (6, "cancelled"),
        (7, "cancelled"),
        (8, "cancelled"),
        (9, "preparing"),
        (10, "preparing"),
        (11, "preparing"),
        (12, "preparing"),
        (14, "in_transit"),  # read from /api/order_states/14: its name says "Spedito"
        (15, "preparing"),  # a name that says nothing known, not flagged shipped
        (16, "in_transit"),  # flagged shipped
    ],
)
async def test_prestashop_maps_every_status(prestashop, order_id, status):
    stand_in, url = prestashop
    order = await prestashop_store(url).get(str(order_id))
    assert order is not None and order.status == status and order.number == str(order_id)
    asked_state = f"/api/order_states/{order_id}" in stand_in.paths()
    assert asked_state == (order_id > 13)  # the default ids never cost a request
    assert basic_user_of(stand_in.requests[0]) == (PRESTASHOP_KEY, "")


async def test_prestashop_maps_the_fields_with_the_customer_address_and_carrier(prestashop):
    stand_in, url = prestashop
    order = await prestashop_store(url).get("4")
    assert order.product == "Armadio Bergen - Colore : Bianco"
    assert order.customer_name == "Giulia Rossi" and order.email == "giulia.rossi@example.it"
    assert order.postcode == "20121"  # from /api/addresses/{id_address_delivery}
    assert order.carrier == "BRT"
    assert order.tracking_url == "https://vas.brt.it/vas/sped_det_show.hsm?Nspediz=0123456789"
    assert order.extra["reference"] == "XKBKNABJK" and order.extra["platform_status"] == "Shipped"
    customers = next(r for r in stand_in.requests if r["path"] == "/api/customers")
    assert customers["query"]["filter[id]"] == "[2]" and "passwd" not in customers["query"]["display"]
    assert sorted(stand_in.paths()) == ["/api/addresses", "/api/carriers", "/api/customers", "/api/orders/4"]
    no_tracking = await prestashop_store(url).get("5")
    assert no_tracking.carrier is None and no_tracking.tracking_url is None


async def test_prestashop_finds_an_order_by_reference_and_a_mapping_saves_requests(prestashop):
    stand_in, url = prestashop
    order = await prestashop_store(url).get("qwertyuio")
    assert order.number == "QWERTYUIO" and order.status == "preparing"
    listing = next(r for r in stand_in.requests if r["path"] == "/api/orders")
    assert listing["query"]["filter[reference]"] == "[QWERTYUIO]" and listing["query"]["display"] == "full"
    stand_in.requests.clear()
    mapped = prestashop_store(url, states={15: "delivered"})
    assert (await mapped.get("15")).status == "delivered"
    assert "/api/order_states/15" not in stand_in.paths()


async def test_prestashop_not_found_and_faults(prestashop):
    stand_in, url = prestashop
    store = prestashop_store(url)
    assert await store.get("404") is None  # 404 by id, then `[]` by reference
    assert stand_in.paths() == ["/api/orders/404", "/api/orders"]
    assert await store.get("ZZZZZZZZZ") is None
    stand_in.error_body = {"errors": [{"code": 500, "message": "Internal error"}]}
    for fault in ("500", "malformed"):
        stand_in.fault = fault
        with pytest.raises(OrderStoreUnavailable):
            await store.get("5")


async def test_prestashop_refused_key_names_the_setting(prestashop, caplog):
    _, url = prestashop
    caplog.set_level(logging.DEBUG)
    with pytest.raises(OrderStoreUnavailable, match="PRESTASHOP_KEY") as error:
        await PrestaShopOrderStore(url, "WRONGKEY0000WRONGKEY0000WRONGKEY", 2).get("5")
    assert "WRONGKEY0000" not in str(error.value) + our_logs(caplog)


async def test_prestashop_history_by_email_across_customers_and_pages(prestashop):
    stand_in, url = prestashop
    orders = await prestashop_store(url, page_size=2).orders_by_email("ANNA.VERDI@example.it")
    assert [o.number for o in orders] == ["54", "53", "52", "51", "50"]
    assert {o.email for o in orders} == {"anna.verdi@example.it"} and orders[0].customer_name == "Anna Verdi"
    assert all(o.postcode is None for o in orders)  # one more request per order: left out
    customers, *pages = stand_in.requests
    assert customers["query"]["filter[email]"] == "[anna.verdi@example.it]"
    assert [p["query"]["limit"] for p in pages] == ["0,2", "2,2", "4,2"]
    assert all(
        p["query"]["filter[id_customer]"] == "[7|9]" and p["query"]["sort"] == "[id_DESC]" for p in pages
    )
    stand_in.requests.clear()
    assert await prestashop_store(url).orders_by_email("nessuno@example.it") == []
    assert len(stand_in.requests) == 1  # no customer, no orders asked


# --- what every connector shares: rate limits, the time budget, numbers never sent --------------


@pytest_asyncio.fixture(params=["woocommerce", "shopify", "prestashop"])
async def platform(request):
    """Each connector against its stand-in: (name, stand_in, make_store(timeout), a known number)."""
    stand_in = StandIn()
    seen_base: list[str] = []
    if request.param == "woocommerce":
        routes, number = woo_routes(WOO_ORDERS), "703"
    elif request.param == "shopify":
        routes, number = shopify_routes(SHOPIFY_ORDERS, seen_base), "1003"
    else:
        routes, number = prestashop_routes(), "5"
    server = await serve(stand_in, routes)
    url = base_url(server)
    seen_base.append(url)
    makers = {
        "woocommerce": lambda timeout: woo_store(url, timeout),
        "shopify": lambda timeout: shopify_store(url, timeout),
        "prestashop": lambda timeout: prestashop_store(url, timeout),
    }
    yield request.param, stand_in, makers[request.param], number
    await server.close()


async def test_a_429_within_the_budget_is_waited_for_and_retried_once(platform):
    name, stand_in, make, number = platform
    stand_in.fault, stand_in.retry_after = "429-once", "1" if name != "shopify" else "1.0"
    started = time.monotonic()
    order = await make(3).get(number)
    assert order is not None
    assert time.monotonic() - started >= 0.9  # Retry-After honoured
    first, second = stand_in.requests[:2]
    assert first["path"] == second["path"] and first["query"] == second["query"]  # the same request again
    assert stand_in.throttled == 1


async def test_a_429_longer_than_the_budget_is_unavailable_at_once(platform):
    _, stand_in, make, number = platform
    stand_in.fault, stand_in.retry_after = "429-always", "30"
    started = time.monotonic()
    with pytest.raises(OrderStoreUnavailable, match="429"):
        await make(2).get(number)
    assert time.monotonic() - started < 1 and len(stand_in.requests) == 1


async def test_a_429_is_retried_only_once(platform):
    _, stand_in, make, number = platform
    stand_in.fault, stand_in.retry_after = "429-always", "0.2"
    with pytest.raises(OrderStoreUnavailable, match="429"):
        await make(3).get(number)
    assert len(stand_in.requests) == 2


async def test_a_slow_platform_is_unavailable_within_the_budget(platform):
    _, stand_in, make, number = platform
    stand_in.fault = "slow"  # answers after 2 s
    started = time.monotonic()
    with pytest.raises(OrderStoreUnavailable, match="ORDER_API_TIMEOUT"):
        await make(0.5).get(number)
    assert time.monotonic() - started < 1.5


async def test_a_server_error_is_unavailable(platform):
    _, stand_in, make, number = platform
    stand_in.fault = "500"
    with pytest.raises(OrderStoreUnavailable, match="500"):
        await make(2).get(number)


@pytest.mark.parametrize(
    "number",
    [
        "../customers/1",
        "..%2F..%2Fconfig",
        "5?display=full",
        "1 OR 1=1",
        "5/../../7",
        "#1003",
        "[5|6]",
        "",
        "ab-12",
    ],
)
async def test_an_order_number_that_is_not_letters_and_digits_is_never_sent(platform, number):
    _, stand_in, make, _ = platform
    assert await make(2).get(number) is None
    assert stand_in.requests == []


async def test_an_email_that_is_not_one_is_never_sent(platform):
    _, stand_in, make, _ = platform
    store = make(2)
    for email in ("anna]|[id_customer", "not-an-email", "%@example.it", "a b@example.it", ""):
        assert await store.orders_by_email(email) == []
    assert stand_in.requests == []


async def test_an_unreachable_platform_is_unavailable():
    url = f"http://127.0.0.1:{closed_port()}"
    for store in (woo_store(url, 1), shopify_store(url, 1), prestashop_store(url, 1)):
        with pytest.raises(OrderStoreUnavailable, match="unreachable"):
            await store.get("1003")
        with pytest.raises(OrderStoreUnavailable):
            await store.orders_by_email("anna.verdi@example.it")


def test_the_helpers_summarise_products_and_read_retry_after():
    assert product_summary(["A", "B", "C"]) == "A, B, C"
    assert product_summary(["A", "B", "C", "D"]) == "A, B, C +1"
    assert product_summary([]) == "articoli non indicati"
    assert retry_after({"Retry-After": "2.0"}) == 2.0
    assert retry_after({}) == 1.0
    assert retry_after({"Retry-After": "soon"}) is None
    assert retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # in the past


# --- a connector failure as the bot lives it -----------------------------------------------------


async def test_an_unavailable_connector_lets_the_bot_go_on_without_the_order(woo):
    stand_in, url = woo
    set_order_store(woo_store(url, timeout=1))
    stand_in.fault = "500"
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("3456789", "inform", slots={"order_number": "3456789"})
    await ActionCheckOrderStatus().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_order_lookup_failed", "utter_offer_human"]

    # inside the forms: the number is kept, no order, and the agent is told why
    dispatcher = CollectingDispatcher()
    slots = await ValidateOrderStatusForm().validate_order_number("3456789", dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_order_lookup_failed"]
    assert slots["order_number"] == "3456789" and slots["order"] is None
    assert any("sistema ordini non raggiungibile" in note for note in slots["bot_tried"])
    assert any(r["path"] == "/wp-json/wc/v3/orders/3456789" for r in stand_in.requests)


async def test_an_order_from_a_connector_is_told_like_any_other(shopify, monkeypatch):
    _, url = shopify
    set_order_store(shopify_store(url))
    monkeypatch.setenv("SPORTELLO_TODAY", "2026-11-15")
    dispatcher = CollectingDispatcher()
    proven = {"order_number": "3456789", "order": {"number": "3456789"}, "order_verified": "email"}
    await ActionCheckOrderStatus().run(dispatcher, make_tracker("3456789", "inform", slots=proven), DOMAIN)
    # Shopify gives the carrier and the tracking link, not a delivery date
    assert responses(dispatcher) == ["utter_order_status_in_transit_undated", "utter_offer_human"]
    assert dispatcher.messages[0]["carrier"] == "BRT"
    assert dispatcher.messages[0]["tracking_url"].startswith("https://vas.brt.it/")


# --- the history by e-mail of the demo and HTTP stores -------------------------------------------


async def test_demo_store_lists_a_customers_orders_newest_first(tmp_path):
    path = tmp_path / "orders.json"
    records = {
        "1000001": {
            "number": "1000001",
            "product": "la sedia Oslo",
            "status": "delivered",
            "email": "anna.verdi@example.it",
        },
        "1000002": {
            "number": "1000002",
            "product": "il tavolo Bergen",
            "status": "cancelled",
            "email": "luca@example.it",
        },
        "1000003": {
            "number": "1000003",
            "product": "il divano Malmö",
            "status": "in_transit",
            "email": "Anna.Verdi@Example.IT",
            "delivery_date": "today+2",
        },
        "1000004": {"number": "1000004", "product": "il pouf", "status": "preparing"},
    }
    path.write_text(json.dumps(records), encoding="utf-8")
    store = DemoOrderStore(path)
    orders = await store.orders_by_email(" ANNA.verdi@example.it")
    assert [o.number for o in orders] == ["1000003", "1000001"]
    assert orders[0].delivery_date == "2026-11-26"  # relative dates resolved (today pinned: 24/11)
    assert await store.orders_by_email("nessuno@example.it") == []
    assert await store.orders_by_email("") == []
    many = {
        str(2000000 + i): {
            "number": str(2000000 + i),
            "product": "x",
            "status": "delivered",
            "email": "m@example.it",
        }
        for i in range(25)
    }
    path.write_text(json.dumps(many), encoding="utf-8")
    orders = await store.orders_by_email("m@example.it")
    assert len(orders) == 20 and orders[0].number == "2000024"


async def test_http_store_lists_a_customers_orders():
    seen = []

    async def listing(request: web.Request) -> web.Response:
        seen.append(dict(request.query))
        if request.query.get("email") == "anna.verdi@example.it":
            return web.json_response(
                {"orders": [{"number": "3456789", "product": "il divano Malmö", "status": "in_transit"}]}
            )
        if request.query.get("email") == "broken@example.it":
            return web.json_response({"orders": [{"number": "1", "status": "teleported", "product": "?"}]})
        return web.json_response({"orders": []})

    app = web.Application()
    app.router.add_get("/orders", listing)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        store = HttpOrderStore(base_url(server), "", timeout=1)
        assert [o.number for o in await store.orders_by_email("anna.verdi@example.it")] == ["3456789"]
        assert seen[-1] == {"email": "anna.verdi@example.it"}
        assert await store.orders_by_email("nessuno@example.it") == []
        with pytest.raises(OrderStoreUnavailable):
            await store.orders_by_email("broken@example.it")
    finally:
        await server.close()


# --- settings ------------------------------------------------------------------------------------

CONNECTOR_SETTINGS = (
    "ORDER_STORE",
    "ORDER_API_URL",
    "WOOCOMMERCE_URL",
    "WOOCOMMERCE_KEY",
    "WOOCOMMERCE_SECRET",
    "WOOCOMMERCE_AUTH",
    "SHOPIFY_SHOP_URL",
    "SHOPIFY_ACCESS_TOKEN",
    "SHOPIFY_API_VERSION",
    "PRESTASHOP_URL",
    "PRESTASHOP_KEY",
    "PRESTASHOP_ORDER_STATES",
)


@pytest.fixture
def env(monkeypatch):
    for name in CONNECTOR_SETTINGS:
        monkeypatch.delenv(name, raising=False)

    def setenv(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return setenv


@pytest.mark.parametrize(
    "store, given, missing",
    [
        ("woocommerce", {}, "WOOCOMMERCE_URL"),
        ("woocommerce", {"WOOCOMMERCE_URL": "https://negozio.example.it"}, "WOOCOMMERCE_KEY"),
        (
            "woocommerce",
            {"WOOCOMMERCE_URL": "https://n.example.it", "WOOCOMMERCE_KEY": "ck_1"},
            "WOOCOMMERCE_SECRET",
        ),
        ("shopify", {"SHOPIFY_ACCESS_TOKEN": "shpat_1"}, "SHOPIFY_SHOP_URL"),
        ("shopify", {"SHOPIFY_SHOP_URL": "https://casa.myshopify.com"}, "SHOPIFY_ACCESS_TOKEN"),
        ("prestashop", {"PRESTASHOP_KEY": "K"}, "PRESTASHOP_URL"),
        ("prestashop", {"PRESTASHOP_URL": "https://negozio.example.it"}, "PRESTASHOP_KEY"),
    ],
)
def test_a_missing_connector_setting_is_named(env, store, given, missing):
    env(ORDER_STORE=store, **given)
    with pytest.raises(ConfigError, match=f"ORDER_STORE={store} needs .*{missing}"):
        Settings.from_env()


def test_connector_settings_refuse_values_that_cannot_work(env):
    env(ORDER_STORE="magento")
    with pytest.raises(ConfigError, match="ORDER_STORE.*prestashop"):
        Settings.from_env()
    env(
        ORDER_STORE="woocommerce",
        WOOCOMMERCE_URL="http://negozio.example.it",
        WOOCOMMERCE_KEY="k",
        WOOCOMMERCE_SECRET="s",
    )
    with pytest.raises(ConfigError, match="WOOCOMMERCE_URL.*https://"):
        Settings.from_env()  # the key would travel in clear
    env(WOOCOMMERCE_URL="https://user:pw@negozio.example.it")
    with pytest.raises(ConfigError, match="WOOCOMMERCE_URL"):
        Settings.from_env()
    env(WOOCOMMERCE_URL="https://negozio.example.it", WOOCOMMERCE_AUTH="oauth")
    with pytest.raises(ConfigError, match="WOOCOMMERCE_AUTH"):
        Settings.from_env()
    env(
        ORDER_STORE="shopify",
        SHOPIFY_SHOP_URL="casa.myshopify.com",
        SHOPIFY_ACCESS_TOKEN="t",
        SHOPIFY_API_VERSION="latest",
    )
    with pytest.raises(ConfigError, match="SHOPIFY_API_VERSION"):
        Settings.from_env()
    env(
        ORDER_STORE="prestashop",
        PRESTASHOP_URL="https://n.example.it",
        PRESTASHOP_KEY="K",
        PRESTASHOP_ORDER_STATES="14=spedito",
    )
    with pytest.raises(ConfigError, match="PRESTASHOP_ORDER_STATES.*14=spedito"):
        Settings.from_env()


def test_get_order_store_builds_the_configured_connector(env):
    env(
        ORDER_STORE="woocommerce",
        WOOCOMMERCE_URL="http://127.0.0.1:8081/",
        WOOCOMMERCE_KEY="k",
        WOOCOMMERCE_SECRET="s",
    )
    set_order_store(None)
    assert isinstance(get_order_store(Settings.from_env()), WooCommerceOrderStore)  # http on loopback

    env(ORDER_STORE="shopify", SHOPIFY_SHOP_URL="casa.myshopify.com", SHOPIFY_ACCESS_TOKEN="t")
    settings = Settings.from_env()
    assert (
        settings.shopify_shop_url == "https://casa.myshopify.com"
        and settings.shopify_api_version == "2024-01"
    )
    set_order_store(None)
    assert isinstance(get_order_store(settings), ShopifyOrderStore)

    env(
        ORDER_STORE="prestashop",
        PRESTASHOP_URL="https://n.example.it",
        PRESTASHOP_KEY="K",
        PRESTASHOP_ORDER_STATES="14=in_transit; 15:delivered",
    )
    settings = Settings.from_env()
    assert settings.prestashop_order_states == ((14, "in_transit"), (15, "delivered"))
    set_order_store(None)
    assert isinstance(get_order_store(settings), PrestaShopOrderStore)
