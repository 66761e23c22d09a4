"""The binding period as a property: an order earns the promoter a commission exactly when it
is placed within the period after the shopper first came through the link, from the
browser (the visit) and, later, from the e-mail bound at the first order."""

from __future__ import annotations

from datetime import timedelta

from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.db_types import utcnow
from app.extensions import db
from app.orders.cart import build_cart, line_key
from app.orders.services import CustomerDetails, place_order
from app.referrals import services as referrals
from app.tenancy import use_shop
from tests.factories import CUSTOMER


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.integers(1, 40), visit_age_hours=st.integers(0, 45 * 24), later_hours=st.integers(0, 45 * 24))
def test_an_order_earns_exactly_within_the_binding_period(shop_a, days, visit_age_hours, later_hours):
    shop = shop_a.shop
    listing = shop_a.listings[1]
    raw = {line_key(listing.id, listing.supply_product.variants[0].id): 1}
    with use_shop(shop.id), db.session.begin_nested() as example:
        referrals.save_programme(shop, is_open=True, invite_only=False, level1_bp=1000, level2_bp=0,
                                 binding_days=days)
        promoter, _ = referrals.join(shop, name="Ben", email="ben@example.com", by_owner=True)
        now = utcnow()
        g.referral_visit = referrals.Visit(promoter.id, now - timedelta(hours=visit_age_hours))
        try:
            first = place_order(shop, build_cart(raw, shop.currency), CUSTOMER)
        finally:
            g.referral_visit = None
        within = visit_age_hours < days * 24
        assert bool(referrals.commissions_of(first.id)) == within
        # Later, from another device (no visit): the e-mail's binding decides, and it ends when
        # the period that began with the visit ends.
        for binding in db.session.scalars(db.select(referrals.ReferralBinding)):
            binding.bound_at -= timedelta(hours=later_hours)
            binding.expires_at -= timedelta(hours=later_hours)
        again = place_order(shop, build_cart(raw, shop.currency),
                            CustomerDetails(**{**CUSTOMER.__dict__, "email": CUSTOMER.email.upper()}))
        still = within and visit_age_hours + later_hours < days * 24
        assert bool(referrals.commissions_of(again.id)) == still
        example.rollback()
