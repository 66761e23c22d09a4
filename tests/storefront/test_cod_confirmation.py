"""Pay-on-delivery abuse (security issue: 12 anonymous COD checkouts in 14 s all became
purchase orders): checkouts are rate-limited per address and per e-mail, and a shop can hold
COD orders until the shopper confirms by e-mail or the owner approves."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.catalog.models import SupplyVariant
from app.db_types import utcnow
from app.extensions import db, limiter
from app.notifications.models import OutboundEmail
from app.orders import confirmation
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.models import Order
from app.shops.models import Shop
from app.tenancy import unscoped
from tests.storefront.test_shopping import CHECKOUT, _add


@pytest.fixture
def limits(app):
    """Set checkout limits for one test; the suite's generous ones come back after."""
    saved = {k: app.config[k] for k in ("CHECKOUT_RATE_LIMIT", "CHECKOUT_EMAIL_RATE_LIMIT")}

    def set_limits(**values):
        app.config.update(values)

    limiter.reset()
    yield set_limits
    app.config.update(saved)
    limiter.reset()


def _checkout(client, fixture, *, email="ada@example.com", addr="203.0.113.7", quantity=1):
    listing = fixture.listings[0]
    _add(client, listing, listing.supply_product.variants[0], quantity)
    return client.post("/checkout", data=dict(CHECKOUT, email=email),
                       environ_base={"REMOTE_ADDR": addr})


def _orders(shop_id):
    with unscoped():
        return list(db.session.scalars(select(Order).where(Order.shop_id == shop_id)
                                       .order_by(Order.id).execution_options(populate_existing=True)))


def _purchase_orders(order_id):
    with unscoped():
        return db.session.scalar(select(func.count(PurchaseOrder.id)).where(PurchaseOrder.order_id == order_id))


def _emails(kind, order_id):
    with unscoped():
        return list(db.session.scalars(select(OutboundEmail).where(
            OutboundEmail.dedupe_key == f"{kind}:{order_id}")))


def _set_shop(shop_id, choice):
    with unscoped():
        shop = db.session.get(Shop, shop_id)
        shop.cod_confirmation = choice
        db.session.flush()


def _stock(variant_id):
    with unscoped():
        return db.session.scalar(select(SupplyVariant.stock).where(SupplyVariant.id == variant_id)
                                 .execution_options(populate_existing=True))


# Rate limits ---------------------------------------------------------------------------------


def test_checkouts_from_one_address_are_limited(shop_a, storefront, limits):
    limits(CHECKOUT_RATE_LIMIT="2 per minute")
    client = storefront(shop_a.shop)
    for n in range(2):
        assert _checkout(client, shop_a, email=f"buyer{n}@example.com").status_code == 302
    refused = _checkout(client, shop_a, email="buyer9@example.com")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "a lot of orders in a short time" in page
    assert 'value="Ada Shopper"' in page  # what the shopper typed is still there
    assert len(_orders(shop_a.shop.id)) == 2
    # Another address is not held back by the first one.
    assert _checkout(client, shop_a, email="other@example.com", addr="198.51.100.4").status_code == 302


def test_checkouts_for_one_email_are_limited_whatever_the_address(shop_a, storefront, limits):
    limits(CHECKOUT_EMAIL_RATE_LIMIT="1 per hour")
    client = storefront(shop_a.shop)
    assert _checkout(client, shop_a, email="Victim@Example.com", addr="192.0.2.1").status_code == 302
    refused = _checkout(client, shop_a, email="victim@EXAMPLE.com", addr="192.0.2.2")
    assert refused.status_code == 429
    assert len(_orders(shop_a.shop.id)) == 1


def test_a_form_with_errors_does_not_count(shop_a, storefront, limits):
    limits(CHECKOUT_RATE_LIMIT="1 per minute")
    client = storefront(shop_a.shop)
    _add(client, shop_a.listings[0], shop_a.listings[0].supply_product.variants[0])
    for _ in range(3):
        assert client.post("/checkout", data=dict(CHECKOUT, email="not-an-email")).status_code == 422
    assert _checkout(client, shop_a).status_code == 302


# The shopper confirms by e-mail ----------------------------------------------------------------


def _confirm_link(order):
    [email] = _emails("cod-confirm-request", order.id)
    assert email.to_address == order.customer_email
    return re.search(r"https?://[^/\s]+(/orders/\S+/confirm)", email.body_text).group(1)


def test_a_held_order_goes_to_the_supplier_only_once_the_shopper_confirms(shop_a, storefront):
    _set_shop(shop_a.shop.id, "shopper")
    client = storefront(shop_a.shop)
    variant = shop_a.listings[0].supply_product.variants[0]
    before = _stock(variant.id)
    placed = _checkout(client, shop_a, quantity=2)
    assert placed.status_code == 302
    [order] = _orders(shop_a.shop.id)
    assert order.hold == "shopper" and order.status == "pending"
    assert _stock(variant.id) == before - 2  # the stock is held for the shopper
    assert _purchase_orders(order.id) == 0 and _emails("order-confirmation", order.id) == []
    page = client.get(placed.location).get_data(as_text=True)
    assert "Open it to confirm your order" in page and "Awaiting your confirmation" in page

    link = _confirm_link(order)
    assert order.access_token not in link  # the order's own link cannot confirm it
    asked = client.get(link)
    assert asked.status_code == 200 and "Yes, send my order" in asked.get_data(as_text=True)
    assert _orders(shop_a.shop.id)[0].hold == "shopper"  # a GET (a mail scanner) confirms nothing

    done = client.post(link)
    assert done.status_code == 302
    [order] = _orders(shop_a.shop.id)
    assert order.hold == "" and order.confirmed_at is not None
    assert _purchase_orders(order.id) == 1 and len(_emails("order-confirmation", order.id)) == 1
    again = client.post(link)
    assert again.status_code == 410 and _purchase_orders(order.id) == 1


def test_a_wrong_token_or_another_shops_host_confirms_nothing(shop_a, shop_b, storefront):
    _set_shop(shop_a.shop.id, "shopper")
    _checkout(storefront(shop_a.shop), shop_a)
    [order] = _orders(shop_a.shop.id)
    link = _confirm_link(order)
    assert storefront(shop_b.shop).post(link).status_code == 410
    forged = link.replace("/confirm", "").rsplit("/", 1)[0] + "/" + "x" * 43 + "/confirm"
    assert storefront(shop_a.shop).post(forged).status_code == 410
    assert storefront(shop_a.shop).post(
        f"/orders/{order.number}/{order.access_token}/confirm").status_code == 410
    assert _orders(shop_a.shop.id)[0].hold == "shopper"


def test_an_unconfirmed_order_is_cancelled_after_its_time_and_the_stock_returns(shop_a, storefront):
    _set_shop(shop_a.shop.id, "shopper")
    variant = shop_a.listings[0].supply_product.variants[0]
    before = _stock(variant.id)
    _checkout(storefront(shop_a.shop), shop_a, quantity=3)
    [order] = _orders(shop_a.shop.id)
    assert confirmation.expire_held_orders() == 0  # not due yet
    with unscoped():
        order.hold_expires_at = utcnow() - timedelta(minutes=1)
        db.session.flush()
    assert confirmation.expire_held_orders() == 1
    assert confirmation.expire_held_orders() == 0  # safe to run twice
    [order] = _orders(shop_a.shop.id)
    assert order.status == "cancelled" and order.hold == ""
    assert _stock(variant.id) == before
    assert _purchase_orders(order.id) == 0
    assert len(_emails("cod-expired", order.id)) == 1


# The owner approves -------------------------------------------------------------------------


def test_the_owner_approves_or_declines_held_orders(shop_a, storefront, login):
    _set_shop(shop_a.shop.id, "owner")
    client = storefront(shop_a.shop)
    variant = shop_a.listings[0].supply_product.variants[0]
    before = _stock(variant.id)
    _checkout(client, shop_a, email="one@example.com")
    _checkout(client, shop_a, email="two@example.com")
    first, second = _orders(shop_a.shop.id)
    assert (first.hold, second.hold) == ("owner", "owner")
    assert _emails("cod-confirm-request", first.id) == []  # nothing for the shopper to click
    owner = login(shop_a.owner)
    listing = owner.get("/dashboard/alpha/orders").get_data(as_text=True)
    assert listing.count("Awaiting approval") == 2
    assert owner.post(f"/dashboard/alpha/orders/{first.id}/mark-paid").status_code == 302
    assert _orders(shop_a.shop.id)[0].status == "pending"  # not paid before it is approved

    assert owner.post(f"/dashboard/alpha/orders/{first.id}/approve").status_code == 302
    assert owner.post(f"/dashboard/alpha/orders/{second.id}/decline").status_code == 302
    first, second = _orders(shop_a.shop.id)
    assert first.hold == "" and _purchase_orders(first.id) == 1
    assert len(_emails("order-confirmation", first.id)) == 1
    assert second.status == "cancelled" and _purchase_orders(second.id) == 0
    assert len(_emails("cod-declined", second.id)) == 1
    assert _stock(variant.id) == before - 1  # the declined one's unit is back
    # Approving twice does nothing more.
    assert owner.post(f"/dashboard/alpha/orders/{first.id}/approve").status_code == 302
    assert _purchase_orders(first.id) == 1


def test_another_shops_owner_cannot_approve(shop_a, shop_b, storefront, login):
    _set_shop(shop_a.shop.id, "owner")
    _checkout(storefront(shop_a.shop), shop_a)
    [order] = _orders(shop_a.shop.id)
    intruder = login(shop_b.owner)
    for action in ("approve", "decline"):
        assert intruder.post(f"/dashboard/bravo/orders/{order.id}/{action}").status_code == 404
        assert intruder.post(f"/dashboard/alpha/orders/{order.id}/{action}").status_code == 404
    assert _orders(shop_a.shop.id)[0].hold == "owner"


def test_the_owner_chooses_in_settings(shop_a, login):
    owner = login(shop_a.owner)
    page = owner.get("/dashboard/alpha/settings").get_data(as_text=True)
    assert "After the shopper confirms by e-mail" in page
    response = owner.post("/dashboard/alpha/settings", data={
        "name": "Alpha Shop", "bio": "", "price_change_tolerance": "15", "margin_floor": "0",
        "cod_confirmation": "shopper"})
    assert response.status_code == 302
    with unscoped():
        assert db.session.scalar(select(Shop.cod_confirmation).where(Shop.id == shop_a.shop.id)) == "shopper"
    refused = owner.post("/dashboard/alpha/settings", data={
        "name": "Alpha Shop", "bio": "", "price_change_tolerance": "15", "margin_floor": "0",
        "cod_confirmation": "never"})
    assert refused.status_code == 422


def test_card_orders_are_never_held(shop_a, fake_stripe, storefront):
    _set_shop(shop_a.shop.id, "owner")
    client = storefront(shop_a.shop)
    listing = shop_a.listings[0]
    _add(client, listing, listing.supply_product.variants[0])
    response = client.post("/checkout", data=dict(CHECKOUT, payment_method="card"))
    assert response.status_code == 303
    [order] = _orders(shop_a.shop.id)
    assert order.payment_method == "card" and order.hold == ""
