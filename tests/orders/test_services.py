"""Order life cycle: snapshots, status moves, stock returns."""

import pytest
from sqlalchemy import select

from app.catalog.models import SupplyVariant
from app.errors import DomainError
from app.extensions import db
from app.orders.cart import build_cart, line_key
from app.orders.services import (
    CustomerDetails,
    OutOfStock,
    cancel_order,
    mark_paid,
    place_order,
)
from app.tenancy import use_shop
from tests.factories import CUSTOMER, make_order


def test_order_lines_snapshot_the_sale(shop_a):
    order = make_order(shop_a)
    listing = shop_a.listings[0]
    variant = listing.supply_product.variants[0]
    # later catalog and listing changes never rewrite the order
    with use_shop(shop_a.shop.id):
        variant.wholesale_price = 9999
        variant.min_retail_price = 9999
        listing.title = "Renamed"
        db.session.flush()
        db.session.expire_all()
        line = order.lines[0]
        assert line.title == "alpha Organic Cotton Tee"
        assert (line.unit_price, line.unit_cost) == (1800, 1200)
        assert line.variant_label == "S / Sand" and line.sku == variant.sku


def test_a_paid_order_is_cancelled_only_with_its_refund_and_returns_stock(shop_a):
    # Orders never call payments: cancelling paid money is the refunds use case's job.
    from app.payments.refunds import refund_cash

    variant = shop_a.listings[0].supply_product.variants[0]
    before = variant.stock
    order = make_order(shop_a)
    with use_shop(shop_a.shop.id):
        mark_paid(order)
        assert order.status == "paid" and order.paid_at is not None
        with pytest.raises(DomainError, match="cancelled with a refund"):
            cancel_order(order)
        assert order.status == "paid"
        refund_cash(order, None, reason="Changed my mind", cancels_order=True)
        assert order.status == "cancelled"
    db.session.refresh(variant)
    assert variant.stock == before


@pytest.mark.parametrize("first, second", [("cancel", "pay"), ("cancel", "cancel"), ("pay", "pay")])
def test_impossible_moves_are_refused(shop_a, first, second):
    order = make_order(shop_a)
    moves = {"pay": mark_paid, "cancel": cancel_order}
    with use_shop(shop_a.shop.id):
        moves[first](order)
        status = order.status
        with pytest.raises(DomainError):
            moves[second](order)
        assert order.status == status


def test_cancelling_twice_does_not_return_stock_twice(shop_a):
    variant = shop_a.listings[0].supply_product.variants[0]
    before = variant.stock
    order = make_order(shop_a)
    with use_shop(shop_a.shop.id):
        cancel_order(order)
        with pytest.raises(DomainError):
            cancel_order(order)
    db.session.refresh(variant)
    assert variant.stock == before


def test_out_of_stock_rolls_back_every_line(shop_a):
    tee, snack = shop_a.listings
    last_unit = tee.supply_product.variants[1]  # stock 1
    snack_variant = snack.supply_product.variants[0]
    snack_before = snack_variant.stock
    with use_shop(shop_a.shop.id):
        raw = {line_key(snack.id, snack_variant.id): 2, line_key(tee.id, last_unit.id): 1}
        cart = build_cart(raw, "USD")
        last_unit.stock = 0  # sold in the meantime, after the cart was priced
        db.session.flush()
        with pytest.raises(OutOfStock):
            place_order(shop_a.shop, cart, CUSTOMER)
    assert db.session.scalar(select(SupplyVariant.stock).where(SupplyVariant.id == snack_variant.id)) == snack_before


def test_customer_details_are_validated(shop_a):
    with pytest.raises(DomainError) as error:
        CustomerDetails(**dict(CUSTOMER.__dict__, email="nope")).cleaned()
    assert error.value.field == "email"
    with pytest.raises(DomainError) as error:
        CustomerDetails(**dict(CUSTOMER.__dict__, country="USA")).cleaned()
    assert error.value.field == "country"


def test_closed_shop_cannot_take_orders(shop_a):
    from app.shops.services import set_shop_status

    set_shop_status(shop_a.shop, "suspended", "test")
    with pytest.raises(DomainError):
        make_order(shop_a)


def test_a_missing_detail_reads_as_the_checkout_form_says_it(app):
    """The order's own check names a missing detail in the checkout form's words (it said
    "Enter the street address." beside the form's "Enter the street and house number.", and
    put English labels into the Chinese sentence)."""
    from app.i18n import force_locale

    details = CustomerDetails(name="Ana", email="ana@example.com", phone="+1 555 0100", line1="",
                              city="Portland", postcode="97214", country="US")
    with app.test_request_context(), force_locale("zh"), pytest.raises(DomainError) as refused:
        details.cleaned()
    assert (str(refused.value), refused.value.field) == ("请填写街道和门牌号。", "line1")
