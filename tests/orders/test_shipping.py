"""Shipping rates by zone (app/orders/shipping.py): the owner's zones, what an order pays to
go to a country (free over an amount, free at a pickup point, refused where the shop does not
ship), and the order's total: goods - discount + shipping."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import DomainError
from app.extensions import db
from app.orders.cart import build_cart, line_key
from app.orders.discounts import save_discount_code
from app.orders.models import Order
from app.orders.services import CustomerDetails, place_order
from app.orders.shipping import (
    charge_for,
    delete_shipping_zone,
    save_shipping_zone,
    shippable_countries,
    shipping_zones,
)
from app.orders.shipping_models import ShippingZone
from app.tenancy import unscoped, use_shop
from tests.factories import CUSTOMER, make_shop_with_listings

GERMAN = CustomerDetails(name="Lena Vogel", email="lena@example.com", phone="+49 30 1234567",
                         line1="Hauptstraße 1", city="Berlin", postcode="10115", country="DE")


def _zone(shop, **values):
    fields = {"name": "Home", "countries": ["US"], "rate": "4.90", "free_over": ""}
    fields.update(values)
    with use_shop(shop.id):
        return save_shipping_zone(None, shop, **fields)


def _charge(shop, country, goods, **options):
    with use_shop(shop.id):
        return charge_for(shop, country, goods, **options)


def test_without_zones_shipping_is_free_everywhere(shop_a):
    charge = _charge(shop_a.shop, "JP", 1000)
    assert (charge.amount, charge.refusal) == (0, "")
    with use_shop(shop_a.shop.id):
        assert len(shippable_countries(shipping_zones())) == 15


def test_a_zone_charges_its_rate_and_is_free_over_its_amount(shop_a):
    _zone(shop_a.shop, free_over="50")
    assert _charge(shop_a.shop, "US", 4999).amount == 490
    assert "($0.01 to go)" in _charge(shop_a.shop, "US", 4999).note
    free = _charge(shop_a.shop, "us", 5000)
    assert free.amount == 0 and "Free shipping on orders of $50.00 or more" in free.note
    refused = _charge(shop_a.shop, "DE", 1000)
    assert refused.refusal == "Sorry, Alpha Shop does not ship to Germany. Choose another country."
    assert _charge(shop_a.shop, "DE", 1000, pickup=True).amount == 0  # a pickup point ships free
    with use_shop(shop_a.shop.id):
        assert shippable_countries(shipping_zones()) == [("US", "United States")]


def test_the_rest_of_the_world_covers_every_country_no_zone_names(shop_a):
    _zone(shop_a.shop)
    _zone(shop_a.shop, name="Everywhere else", countries=["FR"], rest_of_world=True, rate="15")
    assert _charge(shop_a.shop, "US", 1000).amount == 490
    assert _charge(shop_a.shop, "DE", 1000).amount == 1500
    with use_shop(shop_a.shop.id):
        [rest] = [zone for zone in shipping_zones() if zone.rest_of_world]
        assert rest.countries == []  # the rest of the world names none
        assert len(shippable_countries(shipping_zones())) == 15


@pytest.mark.parametrize("values, field, message", [
    ({"name": " "}, "name", "Give the zone a name"),
    ({"countries": []}, "countries", "at least one country"),
    ({"countries": ["XX"]}, "countries", "Choose countries from the list"),
    ({"rate": ""}, "rate", "Enter the rate per order"),
    ({"rate": "-1"}, "rate", "rate per order as an amount"),
    ({"free_over": "lots"}, "free_over", "amount for free shipping as an amount"),
])
def test_a_bad_zone_is_refused_in_plain_words_and_nothing_is_written(shop_a, values, field, message):
    with pytest.raises(DomainError, match=message) as refused:
        _zone(shop_a.shop, **values)
    assert refused.value.field == field
    with unscoped():
        assert db.session.scalar(select(ShippingZone.id)) is None


def test_a_country_is_in_one_zone_and_there_is_one_rest_of_the_world(shop_a, shop_b):
    _zone(shop_a.shop, countries=["US", "CA"])
    with pytest.raises(DomainError, match="Canada: in the zone Home already") as clash:
        _zone(shop_a.shop, name="North", countries=["CA", "GB"])
    assert clash.value.field == "countries"
    with pytest.raises(DomainError, match="Another zone is called Home"):
        _zone(shop_a.shop, countries=["GB"])
    _zone(shop_a.shop, name="World", rest_of_world=True)
    with pytest.raises(DomainError, match="rest of the world” zone already"):
        _zone(shop_a.shop, name="World 2", rest_of_world=True)
    assert _zone(shop_b.shop, countries=["US", "CA"]).name == "Home"  # another shop's zones are its own


def test_changing_and_deleting_a_zone(shop_a):
    zone = _zone(shop_a.shop)
    with use_shop(shop_a.shop.id):
        save_shipping_zone(zone, shop_a.shop, name="Home", countries=["US", "CA"], rate="3", free_over="40")
        assert (zone.countries, zone.rate, zone.free_over) == (["CA", "US"], 300, 4000)
        delete_shipping_zone(zone)
        assert shipping_zones() == []


def _cart(fixture, index=0, quantity=1):
    listing = fixture.listings[index]
    return build_cart({line_key(listing.id, listing.supply_product.variants[0].id): quantity}, fixture.shop.currency)


def test_an_order_pays_goods_less_discount_plus_shipping(catalog):
    roomy = make_shop_with_listings("roomy", catalog, markup_bp=10_000)
    _zone(roomy.shop, free_over="30")
    with use_shop(roomy.shop.id):
        save_discount_code(None, roomy.shop, text="TEN", kind="amount", value="10")
        order = place_order(roomy.shop, _cart(roomy, 0, 1), CUSTOMER, discount_code="ten")
        # $24.00 - $6.00 (capped at the $18.00 minimum) = $18.00 of goods: under $30, so $4.90 shipping.
        assert (order.subtotal, order.discount_total, order.shipping_total, order.total) == (2400, 600, 490, 2290)
        free = place_order(roomy.shop, _cart(roomy, 0, 2), CUSTOMER)
        assert (free.subtotal, free.shipping_total, free.total) == (4800, 0, 4800)


def test_an_order_to_a_country_the_shop_does_not_ship_to_is_refused_with_nothing_written(shop_a):
    _zone(shop_a.shop)
    with use_shop(shop_a.shop.id):
        with pytest.raises(DomainError, match="does not ship to Germany") as refused:
            place_order(shop_a.shop, _cart(shop_a), GERMAN)
        assert refused.value.field == "country"
        assert db.session.scalars(select(Order)).all() == []
