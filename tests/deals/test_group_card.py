"""Group buys paid by card, against the local fake of Stripe: a member counts only once the
money arrives; a short wait authorises the card and captures it when the group fills (or
cancels the authorisation when it fails); a wait longer than an authorisation lasts charges
at once and refunds a failed group in full. The ledger sees only groups that go ahead."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.db_types import utcnow
from app.deals import jobs, services
from app.deals.models import DealEvent, DealRound
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.notifications.models import OutboundEmail
from app.orders.fulfilment_models import PurchaseOrder
from app.payments.holds import capture_held_payment
from app.tenancy import unscoped, use_shop
from tests.factories import run_job
from tests.payments.helpers import CHECKOUT, fresh, latest_order, payment_of, session_id_of

from .test_group_buys import _count, _fresh, _stock


def _offer(shop, listing, hours=24, size=2):
    with use_shop(shop.id):
        variant = listing.supply_product.variants[0]
        deal = services.save_group_buy(listing, prices={variant.id: "3.60"}, group_size=size,
                                       time_limit_hours=hours, max_open_groups=3)
        return deal.id, variant.id


@pytest.fixture
def crisps(shop_a):
    return shop_a.listings[1]


def _card_join(client, deal_id, variant_id, token=None, email="ada@example.com", name="Ada Shopper"):
    """Check out for a group by card -> (the order, the Stripe session id)."""
    query = f"/group-checkout?deal={deal_id}&variant={variant_id}" + (f"&group={token}" if token else "")
    response = client.post(query, data=dict(CHECKOUT, email=email, name=name, payment_method="card"))
    assert response.status_code == 303, response.get_data(as_text=True)[:1500]
    return latest_order(), session_id_of(response.location)


def _round():
    """The one group, as plain values (a row would expire at the next commit, and reloading
    it outside a shop scope finds nothing under row-level security)."""
    [round_] = _fresh(DealRound)
    return SimpleNamespace(**{key: getattr(round_, key) for key in ("id", "token", "status", "progress")})


def _ledger(order) -> int:
    with unscoped():
        return len(db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order.id)).all())


def _intent(fake, order):
    return fake.get(payment_of(order).payment_intent_id)


def test_a_card_member_counts_once_authorised_and_the_filled_group_is_captured(
        fake_stripe, shop_a, crisps, storefront):
    deal_id, variant_id = _offer(shop_a.shop, crisps)
    first = storefront(shop_a.shop)
    form = first.get(f"/group-checkout?deal={deal_id}&variant={variant_id}").get_data(as_text=True)
    assert 'value="card"' in form and "only authorised now" in form

    ada, ada_session = _card_join(first, deal_id, variant_id)
    [request] = fake_stripe.find_requests("POST", "/v1/checkout/sessions")
    assert request.params["payment_intent_data"]["capture_method"] == "manual"
    round_ = _round()
    assert (ada.hold, ada.deal_round_id, ada.status) == ("deal-pay", round_.id, "pending")
    assert round_.progress == 0  # not a member before the money arrives
    page = first.get(f"/groups/{round_.token}?order={ada.number}").get_data(as_text=True)
    assert "0 of 2 joined" in page and "Your payment is being confirmed" in page
    assert '<li class="member">AS</li>' not in page

    fake_stripe.pay_session(ada_session)  # the webhook: checkout.session.completed, "unpaid"
    ada, round_ = fresh(ada), _round()
    assert (ada.hold, ada.status, round_.progress) == ("deal", "pending", 1)
    assert payment_of(ada).status == "authorised" and _intent(fake_stripe, ada)["status"] == "requires_capture"
    assert _ledger(ada) == 0 and _count(PurchaseOrder) == 0
    assert _count(OutboundEmail, dedupe_key=f"deal-joined:{ada.id}") == 1
    back = first.get(f"/orders/{ada.number}/{ada.access_token}?session_id={ada_session}")
    assert back.status_code == 302 and f"/groups/{round_.token}" in back.location
    progress = first.get(f"/groups/{round_.token}/progress?order={ada.number}").get_json()
    assert progress == {"status": "open", "progress": 1, "target": 2, "paying": False}

    bo, bo_session = _card_join(storefront(shop_a.shop), deal_id, variant_id, round_.token,
                                email="bo@example.com", name="Bo Chen")
    fake_stripe.pay_session(bo_session)  # fills the group: both authorisations are captured
    round_ = _round()
    assert (round_.status, round_.progress) == ("filled", 2)
    for order in (fresh(ada), fresh(bo)):
        payment = payment_of(order)
        assert (order.status, order.hold, payment.status) == ("paid", "", "paid")
        assert _intent(fake_stripe, order)["status"] == "succeeded"
        assert payment.processor_fee is not None and _ledger(order) > 0
        assert _count(OutboundEmail, dedupe_key=f"order-confirmation:{order.id}") == 1
    captures = [r for r in fake_stripe.requests if r.path.endswith("/capture")]
    assert sorted(r.idempotency_key for r in captures) == sorted(
        f"capture-{payment_of(o).id}" for o in (ada, bo))
    assert _count(PurchaseOrder) == 2
    with use_shop(shop_a.shop.id):  # the capture job again: nothing more
        assert "is paid" in run_job(capture_held_payment, shop_a.shop.id, payment_of(ada).id)
    assert len([r for r in fake_stripe.requests if r.path.endswith("/capture")]) == 2
    kinds = [e.kind for e in _fresh(DealEvent)]
    assert kinds == ["created", "opened", "joined", "joined", "filled"]


def test_a_failed_group_releases_every_authorisation_and_closes_open_payment_pages(
        fake_stripe, shop_a, crisps, storefront):
    deal_id, variant_id = _offer(shop_a.shop, crisps, size=3)
    before = _stock(variant_id)
    ada, ada_session = _card_join(storefront(shop_a.shop), deal_id, variant_id)
    fake_stripe.pay_session(ada_session)
    round_ = _round()
    cy, cy_session = _card_join(storefront(shop_a.shop), deal_id, variant_id, round_.token,
                                email="cy@example.com", name="Cy Ng")  # never pays
    assert _stock(variant_id) == before - 2 and _round().progress == 1
    with unscoped():
        db.session.get(DealRound, round_.id).deadline = utcnow() - timedelta(seconds=1)
        db.session.flush()

    assert run_job(jobs.close_round_if_due, round_.id) == "failed"
    ada, cy = fresh(ada), fresh(cy)
    assert (ada.status, cy.status) == ("cancelled", "cancelled") and _stock(variant_id) == before
    assert payment_of(ada).status == "released" and _intent(fake_stripe, ada)["status"] == "canceled"
    assert fake_stripe.get(cy_session)["status"] == "expired" and payment_of(cy).status == "expired"
    assert _ledger(ada) == 0 and _ledger(cy) == 0 and _count(PurchaseOrder) == 0
    [mail] = _fresh(OutboundEmail, dedupe_key=f"deal-failed:{ada.id}")
    assert "authorisation is simply released" in mail.body_text
    assert _count(OutboundEmail, dedupe_key=f"deal-failed:{cy.id}") == 0  # never a member
    assert run_job(jobs.close_round_if_due, round_.id) == "already failed"
    assert len(fake_stripe.find_requests("POST", f"/v1/payment_intents/{payment_of(ada).payment_intent_id}/cancel")) == 1


def test_a_long_group_charges_at_once_and_refunds_in_full_if_it_fails(fake_stripe, app, shop_a, crisps,
                                                                      storefront, monkeypatch):
    monkeypatch.setitem(app.config, "CARD_AUTHORISATION_HOURS", 144)
    deal_id, variant_id = _offer(shop_a.shop, crisps, hours=7 * 24)
    client = storefront(shop_a.shop)
    form = client.get(f"/group-checkout?deal={deal_id}&variant={variant_id}").get_data(as_text=True)
    assert "refunded in full if the group doesn’t fill" in form
    ada, session = _card_join(client, deal_id, variant_id)
    [request] = fake_stripe.find_requests("POST", "/v1/checkout/sessions")
    assert "capture_method" not in request.params["payment_intent_data"]
    fake_stripe.pay_session(session)
    ada = fresh(ada)
    assert (ada.status, ada.hold, payment_of(ada).status) == ("pending", "deal", "paid")
    assert _ledger(ada) == 0  # charged, but the sale is not the shop's until the group fills
    round_ = _round()
    with unscoped():
        db.session.get(DealRound, round_.id).deadline = utcnow() - timedelta(seconds=1)
        db.session.flush()
    assert run_job(jobs.sweep_due_rounds) == 1
    ada = fresh(ada)
    assert ada.status == "cancelled" and payment_of(ada).status == "refunded"
    [refund] = fake_stripe.objects("refund")
    assert refund["amount"] == ada.total and refund["payment_intent"] == payment_of(ada).payment_intent_id
    assert _ledger(ada) == 0  # the charge.refunded webhook finds a cancelled order: nothing booked
    assert [e.kind for e in _fresh(DealEvent)][-2:] == ["refunded", "failed"]


def test_a_long_group_that_fills_books_the_charged_sales(fake_stripe, app, shop_a, crisps, storefront,
                                                         monkeypatch):
    monkeypatch.setitem(app.config, "CARD_AUTHORISATION_HOURS", 144)
    deal_id, variant_id = _offer(shop_a.shop, crisps, hours=7 * 24)
    ada, session = _card_join(storefront(shop_a.shop), deal_id, variant_id)
    fake_stripe.pay_session(session)
    bo, bo_session = _card_join(storefront(shop_a.shop), deal_id, variant_id, _round().token, email="bo@example.com")
    fake_stripe.pay_session(bo_session)
    for order in (fresh(ada), fresh(bo)):
        assert order.status == "paid" and _ledger(order) > 0
    assert not [r for r in fake_stripe.requests if r.path.endswith("/capture")]


def test_money_arriving_after_the_group_filled_goes_straight_back(fake_stripe, shop_a, crisps, storefront):
    deal_id, variant_id = _offer(shop_a.shop, crisps)
    ada, ada_session = _card_join(storefront(shop_a.shop), deal_id, variant_id)
    fake_stripe.pay_session(ada_session)
    token = _round().token
    bo, bo_session = _card_join(storefront(shop_a.shop), deal_id, variant_id, token, email="bo@example.com")
    cod = storefront(shop_a.shop).post(f"/group-checkout?deal={deal_id}&variant={variant_id}&group={token}",
                                       data=dict(CHECKOUT, email="cy@example.com", payment_method="cod"))
    assert cod.status_code == 302 and _round().status == "filled"

    fake_stripe.pay_session(bo_session)  # too late: the group is full
    bo = fresh(bo)
    assert bo.status == "cancelled" and payment_of(bo).status == "released"
    assert _intent(fake_stripe, bo)["status"] == "canceled" and _ledger(bo) == 0
    assert _round().progress == 2
    assert _count(OutboundEmail, dedupe_key=f"deal-missed:{bo.id}") == 1
    assert "missed" in [e.kind for e in _fresh(DealEvent)]


def test_an_authorisation_that_lapsed_cancels_only_that_members_order(fake_stripe, shop_a, crisps, storefront):
    deal_id, variant_id = _offer(shop_a.shop, crisps)
    ada, ada_session = _card_join(storefront(shop_a.shop), deal_id, variant_id)
    fake_stripe.pay_session(ada_session)
    fake_stripe.expire_authorization(payment_of(ada).payment_intent_id)  # Stripe let it lapse
    bo, bo_session = _card_join(storefront(shop_a.shop), deal_id, variant_id, _round().token,
                                email="bo@example.com")
    fake_stripe.pay_session(bo_session)
    ada, bo = fresh(ada), fresh(bo)
    assert (ada.status, payment_of(ada).status) == ("cancelled", "failed")
    assert (bo.status, payment_of(bo).status) == ("paid", "paid")
    assert _ledger(ada) == 0 and _ledger(bo) > 0
    assert _count(OutboundEmail, dedupe_key=f"payment-not-taken:{ada.id}") == 1


def test_the_owner_sees_a_waiting_group_order_and_cannot_take_it_out_by_hand(
        fake_stripe, shop_a, crisps, storefront, login):
    deal_id, variant_id = _offer(shop_a.shop, crisps)
    ada, session = _card_join(storefront(shop_a.shop), deal_id, variant_id)
    fake_stripe.pay_session(session)
    owner = login(shop_a.owner)
    page = owner.get(f"/dashboard/alpha/orders/{ada.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "waits for its group to fill" in text
    assert "Approve" not in text and "Waiting for group" in text
    approve = owner.post(f"/dashboard/alpha/orders/{ada.id}/approve")
    assert approve.status_code in (302, 422) and fresh(ada).hold == "deal"
    cancel = owner.post(f"/dashboard/alpha/orders/{ada.id}/cancel", data={"reason": "test"})
    assert cancel.status_code in (302, 422) and fresh(ada).status == "pending"
    assert payment_of(ada).status == "authorised"


def test_a_shopper_who_goes_back_from_stripe_is_back_at_the_group_not_in_it(fake_stripe, shop_a, crisps,
                                                                           storefront):
    deal_id, variant_id = _offer(shop_a.shop, crisps)
    client = storefront(shop_a.shop)
    ada, session = _card_join(client, deal_id, variant_id)
    [request] = fake_stripe.find_requests("POST", "/v1/checkout/sessions")
    back = request.params["cancel_url"].split("flagship.test", 1)[1]
    assert client.get(back).status_code == 200  # asks first
    left = client.post(back)
    assert left.status_code == 302 and f"/groups/{_round().token}" in left.location
    assert fresh(ada).status == "cancelled" and fake_stripe.get(session)["status"] == "expired"
    assert _round().progress == 0
