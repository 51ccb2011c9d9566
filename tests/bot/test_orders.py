"""The order store: the demo file and a shop's own HTTP API (a stand-in over real HTTP)."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.api.orders import (
    DemoOrderStore,
    HttpOrderStore,
    OrderStoreUnavailable,
    set_order_store,
)
from bot.actions.config import ConfigError, Settings
from bot.actions.orders import ActionCheckOrderStatus
from sportello.patterns import extract_order_number
from tests.bot.helpers import DOMAIN, make_tracker, responses

SOFA = {
    "number": "3456789",
    "product": "il divano Malmö",
    "status": "in_transit",
    "delivery_date": "2026-11-18",
    "carrier": "SDA",
    "tracking_url": "https://t.example/3456789",
}


@pytest.fixture
async def shop_api():
    """A shop's order API: 3456789 exists, 5000000 answers 500, 6000000 is slow, 7000000 is malformed."""
    seen = []

    async def order(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        number = request.match_info["number"]
        if number == "3456789":
            return web.json_response(SOFA)
        if number == "5000000":
            return web.json_response({"error": "db down"}, status=500)
        if number == "6000000":
            await asyncio.sleep(3)
            return web.json_response(SOFA)
        if number == "7000000":
            return web.json_response({"number": "7000000", "status": "teleported", "product": "?"})
        return web.json_response({"error": "not found"}, status=404)

    app = web.Application()
    app.router.add_get("/orders/{number}", order)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("")).rstrip("/"), seen
    await server.close()


async def test_http_store_finds_orders_and_turns_faults_into_unavailable(shop_api):
    url, seen = shop_api
    store = HttpOrderStore(url, "shop-token", timeout=1)
    order = await store.get("3456789")
    assert order.product == "il divano Malmö" and order.template_values()["delivery_date"] == "18/11"
    assert seen[-1] == "Bearer shop-token"
    assert await store.get("1111111") is None
    for broken in ("5000000", "6000000", "7000000"):
        with pytest.raises(OrderStoreUnavailable):
            await store.get(broken)
    with pytest.raises(OrderStoreUnavailable):
        await HttpOrderStore("http://127.0.0.1:9", "", timeout=1).get("3456789")


# the order the customer proved theirs earlier in the conversation (its e-mail): its status may be told
PROVEN = {"order_number": "3456789", "order": {"number": "3456789"}, "order_verified": "email"}


async def test_an_order_not_proven_the_customers_gets_no_status(hub):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        "3456789", "inform", slots={"order_number": "3456789", "order": {"number": "3456789"}}
    )
    events = await ActionCheckOrderStatus().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_order_status_unverified", "utter_offer_human"]
    assert not any(m.get("tracking_url") or m.get("delivery_date") for m in dispatcher.messages)
    assert not any(getattr(e, "get", lambda k: None)("name") == "order" for e in events)


async def test_order_status_is_told_and_a_fault_is_a_polite_message(shop_api, monkeypatch):
    url, _ = shop_api
    set_order_store(HttpOrderStore(url, "", timeout=1))
    monkeypatch.setenv("SPORTELLO_TODAY", "2026-11-15")  # before the expected delivery (18/11)
    dispatcher = CollectingDispatcher()
    await ActionCheckOrderStatus().run(dispatcher, make_tracker("3456789", "inform", slots=PROVEN), DOMAIN)
    assert responses(dispatcher) == ["utter_order_status_in_transit", "utter_offer_human"]
    assert dispatcher.messages[0]["tracking_url"] == "https://t.example/3456789"

    dispatcher = CollectingDispatcher()
    await ActionCheckOrderStatus().run(
        dispatcher, make_tracker("5000000", "inform", slots={"order_number": "5000000"}), DOMAIN
    )
    assert responses(dispatcher) == ["utter_order_lookup_failed", "utter_offer_human"]


async def test_a_delivery_date_already_past_is_said_to_be_late_with_one_apology(shop_api, monkeypatch):
    url, _ = shop_api
    set_order_store(HttpOrderStore(url, "", timeout=1))
    for today, late in [("2026-11-18", False), ("2026-11-19", True), ("2026-11-24", True)]:
        monkeypatch.setenv("SPORTELLO_TODAY", today)
        dispatcher = CollectingDispatcher()
        events = await ActionCheckOrderStatus().run(
            dispatcher, make_tracker("3456789", "inform", slots=PROVEN), DOMAIN
        )
        if late:
            assert responses(dispatcher) == [
                "utter_order_status_late",
                "utter_apologise",
                "utter_offer_late_path",
            ]
            assert dispatcher.messages[0]["delivery_date"] == "18/11"
            assert (
                SlotSet("apologised_for", ["delivery_late"]) in events
            )  # the late case will not apologise again
        else:
            assert responses(dispatcher)[0] == "utter_order_status_in_transit"
    # already apologised for the lateness: not twice
    dispatcher = CollectingDispatcher()
    tracker = make_tracker("3456789", "inform", slots={**PROVEN, "apologised_for": ["delivery_late"]})
    await ActionCheckOrderStatus().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_order_status_late", "utter_offer_late_path"]


async def test_the_time_zone_of_the_shop_decides_what_today_is(monkeypatch):
    from bot.actions.config import ConfigError, today

    monkeypatch.delenv("SPORTELLO_TODAY", raising=False)
    monkeypatch.setenv("SHOP_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="SHOP_TIMEZONE"):
        today()
    from datetime import datetime
    from zoneinfo import ZoneInfo

    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):  # UTC+14 and UTC-11: a day apart
        monkeypatch.setenv("SHOP_TIMEZONE", zone)
        before = datetime.now(ZoneInfo(zone)).date()
        found = today()
        assert found in {before, datetime.now(ZoneInfo(zone)).date()}  # (midnight may pass meanwhile)


async def test_demo_orders_keep_their_story_whatever_the_day(monkeypatch):
    from bot.actions.config import DEFAULT_DEMO_ORDERS

    monkeypatch.setenv("SPORTELLO_TODAY", "2030-02-10")
    store = DemoOrderStore(DEFAULT_DEMO_ORDERS)
    sofa = await store.get("3456789")
    assert sofa.delivery_date == "2030-02-04" and sofa.is_late  # "today-6": always late, never stale
    assert (await store.get("4567890")).ship_by == "2030-02-13"


async def test_demo_store_reads_the_design_orders():
    from bot.actions.config import DEFAULT_DEMO_ORDERS

    store = DemoOrderStore(DEFAULT_DEMO_ORDERS)
    statuses = {n: (await store.get(n)).status for n in ("1234567", "2345678", "3456789", "4567890")}
    assert statuses == {
        "1234567": "delivered",
        "2345678": "delivered",
        "3456789": "in_transit",
        "4567890": "preparing",
    }
    assert (await store.get("2345678")).product == "il tavolo da pranzo Oslo"
    assert await store.request_delivery_change("4567890", "giovedì") is True
    assert await store.request_delivery_change("2345678", "giovedì") is False


def test_order_numbers_are_read_the_way_customers_write_them():
    assert extract_order_number("ordine n. 2345678") == "2345678"
    assert extract_order_number("#1234567!") == "1234567"
    assert extract_order_number("234 5678") == "2345678"
    assert extract_order_number("il 12345678 non è un ordine") is None
    assert extract_order_number("chiamatemi al 3331234567") is None


def test_settings_refuse_values_that_cannot_work(monkeypatch):
    monkeypatch.setenv("ORDER_STORE", "ftp")
    with pytest.raises(ConfigError, match="ORDER_STORE"):
        Settings.from_env()
    monkeypatch.setenv("ORDER_STORE", "http")
    monkeypatch.delenv("ORDER_API_URL", raising=False)
    with pytest.raises(ConfigError, match="ORDER_API_URL"):
        Settings.from_env()
    monkeypatch.setenv("ORDER_STORE", "demo")
    monkeypatch.setenv("HUB_TIMEOUT", "-1")
    with pytest.raises(ConfigError, match="HUB_TIMEOUT"):
        Settings.from_env()


@pytest.mark.parametrize(
    ("status", "said"),
    [
        ("delivered", "utter_order_status_delivered_undated"),
        ("in_transit", "utter_order_status_in_transit_untracked"),
        ("preparing", "utter_order_status_preparing_undated"),
        ("cancelled", "utter_order_status_cancelled"),
    ],
)
async def test_an_order_without_a_date_a_carrier_or_a_link_is_told_without_them(tmp_path, status, said):
    """Orders from a platform (WooCommerce, PrestaShop) often have no delivery date or carrier: the
    customer never reads "consegnato il ." — the `_undated` twin says the same without them."""
    import json
    from pathlib import Path

    import yaml

    from bot.actions.orders import TWINS

    orders = tmp_path / "orders.json"
    orders.write_text(
        json.dumps({"3456789": {"number": "3456789", "product": "la lavatrice", "status": status}})
    )
    set_order_store(DemoOrderStore(orders))
    dispatcher = CollectingDispatcher()
    await ActionCheckOrderStatus().run(dispatcher, make_tracker("3456789", "inform", slots=PROVEN), DOMAIN)
    assert responses(dispatcher) == [said, "utter_offer_human"]
    # each twin quotes only what it is chosen for, in every variation (tu and Lei)
    said_by = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())["responses"]
    for name, twins in TWINS.items():
        kept = {"delivery_date", "carrier", "tracking_url", "ship_by"}
        for suffix, quoted in twins:
            variations = said_by[f"{name}{suffix}"]
            unquoted = kept - set(quoted)
            assert variations and not [v for v in variations for k in unquoted if f"{{{k}}}" in v["text"]]
    set_order_store(None)
