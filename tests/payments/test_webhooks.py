"""POST /webhooks/stripe: signatures verified on the raw body, each event handled once,
in whatever order Stripe delivers them."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from app.extensions import db
from app.ledger.models import LedgerEntry
from app.payments.models import Refund, StripeEvent
from app.tenancy import unscoped
from tests.conftest import STRIPE_WEBHOOK_SECRET

from .helpers import card_checkout, fresh, payment_of, session_id_of


def _ledger_count(order) -> int:
    with unscoped():
        return db.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.order_id == order.id))


def _ledger_entries(order) -> list[LedgerEntry]:
    with unscoped():
        return db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order.id)).all()


def _paid_but_undelivered(fake_stripe, shop_a, storefront):
    """A card order paid at Stripe whose checkout.session.completed event is not delivered."""
    fake_stripe.auto_deliver = False
    order, url = card_checkout(storefront(shop_a.shop), (shop_a.listings[0], 1))
    fake_stripe.pay_session(session_id_of(url))
    return order, fake_stripe.last_event("checkout.session.completed")


def test_a_good_signature_is_handled_once_and_a_replay_changes_nothing(fake_stripe, shop_a, storefront, client):
    order, event = _paid_but_undelivered(fake_stripe, shop_a, storefront)
    payload, headers = fake_stripe.signed_event_request(event)
    first = client.post("/webhooks/stripe", data=payload, headers=headers)
    assert first.status_code == 200 and first.json["outcome"].endswith("paid")
    assert fresh(order).status == "paid" and _ledger_count(order) == 4
    again = client.post("/webhooks/stripe", data=payload, headers=headers)  # Stripe redelivers
    assert again.status_code == 200 and again.json["duplicate"] is True
    assert _ledger_count(order) == 4
    assert db.session.get(StripeEvent, event["id"]).type == "checkout.session.completed"


def test_a_bad_signature_is_refused_and_nothing_happens(fake_stripe, shop_a, storefront, client):
    order, event = _paid_but_undelivered(fake_stripe, shop_a, storefront)
    payload, headers = fake_stripe.signed_event_request(event, secret="whsec_someone_else")
    assert client.post("/webhooks/stripe", data=payload, headers=headers).status_code == 400
    payload, headers = fake_stripe.signed_event_request(event)
    tampered = payload.replace(b'"livemode": false', b'"livemode": true')
    assert tampered != payload
    assert client.post("/webhooks/stripe", data=tampered, headers=headers).status_code == 400
    assert client.post("/webhooks/stripe", data=payload).status_code == 400  # no signature at all
    assert fresh(order).status == "pending"
    assert db.session.get(StripeEvent, event["id"]) is None and _ledger_count(order) == 0


def test_a_stale_timestamp_is_refused(fake_stripe, shop_a, storefront, client):
    """An old, genuinely signed delivery (someone replaying a captured request) is refused."""
    order, event = _paid_but_undelivered(fake_stripe, shop_a, storefront)
    payload, headers = fake_stripe.signed_event_request(event, timestamp=time.time() - 3600)
    assert client.post("/webhooks/stripe", data=payload, headers=headers).status_code == 400
    assert fresh(order).status == "pending"


def test_not_json_is_refused(fake_stripe, client):
    import stripe

    body = "not json"
    header = stripe.WebhookSignature.generate_signature_header(body, STRIPE_WEBHOOK_SECRET)
    response = client.post("/webhooks/stripe", data=body, headers={"Stripe-Signature": header})
    assert response.status_code == 400


def test_without_a_webhook_secret_the_endpoint_is_off(client):
    assert client.post("/webhooks/stripe", data=b"{}").status_code == 404


def test_a_refund_event_before_the_payment_event_is_handled_in_order(fake_stripe, shop_a, storefront, client):
    """charge.refunded arrives first: the payment is completed from Stripe's state, then the
    refund recorded; the late checkout.session.completed then changes nothing."""
    order, completed = _paid_but_undelivered(fake_stripe, shop_a, storefront)
    charge_id = fake_stripe.objects("charge")[0]["id"]
    fake_stripe.refund_from_dashboard(charge_id, 500)
    refunded = fake_stripe.last_event("charge.refunded")
    payload, headers = fake_stripe.signed_event_request(refunded)
    assert client.post("/webhooks/stripe", data=payload, headers=headers).status_code == 200
    order = fresh(order)
    assert order.status == "paid" and order.refunded_total == 500
    with unscoped():
        [refund] = db.session.scalars(select(Refund).where(Refund.order_id == order.id)).all()
    assert refund.source == "stripe" and refund.amount == 500
    payload, headers = fake_stripe.signed_event_request(completed)
    assert client.post("/webhooks/stripe", data=payload, headers=headers).status_code == 200
    entries = _ledger_entries(order)
    assert sum(e.amount for e in entries) == order.total - 500
    assert len([e for e in entries if e.kind == "sale"]) == 4


def test_a_failing_handler_answers_500_and_leaves_no_trace(fake_stripe, shop_a, storefront, client, monkeypatch):
    order, event = _paid_but_undelivered(fake_stripe, shop_a, storefront)
    fake_stripe.fail_next("/v1/payment_intents", status=500, times=1)
    payload, headers = fake_stripe.signed_event_request(event)
    assert client.post("/webhooks/stripe", data=payload, headers=headers).status_code == 500
    assert db.session.get(StripeEvent, event["id"]) is None  # so Stripe's retry is handled
    assert fresh(order).status == "pending"
    assert client.post("/webhooks/stripe", data=payload, headers=headers).status_code == 200
    assert fresh(order).status == "paid"


def test_unknown_event_types_are_recorded_and_ignored(fake_stripe, shop_a, storefront, client):
    order, event = _paid_but_undelivered(fake_stripe, shop_a, storefront)
    other = dict(event, id="evt_other_type", type="customer.created")
    payload, headers = fake_stripe.signed_event_request(other)
    response = client.post("/webhooks/stripe", data=payload, headers=headers)
    assert response.status_code == 200 and response.json["outcome"] == "ignored"
    assert fresh(order).status == "pending"


def test_a_dispute_takes_the_money_back_and_a_won_dispute_returns_it(fake_stripe, shop_a, storefront):
    order, url = card_checkout(storefront(shop_a.shop), (shop_a.listings[0], 1))
    fake_stripe.pay_session(session_id_of(url))
    charge_id = fake_stripe.objects("charge")[0]["id"]
    dispute = fake_stripe.open_dispute(charge_id)
    order = fresh(order)
    assert payment_of(order).dispute_status
    entries = _ledger_entries(order)
    assert sum(e.amount for e in entries) == 0  # all of it went back to the shopper's bank
    # The supplier keeps its wholesale cost: the shop bears the chargeback and the lost fee.
    assert sum(e.amount for e in entries if e.payee_type == "supplier") == 1200
    shop_total = sum(e.amount for e in entries if e.payee_type == "shop")
    assert shop_total == -(1200 + payment_of(order).processor_fee)
    fake_stripe.close_dispute(dispute["id"], "won")
    entries = _ledger_entries(order)
    assert sum(e.amount for e in entries) == order.total
    assert payment_of(order).dispute_status == "won"


def test_a_signed_event_carrying_another_orders_payment_pays_nothing(fake_stripe, shop_a, storefront, client):
    """Security finding 8: a correctly signed checkout.session.completed naming an unpaid
    order's session, with another order's payment intent and amount_total 1, marked it paid.
    The session is read again from Stripe, and its payment must be this order's."""
    fake_stripe.auto_deliver = False
    unpaid, unpaid_url = card_checkout(storefront(shop_a.shop), (shop_a.listings[0], 1))
    paid, paid_url = card_checkout(storefront(shop_a.shop), (shop_a.listings[1], 1))
    fake_stripe.pay_session(session_id_of(paid_url))
    genuine = fake_stripe.last_event("checkout.session.completed")
    forged = dict(genuine, id="evt_forged_1")
    forged["data"] = {"object": dict(genuine["data"]["object"], id=session_id_of(unpaid_url),
                                     amount_total=1, payment_status="paid")}
    payload, headers = fake_stripe.signed_event_request(forged)
    response = client.post("/webhooks/stripe", data=payload, headers=headers)
    assert response.status_code == 200 and "unpaid" in response.json["outcome"]
    assert fresh(unpaid).status == "pending" and _ledger_count(unpaid) == 0


def test_a_paid_session_that_is_not_the_orders_payment_is_refused(fake_stripe, shop_a, storefront,
                                                                 client, monkeypatch):
    """Even what Stripe itself returns must match the order: its number, amount and currency."""
    from app.integrations import stripe_gateway

    fake_stripe.auto_deliver = False
    target, target_url = card_checkout(storefront(shop_a.shop), (shop_a.listings[0], 1))
    other, other_url = card_checkout(storefront(shop_a.shop), (shop_a.listings[1], 1))
    fake_stripe.pay_session(session_id_of(other_url))
    other_session = fake_stripe.get(session_id_of(other_url))
    real = stripe_gateway.retrieve_checkout_session
    monkeypatch.setattr(stripe_gateway, "retrieve_checkout_session", lambda session_id: dict(
        real(other_session["id"]), id=session_id) if session_id == session_id_of(target_url) else real(session_id))
    event = dict(fake_stripe.last_event("checkout.session.completed"), id="evt_swapped_1")
    event["data"] = {"object": {"id": session_id_of(target_url), "object": "checkout.session"}}
    payload, headers = fake_stripe.signed_event_request(event)
    response = client.post("/webhooks/stripe", data=payload, headers=headers)
    assert response.status_code == 200 and "refused" in response.json["outcome"]
    assert fresh(target).status == "pending" and _ledger_count(target) == 0
    assert payment_of(target).status == "open"
