"""Payouts: balances become Stripe transfers to connected accounts, exactly once, whatever
retries, lost answers or repeated runs happen."""

from __future__ import annotations

import urllib.request
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db_types import utcnow
from app.extensions import db
from app.ledger import connect
from app.ledger.jobs import pay_out_balance, run_payouts
from app.ledger.models import LedgerEntry, OrderRelease, Payout, PayoutRun
from app.ledger.payouts import TransferFailed, pay_out, retry_payout
from app.ledger.services import balances
from app.orders.services import mark_paid
from app.tenancy import unscoped
from tests import factories


def _paid_released_order(fixture, days_ago: int = 30):
    """A paid cash order of the fixture's shop whose hold period is long over."""
    order = factories.make_order(fixture)
    from app.tenancy import use_shop

    with use_shop(fixture.shop.id):
        mark_paid(order)
    shipped = utcnow() - timedelta(days=days_ago)
    db.session.add(OrderRelease(order_id=order.id, shop_id=order.shop_id, shipped_at=shipped,
                                available_at=shipped + timedelta(days=7)))
    db.session.flush()
    return order


def _connect(fake_stripe, payee_type: str, payee_id: int):
    url = connect.start_onboarding(payee_type, payee_id, email="payee@example.com",
                                   refresh_url="https://flagship.test/again",
                                   return_url="https://flagship.test/back")
    account = connect.account_of(payee_type, payee_id)
    fake_stripe.complete_onboarding(account.stripe_account_id)
    connect.refresh_account(payee_type, payee_id)
    assert account.status == "active", url
    return account


def _payouts():
    return db.session.scalars(select(Payout).order_by(Payout.id)
                              .execution_options(populate_existing=True)).all()


@pytest.fixture
def world(fake_stripe, shop_a):
    """A supplier owed 2 x 1200 available, connected; shop A owes the platform (cash orders)."""
    orders = [_paid_released_order(shop_a), _paid_released_order(shop_a)]
    supplier_id = orders[0].lines[0].supplier_id
    account = _connect(fake_stripe, "supplier", supplier_id)
    shop_id = shop_a.shop.id
    db.session.commit()
    return {"supplier_id": supplier_id, "account": account, "shop_id": shop_id}


def test_a_run_pays_connected_payees_and_debits_their_balance(world, fake_stripe):
    run_id = factories.run_job(run_payouts)
    [payout] = _payouts()
    assert (payout.payee_type, payout.payee_id, payout.amount) == ("supplier", world["supplier_id"], 2400)
    assert payout.status == "paid" and payout.transfer_id.startswith("tr_")
    [transfer] = fake_stripe.objects("transfer")
    assert transfer["amount"] == 2400 and transfer["destination"] == world["account"].stripe_account_id
    assert transfer["transfer_group"] == f"payout-{payout.id}"
    [request] = fake_stripe.find_requests("POST", "/v1/transfers")
    assert request.idempotency_key == f"payout-{payout.id}-attempt-0"
    [balance] = balances("supplier", world["supplier_id"])
    assert (balance.available, balance.paid_out) == (0, 2400)
    run = db.session.get(PayoutRun, run_id)
    assert run.payouts_created == 1 and run.status == "finished"
    # Shop A's balance is negative (it holds the cash): nothing to pay it.
    assert balances("shop", world["shop_id"])[0].available < 0


def test_running_the_payout_job_twice_pays_once(world, fake_stripe):
    factories.run_job(run_payouts)
    second = factories.run_job(run_payouts)
    assert db.session.get(PayoutRun, second).payouts_created == 0
    [payout] = _payouts()
    assert pay_out_balance(payout.id) == "paid"  # the transfer job itself again
    assert len(fake_stripe.objects("transfer")) == 1
    with unscoped():
        assert db.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "payout")) == 1


def test_a_lost_answer_is_found_again_not_paid_twice(world, fake_stripe, monkeypatch):
    """The transfer happens at Stripe but the worker never learns it (killed, or the answer
    lost): the next attempt finds the transfer by its group and records it."""
    run_payouts()  # its transfer job is never run: the worker "dies"
    [payout] = _payouts()
    fake_stripe.fail_next("/v1/transfers", status=500, commit=True, method="POST")
    with pytest.raises(TransferFailed):
        pay_out(payout.id, final_attempt=False)
    assert _payouts()[0].status == "pending" and len(fake_stripe.objects("transfer")) == 1
    assert pay_out(payout.id, final_attempt=False) == "paid"
    assert len(fake_stripe.objects("transfer")) == 1
    assert _payouts()[0].transfer_id == fake_stripe.objects("transfer")[0]["id"]


def test_an_outage_is_retried_until_the_transfer_goes_through(world, fake_stripe, monkeypatch):
    run_payouts()  # the transfer job is left to the test
    [payout] = _payouts()
    fake_stripe.fail_next("/v1/transfers", status=503, times=2, method="POST")
    for _ in range(2):
        with pytest.raises(TransferFailed):
            pay_out(payout.id, final_attempt=False)
    assert pay_out(payout.id, final_attempt=False) == "paid"
    assert len(fake_stripe.objects("transfer")) == 1


def test_a_refused_transfer_fails_with_stripes_reason_and_the_admin_retries_it(world, fake_stripe, login):
    fake_stripe.fail_transfers_to(world["account"].stripe_account_id, "The account's bank details are invalid.")
    factories.run_job(run_payouts)  # inline: no retries, so the first refusal is final
    [payout] = _payouts()
    assert payout.status == "failed" and "bank details are invalid" in payout.failure_reason
    [balance] = balances("supplier", world["supplier_id"])
    assert balance.available == 0 and balance.paid_out == 0  # reserved for the retry
    admin = login(factories.make_user("money-admin@example.com", is_admin=True))
    page = admin.get("/admin/money").get_data(as_text=True)
    assert "bank details are invalid" in page and f"#{payout.id}" in page
    fake_stripe.allow_transfers_to(world["account"].stripe_account_id)
    admin.post(f"/admin/payouts/{payout.id}/retry")
    [payout] = _payouts()
    assert payout.status == "paid" and payout.failed_attempts == 1
    assert len(fake_stripe.objects("transfer")) == 1
    with pytest.raises(Exception, match="only a failed or stuck payout"):
        retry_payout(payout)


def test_cancelling_a_failed_payout_puts_the_money_back(world, fake_stripe, login):
    fake_stripe.fail_transfers_to(world["account"].stripe_account_id, "Closed account.")
    factories.run_job(run_payouts)
    [payout] = _payouts()
    admin = login(factories.make_user("money-admin2@example.com", is_admin=True))
    admin.post(f"/admin/payouts/{payout.id}/cancel")
    assert _payouts()[0].status == "cancelled"
    assert balances("supplier", world["supplier_id"])[0].available == 2400


def test_payees_without_an_account_or_under_the_minimum_wait(fake_stripe, shop_a, app, monkeypatch):
    order = _paid_released_order(shop_a)
    supplier_id = order.lines[0].supplier_id
    run_id = factories.run_job(run_payouts)
    assert _payouts() == [] and db.session.get(PayoutRun, run_id).waiting_for_account == 1
    _connect(fake_stripe, "supplier", supplier_id)
    monkeypatch.setitem(app.config, "PAYOUT_MINIMUM", 5_000)
    factories.run_job(run_payouts)
    assert _payouts() == []  # 1200 is under the minimum
    monkeypatch.setitem(app.config, "PAYOUT_MINIMUM", 1_000)
    factories.run_job(run_payouts)
    assert [p.amount for p in _payouts()] == [1200]


def test_held_money_is_not_paid_out(fake_stripe, shop_a):
    order = factories.make_order(shop_a)
    from app.tenancy import use_shop

    with use_shop(shop_a.shop.id):
        mark_paid(order)  # paid, never shipped: held
    _connect(fake_stripe, "supplier", order.lines[0].supplier_id)
    factories.run_job(run_payouts)
    assert _payouts() == []


def test_the_owner_connects_stripe_from_the_dashboard(fake_stripe, shop_a, login):
    owner = login(shop_a.owner)
    page = owner.get("/dashboard/alpha/earnings").get_data(as_text=True)
    assert "Not connected" in page and "Connect with Stripe" in page
    response = owner.post("/dashboard/alpha/earnings/connect")
    assert response.status_code == 303 and response.location.startswith(fake_stripe.url + "/onboard/")
    [account_request] = fake_stripe.find_requests("POST", "/v1/accounts")
    assert account_request.params["type"] == "express"
    assert account_request.idempotency_key == f"connect-shop-{shop_a.shop.id}"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(response.location)
    except urllib.error.HTTPError as redirect:  # Stripe sends the owner back to the return URL
        back = redirect.headers["Location"]
    assert back.endswith("/dashboard/alpha/earnings/connected")
    done = owner.get(back.split("flagship.test", 1)[1], follow_redirects=True)
    assert "Your Stripe account is connected" in done.get_data(as_text=True)
    assert connect.status_of("shop", shop_a.shop.id) == "active"
    # A second "connect" reuses the same account.
    owner.post("/dashboard/alpha/earnings/connect")
    assert len(fake_stripe.objects("account")) == 1


def test_earnings_show_pending_available_and_payouts_per_shop_only(fake_stripe, shop_a, shop_b, login):
    order_a = _paid_released_order(shop_a)
    _paid_released_order(shop_b)
    owner = login(shop_a.owner)
    page = owner.get("/dashboard/alpha/earnings").get_data(as_text=True)
    assert f"Order {order_a.number}" in page
    assert "bravo" not in page.lower()
    assert owner.get("/dashboard/bravo/earnings").status_code == 404
