"""A group's deadline through a real RQ worker on real Redis (CI's second run): the deadline
job, relayed from the outbox once due, fails the group, and the release it defers cancels
the card authorisation at the fake Stripe, in the same burst."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from app.db_types import utcnow
from app.deals import services
from app.deals.models import Deal, DealRound
from app.extensions import db
from app.jobs import get_queue, redis_connection
from app.jobs.models import OutboxJob
from app.jobs.outbox import relay_due
from app.orders.models import Order
from app.orders.services import CustomerDetails
from app.payments.models import Payment
from app.shops.models import Shop
from app.tenancy import unscoped, use_shop
from tests.factories import make_catalog, make_shop_with_listings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.committed
def test_a_real_worker_fails_the_group_and_releases_the_card(app, database_url, fake_stripe, monkeypatch):
    fixture = make_shop_with_listings("groupworker", make_catalog())
    crisps = fixture.listings[1]
    shop_id, variant_id = fixture.shop.id, crisps.supply_product.variants[0].id
    customer = CustomerDetails(name="Ada Shopper", email="ada@example.com", phone="+1 555 0100 200",
                               line1="1 Main Street", line2="", city="Springfield", region="",
                               postcode="12345", country="US")
    with use_shop(shop_id), app.test_request_context(base_url="http://groupworker.flagship.test"):
        deal = services.save_group_buy(crisps, prices={variant_id: "3.60"}, group_size=2,
                                       time_limit_hours=24, max_open_groups=2)
        card, round_ = services.join_by_card(
            db.session.get(Shop, shop_id), deal, None, variant_id, 1, customer,
            status_url=lambda number, token: f"http://groupworker.flagship.test/orders/{number}/{token}",
            cancel_url=lambda number, token: f"http://groupworker.flagship.test/orders/{number}/{token}/x")
        round_id, order_id, session_id = round_.id, card.order.id, card.payment.checkout_session_id
        db.session.commit()
    fake_stripe.pay_session(session_id)  # the webhook makes Ada a member (authorised)
    with use_shop(shop_id):
        assert db.session.scalar(select(Payment.status).where(Payment.order_id == order_id)) == "authorised"
        due = utcnow() - timedelta(seconds=1)  # as if a day had passed: the group and its job are due
        db.session.execute(update(DealRound).where(DealRound.id == round_id).values(deadline=due))
        db.session.commit()
    with unscoped():
        db.session.execute(update(OutboxJob).where(OutboxJob.job_id == f"deal-round-deadline-{round_id}")
                           .values(run_at=due, created_at=due))
        db.session.commit()

    redis_url = os.environ["REDIS_URL"]
    connection = redis_connection(redis_url)
    for name in ("default", "notifications"):
        get_queue(name, connection=connection).empty()
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    assert relay_due(older_than=timedelta(0)) >= 1  # the deadline job, now due, goes to Redis
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url, SERVER_NAME="flagship.test",
               SECRET_KEY="worker-test", STRIPE_SECRET_KEY="sk_test_flagship_fake",
               STRIPE_API_BASE=fake_stripe.url, STRIPE_NETWORK_RETRIES="0", NO_PROXY="127.0.0.1,localhost")
    result = subprocess.run([sys.executable, "worker.py", "--burst", "--queues", "default", "notifications"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    db.session.expire_all()
    with unscoped():
        status = db.session.scalar(select(DealRound.status).where(DealRound.id == round_id))
        order_status = db.session.scalar(select(Order.status).where(Order.id == order_id))
        payment = db.session.scalar(select(Payment).where(Payment.order_id == order_id))
        assert db.session.scalar(select(Deal.id)) is not None
    assert (status, order_status) == ("failed", "cancelled"), result.stderr[-3000:]
    assert payment.status == "released", result.stderr[-3000:]
    assert fake_stripe.get(payment.payment_intent_id)["status"] == "canceled"
