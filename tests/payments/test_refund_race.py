"""Refunds under fire: concurrent full refunds of one order, and the periodic retry of
pending refunds when one of them keeps failing."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db_types import utcnow
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.orders.models import Order
from app.payments import refunds
from app.payments.models import Refund
from app.tenancy import unscoped, use_shop
from tests import factories
from tests.conftest import PLATFORM

from .helpers import card_checkout, fresh, payment_of, session_id_of

REFUNDERS = 6


def _refunds(order_id):
    with unscoped():
        return db.session.scalars(select(Refund).where(Refund.order_id == order_id)
                                  .order_by(Refund.id).execution_options(populate_existing=True)).all()


def _order(order_id):
    with unscoped():
        return db.session.scalar(select(Order).where(Order.id == order_id)
                                 .execution_options(populate_existing=True))


def _logged_in(app, user):
    client = app.test_client()
    with app.app_context():  # its own `g`, so no logged-in user carries over
        response = client.post("/login", base_url=f"http://{PLATFORM}",
                               data={"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302, response.data
    return client


@pytest.mark.postgres
@pytest.mark.committed
def test_concurrent_full_refunds_make_exactly_one(app, fake_stripe, catalog, storefront):
    """The owner's and the admin's refund forms, fired at once: one refund is made, the
    others are told there is nothing left; no 500, no refund left pending."""
    shop = factories.make_shop_with_listings("racer", catalog)
    admin = factories.make_user("boss@example.com", is_admin=True)
    db.session.commit()
    with use_shop(shop.shop.id):
        order, url = card_checkout(storefront(shop.shop), (shop.listings[0], 2))
    fake_stripe.pay_session(session_id_of(url))
    order = fresh(order)
    assert order.status == "paid"
    order_id, shop_id, total = order.id, shop.shop.id, order.total
    db.session.commit()

    def deliver(payload, headers):  # as in production: while our call to Stripe waits
        return app.test_client().post("/webhooks/stripe", base_url=f"http://{PLATFORM}",
                                      data=payload, headers=headers).status_code

    fake_stripe.webhook_url = deliver

    paths = [f"/dashboard/racer/orders/{order_id}/refund",
             f"/admin/shops/{shop_id}/orders/{order_id}/refund"]
    clients = [(_logged_in(app, shop.owner if i % 2 == 0 else admin), paths[i % 2])
               for i in range(REFUNDERS)]
    barrier = threading.Barrier(REFUNDERS)
    results = []

    def refund(client, path):
        barrier.wait()
        response = client.post(path, base_url=f"http://{PLATFORM}", data={"whole": "1"},
                               follow_redirects=True)
        flashes = re.findall(r'<p class="flash flash-\w+">([^<]*)</p>', response.get_data(as_text=True))
        results.append((response.status_code, " ".join(flashes)))

    threads = [threading.Thread(target=refund, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    db.session.expire_all()
    assert [status for status, _ in results] == [200] * REFUNDERS, results
    messages = sorted(message for _, message in results)
    assert sum(m.startswith("Refunded $") for m in messages) == 1, messages
    told = ("Everything on this order has been refunded already.",
            "A refund of everything left on this order is under way already.")
    assert sum(m in told for m in messages) == REFUNDERS - 1, messages
    assert [refund.status for refund in _refunds(order_id)] == ["succeeded"]
    order = _order(order_id)
    assert order.status == "refunded" and order.refunded_total == total
    assert len(fake_stripe.objects("refund")) == 1
    with unscoped():
        entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order_id)).all()
    assert len([e for e in entries if e.kind == "refund"]) == 2  # platform + shop, once
    assert sum(e.amount for e in entries) == 0


def _paid_card_order(fake_stripe, fixture, storefront, *items):
    order, url = card_checkout(storefront(fixture.shop), *items)
    fake_stripe.pay_session(session_id_of(url))
    return fresh(order)


def _owners_page(fixture, order_id, login) -> str:
    return login(fixture.owner).get(f"/dashboard/{fixture.shop.subdomain}/orders/{order_id}").get_data(
        as_text=True)


def test_a_refund_that_raises_does_not_stop_the_others(fake_stripe, shop_a, shop_b, storefront, login):
    """The periodic retry meets a refund it cannot complete (a corrupt row: more than was
    paid, though Stripe made part of it): that one is recorded, the next shop's goes
    through, the job does not raise; after MAX_ATTEMPTS tries the bad one is failed, and
    its owner sees why."""
    from app.payments.jobs import settle_stale_checkouts

    order_a = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[0], 1))
    order_b = _paid_card_order(fake_stripe, shop_b, storefront, (shop_b.listings[0], 1))
    a_id, b_id = order_a.id, order_b.id  # (ids: a commit expires the rows, RLS hides them)
    fake_stripe.auto_deliver = False  # no webhook: the job alone settles them
    stale = utcnow() - timedelta(minutes=10)
    with use_shop(shop_a.shop.id):
        bad = Refund(shop_id=shop_a.shop.id, order_id=order_a.id, amount=order_a.total + 500,
                     currency=order_a.currency, lines={}, created_at=stale)
        db.session.add(bad)
        db.session.flush()
        bad_id = bad.id
        fake_stripe.client().v1.refunds.create(params={
            "payment_intent": payment_of(order_a).payment_intent_id, "amount": 100,
            "metadata": {"refund_id": str(bad.id)}})
    with use_shop(shop_b.shop.id):
        good = refunds.start_refund(fresh(order_b), None)
        good.created_at = stale
        good_id = good.id
        db.session.commit()
    assert bad_id < good_id  # the bad one comes first

    assert settle_stale_checkouts() == 1
    by_id = {refund.id: refund for refund in _refunds(a_id) + _refunds(b_id)}
    assert by_id[good_id].status == "succeeded" and _order(b_id).status == "refunded"
    assert by_id[bad_id].status == "pending" and by_id[bad_id].attempts == 1
    assert "cannot refund more than was paid" in by_id[bad_id].failure_message
    page = _owners_page(shop_a, a_id, login)
    assert "cannot refund more than was paid" in page and "Tried 1 time;" in page

    for _ in range(refunds.MAX_ATTEMPTS - 1):
        assert settle_stale_checkouts() == 0
    [bad] = _refunds(a_id)
    assert bad.status == "failed" and bad.attempts == refunds.MAX_ATTEMPTS
    assert bad.failure_message.startswith(f"Gave up after {refunds.MAX_ATTEMPTS} tries: ")
    assert _order(a_id).refunded_total == 0
    with unscoped():
        assert not db.session.scalar(select(LedgerEntry.id).where(
            LedgerEntry.order_id == a_id, LedgerEntry.kind == "refund"))
    assert settle_stale_checkouts() == 0  # nothing pending: nothing tried
    assert "Gave up after" in _owners_page(shop_a, a_id, login)


def test_a_refund_stripe_never_answers_fails_after_the_last_try(fake_stripe, shop_a, storefront, login):
    """Stripe answers 500 to every try: the refund stays pending (with the reason) while
    tries are left, then, with Stripe holding no refund for it, it is failed."""
    order = _paid_card_order(fake_stripe, shop_a, storefront, (shop_a.listings[0], 1))
    order_id = order.id
    fake_stripe.auto_deliver = False
    fake_stripe.fail_next("/v1/refunds", status=500, times=refunds.MAX_ATTEMPTS, method="POST")
    with use_shop(shop_a.shop.id):
        refund = refunds.start_refund(fresh(order), None)
        refund.created_at = utcnow() - timedelta(minutes=10)
        db.session.commit()

    for tries in range(1, refunds.MAX_ATTEMPTS + 1):
        assert refunds.resubmit_pending_refunds() == 0
        [refund] = _refunds(order_id)
        assert (refund.status, refund.attempts) == ("pending", tries)
    assert refunds.resubmit_pending_refunds() == 0
    [refund] = _refunds(order_id)
    assert refund.status == "failed" and refund.failure_message.startswith("Gave up after")
    assert len(fake_stripe.find_requests("POST", "/v1/refunds")) == refunds.MAX_ATTEMPTS
    assert fake_stripe.objects("refund") == [] and _order(order_id).refunded_total == 0
    assert "Gave up after" in _owners_page(shop_a, order_id, login)
