"""A group can never both fill and fail: the last joiner and the deadline job race on real
PostgreSQL connections, with both eligible (the joiner just before the deadline, the job just
after), and exactly one of them wins every time."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.deals import services
from app.deals.models import Deal, DealRound
from app.errors import DomainError
from app.extensions import db
from app.orders.models import Order
from app.orders.services import CustomerDetails
from app.shops.models import Shop
from app.tenancy import use_shop
from tests.factories import make_catalog, make_shop_with_listings

ROUNDS = 12
CUSTOMER = dict(phone="+1 555 0100 200", line1="1 Main Street", city="Springfield", postcode="12345",
                country="US")


def _customer(n: int) -> CustomerDetails:
    return CustomerDetails(name=f"Racer {n}", email=f"racer{n}@example.com", line2="", region="", **CUSTOMER)


@pytest.mark.postgres
@pytest.mark.committed
def test_the_last_joiner_and_the_deadline_never_both_win(app):
    fixture = make_shop_with_listings("grouprace", make_catalog())
    crisps = fixture.listings[1]
    shop_id, variant_id = fixture.shop.id, crisps.supply_product.variants[0].id
    with use_shop(shop_id):
        deal = services.save_group_buy(crisps, prices={variant_id: "3.60"}, group_size=2,
                                       time_limit_hours=1, max_open_groups=ROUNDS)
        deal_id = deal.id
        round_ids = []
        for n in range(ROUNDS):  # each group has one member and one place left
            _order, round_ = services.join(fixture.shop, deal, None, variant_id, 1, _customer(n))
            round_ids.append((round_.id, round_.token, round_.deadline))
    db.session.commit()

    outcomes = {}

    def joiner(n, token, deadline, barrier):
        with app.app_context(), use_shop(shop_id):
            shop = db.session.get(Shop, shop_id)
            deal = db.session.scalar(select(Deal).where(Deal.id == deal_id))
            barrier.wait()
            try:
                services.join(shop, deal, token, variant_id, 1, _customer(100 + n),
                              now=deadline - timedelta(milliseconds=1))
                db.session.commit()
                outcomes.setdefault(n, {})["join"] = "joined"
            except DomainError:
                db.session.rollback()
                outcomes.setdefault(n, {})["join"] = "refused"

    def closer(n, round_id, deadline, barrier):
        with app.app_context(), use_shop(shop_id):
            barrier.wait()
            outcome = services.close_round(round_id, now=deadline + timedelta(milliseconds=1))
            db.session.commit()
            outcomes.setdefault(n, {})["close"] = outcome

    for n, (round_id, token, deadline) in enumerate(round_ids):
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=joiner, args=(n, token, deadline, barrier)),
                   threading.Thread(target=closer, args=(n, round_id, deadline, barrier))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    db.session.expire_all()
    filled = failed = 0
    with use_shop(shop_id):
        for n, (round_id, _token, _deadline) in enumerate(round_ids):
            round_ = db.session.scalar(select(DealRound).where(DealRound.id == round_id))
            orders = list(db.session.scalars(select(Order).where(Order.deal_round_id == round_id)))
            result = outcomes[n]
            if round_.status == "filled":
                filled += 1
                assert result == {"join": "joined", "close": "already filled"}
                assert round_.progress == 2 and len(orders) == 2
                assert all(o.status == "pending" and o.hold == "" for o in orders)
            else:
                failed += 1
                assert round_.status == "failed", round_.status
                assert result == {"join": "refused", "close": "failed"}
                assert round_.progress == 1 and len(orders) == 1
                assert orders[0].status == "cancelled"
    assert filled + failed == ROUNDS
