"""Shipping at checkout: the chosen country's cost shown before placing (and every shipped
country's figures for the page's script), only countries the shop ships to offered (another
refused in plain words), pickup free; the order, Stripe's page and the ledger carry it; a full
refund gives it back."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.ledger.models import LedgerEntry
from app.orders.models import Order
from app.orders.services import mark_paid
from app.orders.shipping import save_shipping_zone
from app.payments.refunds import refund_cash, refund_order
from app.shops.pickup import save_pickup_point
from app.tenancy import unscoped, use_shop
from tests.payments.helpers import (
    CHECKOUT,
    add_to_cart,
    fresh,
    latest_order,
    payment_of,
    session_id_of,
)

GERMANY = dict(CHECKOUT, line1="Hauptstraße 1", city="Berlin", postcode="10115", country="DE")


@pytest.fixture
def zones(shop_a, shop_b):
    """Shop A ships home for $4.90 (free from $50) and to Europe for $12.00; nowhere else."""
    with use_shop(shop_a.shop.id):
        save_shipping_zone(None, shop_a.shop, name="Home", countries=["US"], rate="4.90", free_over="50")
        save_shipping_zone(None, shop_a.shop, name="Europe", countries=["DE", "FR"], rate="12")
    with use_shop(shop_b.shop.id):  # another shop's zones change nothing here
        save_shipping_zone(None, shop_b.shop, name="Everywhere", countries=[], rest_of_world=True, rate="99")
    db.session.flush()
    return shop_a


def _rates(page: str) -> dict:
    return json.loads(unescape(re.search(r'data-rates="([^"]*)"', page).group(1)))


def _sale(order_id):
    with unscoped():
        return {e.payee_type: e.amount for e in db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.order_id == order_id, LedgerEntry.kind == "sale"))}


def test_checkout_shows_the_chosen_countrys_shipping_and_offers_only_shipped_countries(zones, storefront):
    client = storefront(zones.shop)
    add_to_cart(client, zones.listings[0])  # $18.00
    page = client.get("/checkout").get_data(as_text=True)
    assert re.findall(r'<option[^>]*value="(\w\w)"', page) == ["US", "DE", "FR"]
    assert "$4.90" in page and "$22.90" in page and "($32.00 to go)" in page
    assert _rates(page) == {
        "pickup": {"shipping": "Free", "note": "Free: you collect it at the pickup point.", "total": "$18.00",
                   "amount": 1800},
        "US": {"shipping": "$4.90", "note": "Free on orders of $50.00 or more ($32.00 to go).", "total": "$22.90",
               "amount": 2290},
        "DE": {"shipping": "$12.00", "note": "", "total": "$30.00", "amount": 3000},
        "FR": {"shipping": "$12.00", "note": "", "total": "$30.00", "amount": 3000}}
    assert "checkout.js" in page
    # Without the script: the server shows Germany's shipping before placing anything.
    shown = client.post("/checkout", data=dict(GERMANY, quoted_total="2290"))
    assert shown.status_code == 409 and "Your total is now $30.00" in shown.get_data(as_text=True)
    placed = client.post("/checkout", data=dict(GERMANY, quoted_total="3000"))
    assert placed.status_code == 302
    order = latest_order()
    assert (order.subtotal, order.shipping_total, order.total, order.ship_country) == (1800, 1200, 3000, "DE")
    assert "$12.00" in client.get(placed.location).get_data(as_text=True)


def test_the_checkout_opens_on_the_shoppers_likely_country(zones, storefront):
    """Before the shopper picks, the country of their browser's region is chosen when the
    shop ships there (with its shipping and total); else the first offered."""
    client = storefront(zones.shop)
    add_to_cart(client, zones.listings[0])  # $18.00
    german = client.get("/checkout", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert re.findall(r'<option selected value="(\w\w)"', german) == ["DE"] and "$30.00" in german
    japanese = client.get("/checkout", headers={"Accept-Language": "ja-JP"}).get_data(as_text=True)
    assert "$22.90" in japanese  # Japan is not offered: the first country, the US


def test_a_shop_priced_in_yuan_opens_its_checkout_on_china():
    from app.orders.countries import likely_country

    offered = ["US", "CA", "GB", "CN", "HK"]
    assert likely_country(offered, ["zh"], "CNY") == "CN"  # no region in the browser's language
    assert likely_country(offered, ["zh-HK", "zh"], "CNY") == "HK"  # the browser's region first
    assert likely_country(offered, ["en-GB"], "USD") == "GB"
    assert likely_country(offered, ["fr-FR", "fr"], "EUR") is None  # the first offered, as before
    assert likely_country(["US"], ["zh-CN"], "CNY") is None


def test_a_country_the_shop_does_not_ship_to_is_refused_in_plain_words(zones, storefront):
    client = storefront(zones.shop)
    add_to_cart(client, zones.listings[0])
    refused = client.post("/checkout", data=dict(CHECKOUT, country="JP"))
    assert refused.status_code == 422
    assert "Sorry, Alpha Shop does not ship to Japan. Choose another country." in refused.get_data(as_text=True)
    with unscoped():
        assert db.session.scalar(select(func.count(Order.id))) == 0


def test_free_over_the_amount_and_free_at_a_pickup_point(zones, storefront):
    client = storefront(zones.shop)
    add_to_cart(client, zones.listings[0], quantity=3)  # $54.00
    client.post("/checkout", data=CHECKOUT)
    assert (latest_order().shipping_total, latest_order().total) == (0, 5400)
    with use_shop(zones.shop.id):
        point, _ = save_pickup_point(None, name="Lobby", line1="1 Elm St", city="Tokyo", postcode="100", country="JP",
                                     hours="9-5", contact_name="Kim", contact_phone="")
        point_id = point.id
    other = storefront(zones.shop)
    add_to_cart(other, zones.listings[1])
    placed = other.post("/checkout", data=dict(CHECKOUT, delivery=f"pickup-{point_id}"))
    assert placed.status_code == 302
    order = latest_order()
    assert (order.shipping_total, order.total, order.ship_country, order.pickup_point_id) == (0, 375, "JP", point_id)


def test_the_ledger_gives_the_shop_the_shipping_and_a_full_refund_gives_it_back(zones, storefront):
    client = storefront(zones.shop)
    add_to_cart(client, zones.listings[0])
    client.post("/checkout", data=GERMANY)
    order = latest_order()
    with use_shop(zones.shop.id):
        order = db.session.get(Order, order.id)
        mark_paid(order)
        sale = _sale(order.id)
        # Suppliers their cost; the platform 5% of the whole $30.00; the shop the rest, shipping included.
        assert sale == {"supplier": 1200, "platform": 150, "shop": 3000 - 1200 - 150}
        line = refund_cash(order, {order.lines[0].id: 1})
        assert line.amount == 1800 and order.status == "paid"  # the item, not the shipping
        rest = refund_cash(order, None)
        assert rest.amount == 1200 and order.status == "refunded" and order.refunded_total == order.total


def test_card_checkout_charges_the_shipping_as_a_line_of_its_own(zones, storefront, fake_stripe):
    client = storefront(zones.shop)
    add_to_cart(client, zones.listings[0], quantity=2)
    response = client.post("/checkout", data=dict(GERMANY, payment_method="card"))
    assert response.status_code == 303
    order = latest_order()
    [request] = fake_stripe.find_requests("POST", "/v1/checkout/sessions")
    items = [(i["price_data"]["product_data"]["name"], i["price_data"]["unit_amount"], i["quantity"])
             for i in request.params["line_items"]]
    assert items == [("alpha Organic Cotton Tee (S / Sand)", "1800", "2"), ("Shipping to Germany", "1200", "1")]
    assert fake_stripe.get(session_id_of(response.location))["amount_total"] == order.total == 4800
    fake_stripe.pay_session(session_id_of(response.location))
    assert fresh(order).status == "paid" and sum(_sale(order.id).values()) == 4800
    with use_shop(zones.shop.id):
        order = db.session.get(Order, order.id)
        refund = refund_order(order, None, source="dashboard", user_id=None)
        assert refund.amount == 4800 and payment_of(order).amount == 4800


def test_a_group_buy_pays_shipping_too(zones, storefront):
    from app.deals import services as deals

    with use_shop(zones.shop.id):
        listing = zones.listings[1]
        variant = listing.supply_product.variants[0]
        deal = deals.save_group_buy(listing, prices={variant.id: "3.60"}, group_size="2", time_limit_hours="24",
                                    max_open_groups="5")
        deal_id, variant_id = deal.id, variant.id
    client = storefront(zones.shop)
    path = f"/group-checkout?deal={deal_id}&variant={variant_id}&qty=1"
    page = client.get(path).get_data(as_text=True)
    assert "$4.90" in page and "$8.50" in page and 'name="discount_code"' not in page
    assert client.post(path, data=dict(CHECKOUT, country="JP")).status_code == 422
    shown = client.post(path, data=dict(GERMANY, quoted_total="850"))  # the page showed the US total
    assert shown.status_code == 409 and "Your total is now $15.60" in shown.get_data(as_text=True)
    client.post(path, data=dict(GERMANY, quoted_total="1560"))
    order = latest_order()
    assert (order.subtotal, order.shipping_total, order.total, order.deal_round_id is not None) == (360, 1200, 1560, True)


def test_a_checkout_reads_the_zones_once_and_writes_the_language_with_the_order(zones, storefront):
    """The page's countries, every country's quote and the order itself use one read of the
    shop's zones (a placed order read them four times: the pickup quote read them though it
    never ships), and the shopper's language goes in with the order, not as an UPDATE in a
    second transaction after the checkout's commit. Nor are the shop and the order read
    again after that commit for the redirect."""
    from tests.test_statement_counts import recording

    client = storefront(zones.shop)
    add_to_cart(client, zones.listings[0])
    client.get("/checkout")
    seen = {}
    for step, send in (("page", lambda: client.get("/checkout")),
                       ("placed", lambda: client.post("/checkout", data=dict(GERMANY, quoted_total="3000")))):
        with recording() as counter:
            answer = send()
        assert answer.status_code == (200 if step == "page" else 302), step
        seen[step] = counter.statements
    for step, statements in seen.items():
        assert sum("FROM shipping_zones" in statement for statement in statements) == 1, step
    assert not [statement for statement in seen["placed"] if statement.lstrip().startswith("UPDATE orders")]
    placed = [statement.lstrip() for statement in seen["placed"]]
    start = max(n for n, statement in enumerate(placed) if statement.startswith("INSERT INTO orders"))
    relay = min(n for n, statement in enumerate(placed) if statement.startswith("SELECT outbox_jobs."))
    after = placed[start:relay]  # (the relay's inline jobs read what they need, as a worker would)
    assert not [statement for statement in after if statement.startswith(("SELECT shops.", "SELECT orders."))]
    order = latest_order()
    assert (order.language, order.shipping_total, order.total) == ("en", 1200, 3000)
