"""Pre-sales with a deposit, against the local fake of Stripe: the shopper pays a share by
card when pre-ordering; once the pre-sale goes ahead, the balance is asked for and, paid,
the whole order enters the ledger (both charges' fees) and goes to fulfilment; unpaid in
time, the order is cancelled and the deposit refunded; a failed pre-sale refunds deposits;
a later refund of the whole order is split over both charges."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db_types import utcnow
from app.deals import jobs, services
from app.deals.models import DealRound
from app.errors import DomainError
from app.extensions import db
from app.notifications.models import OutboundEmail
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.models import Order
from app.payments.holds import expire_unpaid_balances
from app.payments.models import Payment
from app.tenancy import unscoped, use_shop
from tests.factories import run_job
from tests.payments.helpers import fresh, latest_order, session_id_of

from .test_group_buys import _count, _fresh
from .test_group_card import _ledger
from .test_presales import _due, _preorder, _when


@pytest.fixture
def tee(shop_a):
    return shop_a.listings[0]


def _open(shop, listing, minimum=1, deposit="20"):
    with use_shop(shop.id):
        deal, run = services.open_presale(
            listing, prices={v.id: "20.00" for v in listing.supply_product.variants}, minimum=minimum,
            closes_at=_when(days=10), ships_by=(utcnow() + timedelta(days=30)).strftime("%Y-%m-%d"),
            deposit_percent=deposit)
        return deal.id, run.id, listing.supply_product.variants[0].id


def _payments(order):
    with unscoped():
        return [tuple(row) for row in db.session.execute(
            select(Payment.purpose, Payment.status, Payment.amount).where(Payment.order_id == order.id)
            .order_by(Payment.id))]


def _pre_order_deposit(fake, client, deal_id, variant_id, qty=2, email="ada@example.com"):
    response = _preorder(client, deal_id, variant_id, qty=qty, email=email, method="card")
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    fake.pay_session(session_id_of(response.location))
    return latest_order()


def test_a_deposit_needs_card_payments_and_a_sensible_share(shop_a, tee):
    with use_shop(shop_a.shop.id), pytest.raises(DomainError, match="card payments are not set up"):
        _open(shop_a.shop, tee)


def test_deposit_then_balance_then_the_whole_sale(fake_stripe, shop_a, tee, storefront, login):
    deal_id, run_id, variant_id = _open(shop_a.shop, tee)
    client = storefront(shop_a.shop)
    form = client.get(f"/group-checkout?deal={deal_id}&variant={variant_id}&qty=2").get_data(as_text=True)
    assert "Deposit now (20%)" in form and "$8.00" in form and "$32.00" in form
    assert 'value="cod"' not in form
    cod = _preorder(client, deal_id, variant_id, method="cod")
    assert cod.status_code == 422 and _count(Order) == 0  # a deposit is paid by card

    ada = _pre_order_deposit(fake_stripe, client, deal_id, variant_id)
    [request] = fake_stripe.find_requests("POST", "/v1/checkout/sessions")
    assert request.params["line_items"][0]["price_data"]["unit_amount"] == "800"
    assert _payments(ada) == [("deposit", "paid", 800)] and ada.total == 4000
    assert (fresh(ada).hold, _ledger(ada)) == ("deal", 0)

    _due(run_id)
    assert run_job(jobs.close_round_if_due, run_id) == "filled"
    ada = fresh(ada)
    assert ada.hold == "balance" and ada.status == "pending" and ada.hold_expires_at > utcnow()
    assert _ledger(ada) == 0 and _count(PurchaseOrder) == 0  # not until it is paid in full
    [mail] = _fresh(OutboundEmail, dedupe_key=f"presale-balance-due:{ada.id}")
    assert "$32.00" in mail.body_text
    page = client.get(f"/orders/{ada.number}/{ada.access_token}").get_data(as_text=True)
    assert "Pay the balance · $32.00" in page

    paying = client.post(f"/orders/{ada.number}/{ada.access_token}/balance")
    assert paying.status_code == 303
    again = client.post(f"/orders/{ada.number}/{ada.access_token}/balance")
    assert again.location == paying.location  # the open page is reused
    fake_stripe.pay_session(session_id_of(paying.location))
    ada = fresh(ada)
    assert (ada.status, ada.hold) == ("paid", "") and _payments(ada) == [("deposit", "paid", 800),
                                                                         ("balance", "paid", 3200)]
    assert _ledger(ada) > 0 and _count(PurchaseOrder) == 1
    assert _count(OutboundEmail, dedupe_key=f"order-confirmation:{ada.id}") == 1
    # The owner's order page lists both charges, in the owner's words.
    owner_page = login(shop_a.owner).get(f"/dashboard/{shop_a.shop.subdomain}/orders/{ada.id}").get_data(as_text=True)
    assert "Deposit $8.00 · Paid" in owner_page and "Balance $32.00 · Paid" in owner_page

    # A refund of the whole order comes back from both charges.
    from app.payments.refunds import start_refund, submit_refund

    with use_shop(shop_a.shop.id):
        order = db.session.get(Order, ada.id)
        refund = start_refund(order, None, reason="changed mind")
        db.session.flush()
        submit_refund(refund.id)
    refunds = sorted(r["amount"] for r in fake_stripe.objects("refund"))
    assert refunds == [800, 3200] and fresh(ada).status == "refunded"


def test_a_balance_not_paid_in_time_cancels_and_refunds_the_deposit(fake_stripe, shop_a, tee, storefront):
    deal_id, run_id, variant_id = _open(shop_a.shop, tee)
    ada = _pre_order_deposit(fake_stripe, storefront(shop_a.shop), deal_id, variant_id)
    _due(run_id)
    run_job(jobs.close_round_if_due, run_id)
    assert run_job(expire_unpaid_balances) == 0  # not due yet
    with unscoped():
        db.session.get(Order, ada.id).hold_expires_at = utcnow() - timedelta(seconds=1)
        db.session.flush()
    assert run_job(expire_unpaid_balances) == 1
    ada = fresh(ada)
    assert ada.status == "cancelled" and _payments(ada) == [("deposit", "refunded", 800)]
    assert [r["amount"] for r in fake_stripe.objects("refund")] == [800] and _ledger(ada) == 0
    assert _count(OutboundEmail, dedupe_key=f"presale-balance-expired:{ada.id}") == 1
    late = storefront(shop_a.shop).post(f"/orders/{ada.number}/{ada.access_token}/balance")
    assert late.status_code == 302 and len(fake_stripe.objects("checkout.session")) == 1  # no balance page


def test_a_failed_pre_sale_refunds_every_deposit(fake_stripe, shop_a, tee, storefront):
    deal_id, run_id, variant_id = _open(shop_a.shop, tee, minimum=10)
    ada = _pre_order_deposit(fake_stripe, storefront(shop_a.shop), deal_id, variant_id)
    _due(run_id)
    assert run_job(jobs.close_round_if_due, run_id) == "failed"
    assert fresh(ada).status == "cancelled" and _payments(ada) == [("deposit", "refunded", 800)]
    with unscoped():
        assert db.session.scalar(select(DealRound.status).where(DealRound.id == run_id)) == "failed"
    assert not [s for s in fake_stripe.find_requests("POST", "/v1/checkout/sessions")
                if "Balance" in str(s.params)]  # never asked for a balance


def test_the_owner_cancels_a_pre_order_awaiting_its_balance_and_the_deposit_goes_back(
        fake_stripe, shop_a, tee, storefront, login):
    deal_id, run_id, variant_id = _open(shop_a.shop, tee)
    ada = _pre_order_deposit(fake_stripe, storefront(shop_a.shop), deal_id, variant_id)
    order_id = ada.id  # (a commit expires the row; RLS hides a reload outside a scope)
    _due(run_id)
    run_job(jobs.close_round_if_due, run_id)
    owner = login(shop_a.owner)
    page = owner.get(f"/dashboard/alpha/orders/{order_id}").get_data(as_text=True)
    assert "Awaiting balance" in page and "pay the balance by" in page
    assert owner.post(f"/dashboard/alpha/orders/{order_id}/cancel", data={"reason": "out of fabric"}).status_code == 302
    ada = fresh(ada)
    assert ada.status == "cancelled" and _payments(ada) == [("deposit", "refunded", 800)]
    assert [r["amount"] for r in fake_stripe.objects("refund")] == [800] and _ledger(ada) == 0
