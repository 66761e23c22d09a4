"""The ledger in the database: append-only, exactly once, held until shipped, and for every
order (over random carts, fees and refunds) adding up to what the shopper paid and kept."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from app.db_types import utcnow
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.ledger.services import (
    LedgerError,
    balances,
    cash_orders,
    record_sale,
    release_order,
    take_for,
)
from app.orders.services import mark_paid
from app.payments.refunds import refund_cash
from app.shops.models import Shop
from app.tenancy import unscoped, use_shop
from tests import factories


def _paid_cash_order(fixture, quantities=None):
    order = factories.make_order(fixture, quantities)
    with use_shop(fixture.shop.id):
        mark_paid(order)
    return order


def _entries(order_id):
    with unscoped():
        return db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order_id)
                                  .order_by(LedgerEntry.id)).all()


def test_a_paid_cash_order_records_each_share_once(shop_a):
    order = _paid_cash_order(shop_a)
    entries = _entries(order.id)
    assert {(e.kind, e.payee_type): e.amount for e in entries} == {
        ("sale", "supplier"): 1200, ("sale", "platform"): 90, ("sale", "shop"): 1800 - 1200 - 90,
        ("cash_collected", "shop"): -1800}
    assert all(e.currency == "USD" and e.shop_id == shop_a.shop.id for e in entries)
    with use_shop(shop_a.shop.id):
        assert record_sale(order, db.session.get(Shop, shop_a.shop.id)) == []  # once per order
    assert len(_entries(order.id)) == 4


def test_the_take_shown_to_the_owner_is_what_the_sale_books(shop_a):
    """Issue 14, item 5: the listing form and sign-up show `take_for`, the ledger's own split."""
    for fee_bp in (None, 250, 0):
        shop_a.shop.platform_fee_bp = fee_bp
        order = _paid_cash_order(shop_a)
        [line] = order.lines
        booked = {e.payee_type: e.amount for e in _entries(order.id) if e.kind == "sale"}
        take = take_for(shop_a.shop, line.unit_price, line.unit_cost)
        assert booked["shop"] == take.amount and booked.get("platform", 0) == take.fee


def test_cash_orders_split_what_the_owner_collected_into_margin_and_what_they_owe(shop_a, shop_b):
    listing = shop_a.listings[0]
    order = _paid_cash_order(shop_a, {listing: (listing.supply_product.variants[0], 3)})
    _paid_cash_order(shop_b)  # another shop's cash is not counted
    [cash] = cash_orders(shop_a.shop.id)
    assert (cash.currency, cash.collected, cash.supplier_costs, cash.platform_fees) == ("USD", 5400, 3600, 270)
    assert cash.margin == 5400 - 3600 - 270 and cash.owed == 3870
    with use_shop(shop_a.shop.id):
        refund_cash(order, {order.lines[0].id: 1})
    [cash] = cash_orders(shop_a.shop.id)
    assert cash.collected == 3600 and cash.collected == cash.margin + cash.owed
    [balance] = balances("shop", shop_a.shop.id)
    assert balance.cash_held == cash.collected
    assert balance.pending + balance.available == cash.margin - cash.collected == -cash.owed


def test_the_admins_fee_override_applies(shop_a):
    shop_a.shop.platform_fee_bp = 250
    order = _paid_cash_order(shop_a)
    assert {e.payee_type: e.amount for e in _entries(order.id) if e.kind == "sale"}["platform"] == 45


def test_ledger_entries_cannot_be_changed_or_deleted_through_the_orm(shop_a):
    order_id = _paid_cash_order(shop_a).id
    entry = _entries(order_id)[0]
    with pytest.raises(LedgerError), db.session.begin_nested():
        entry.amount = 1
    with pytest.raises(LedgerError), db.session.begin_nested():
        db.session.delete(_entries(order_id)[0])
    with unscoped():
        amounts = db.session.scalars(select(LedgerEntry.amount).where(LedgerEntry.order_id == order_id)
                                     .order_by(LedgerEntry.id)).all()
    assert amounts[0] == 1200 and len(amounts) == 4


@pytest.mark.parametrize("statement", ["UPDATE ledger_entries SET amount = amount + 1",
                                       "DELETE FROM ledger_entries"])
def test_ledger_entries_cannot_be_changed_or_deleted_in_raw_sql(shop_a, statement):
    order = _paid_cash_order(shop_a)
    with pytest.raises(DatabaseError, match="append-only"), db.session.begin_nested(), unscoped():
        db.session.execute(text(statement))
    assert len(_entries(order.id)) == 4


def test_entries_are_held_until_the_order_ships_and_the_hold_passes(shop_a, app):
    from app.orders.fulfilment import Shipment, route_order, ship_lines

    order = _paid_cash_order(shop_a)
    supplier_id = order.lines[0].supplier_id
    [balance] = balances("supplier", supplier_id)
    assert (balance.pending, balance.available) == (1200, 0)
    with use_shop(shop_a.shop.id):
        [po] = route_order(order)
        ship_lines(supplier_id, [Shipment(po.lines[0], "UPS", "1Z1")])
        db.session.refresh(order)
        assert order.fulfilment_status == "shipped"
        release = release_order(order)
    hold = timedelta(days=app.config["LEDGER_HOLD_DAYS"])
    assert release.available_at == order.shipped_at + hold
    [balance] = balances("supplier", supplier_id, now=utcnow() + hold - timedelta(minutes=1))
    assert (balance.pending, balance.available) == (1200, 0)
    [balance] = balances("supplier", supplier_id, now=utcnow() + hold + timedelta(minutes=1))
    assert (balance.pending, balance.available) == (0, 1200)
    # The shop holds the cash: it owes the supplier's cost and the fee, netted later.
    [shop_balance] = balances("shop", shop_a.shop.id, now=utcnow() + hold + timedelta(minutes=1))
    assert shop_balance.available == -(1200 + 90)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(quantities=st.lists(st.integers(1, 4), min_size=1, max_size=2),
       markup_bp=st.integers(0, 20_000), fee_bp=st.integers(0, 2_000),
       refund_units=st.lists(st.integers(0, 4), min_size=1, max_size=3), cancel=st.booleans())
def test_every_order_adds_up_over_random_carts_fees_and_refunds(
        shop_a, quantities, markup_bp, fee_bp, refund_units, cancel):
    """Each example builds its own rows in the test's transaction (hence the shared fixture)."""
    from app.errors import DomainError
    from app.shops.pricing import PriceRule
    from app.shops.services import update_listing

    shop = shop_a.shop
    shop.platform_fee_bp = fee_bp
    with use_shop(shop.id):
        for listing in shop_a.listings:
            for variant in listing.supply_product.variants:
                variant.stock = 1_000  # the examples share the fixture's catalog
            update_listing(listing, title=listing.title, recommendation=listing.recommendation,
                           rule=PriceRule("markup", markup_bp + 5_000))
    picks = {listing: (listing.supply_product.variants[-1], qty)
             for listing, qty in zip(shop_a.listings, quantities, strict=False)}
    order = _paid_cash_order(shop_a, picks)
    with use_shop(shop.id):
        for units in refund_units:
            wanted = {line.id: min(units, line.quantity) for line in order.lines}
            with contextlib.suppress(DomainError):  # too little left: refused before any write
                refund_cash(order, wanted)
        if cancel and order.status in ("paid", "refunded"):
            if order.net_total > 0:  # what is left is refunded by the cancel
                refund_cash(order, None, reason="Cancelled", cancels_order=True)
            else:
                from app.orders.services import cancel_order

                cancel_order(order)
    with unscoped():
        entries = _entries(order.id)
    sales = [e for e in entries if e.kind not in ("cash_collected", "cash_returned")]
    cash = [e for e in entries if e.kind in ("cash_collected", "cash_returned")]
    assert sum(e.amount for e in sales) == order.total - order.refunded_total
    assert sum(e.amount for e in cash) == -(order.total - order.refunded_total)
    platform = sum(e.amount for e in entries if e.payee_type == "platform")
    assert platform >= 0
    if order.status == "cancelled":
        assert order.refunded_total == order.total
        assert {e.payee_type: 0 for e in entries} == {
            t: sum(e.amount for e in entries if e.payee_type == t) for t in {e.payee_type for e in entries}}
