"""Ledger test helpers: payees with money available and a connected payout account."""

from __future__ import annotations

from datetime import timedelta

from app.db_types import utcnow
from app.extensions import db
from app.ledger import connect
from app.ledger.models import OrderRelease
from app.orders.services import mark_paid
from app.tenancy import use_shop
from tests.factories import make_catalog, make_order, make_shop_with_listings


def owed_connected_supplier(fake_stripe, shop_name: str, orders: int = 3) -> int:
    """A shop whose `orders` cash orders are paid and long released, so their supplier is
    owed 1200 each, available now; the supplier's Stripe account is connected. Returns the
    supplier id (the caller commits)."""
    fixture = make_shop_with_listings(shop_name, make_catalog())
    placed = [make_order(fixture) for _ in range(orders)]
    with use_shop(fixture.shop.id):
        for order in placed:
            mark_paid(order)
    shipped = utcnow() - timedelta(days=30)
    for order in placed:
        db.session.add(OrderRelease(order_id=order.id, shop_id=order.shop_id, shipped_at=shipped,
                                    available_at=shipped + timedelta(days=7)))
    supplier_id = placed[0].lines[0].supplier_id
    connect.start_onboarding("supplier", supplier_id, email="s@example.com",
                             refresh_url="https://flagship.test/a", return_url="https://flagship.test/b")
    fake_stripe.complete_onboarding(connect.account_of("supplier", supplier_id).stripe_account_id)
    connect.refresh_account("supplier", supplier_id)
    return supplier_id
