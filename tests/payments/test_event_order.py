"""Stripe does not promise the order of its events, nor deliver each once. Over every order
(and repetition) of one paid order's events and the shopper's return from Stripe: the order
is paid once, routed once, e-mailed once, and its ledger adds up."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.ledger.models import LedgerEntry
from app.notifications.models import OutboundEmail
from app.orders.fulfilment_models import PurchaseOrder
from app.tenancy import unscoped

from .helpers import card_checkout, fresh, session_id_of

STEPS = ("declined", "completed", "refunded", "return")
REFUND = 300


def _count(model, *where) -> int:
    with unscoped():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order_of_steps=st.permutations(STEPS),
       repeated=st.lists(st.sampled_from(STEPS), max_size=3))
def test_any_order_of_events_pays_routes_and_emails_once(fake_stripe, shop_a, storefront, client,
                                                         order_of_steps, repeated):
    """Each example makes its own order in the test's transaction (hence the shared fixtures)."""
    for variant in shop_a.listings[0].supply_product.variants:
        variant.stock = 1_000
    fake_stripe.auto_deliver = False
    shopper = storefront(shop_a.shop)
    order, url = card_checkout(shopper, (shop_a.listings[0], 1))
    session_id = session_id_of(url)
    fake_stripe.pay_session(session_id, card="declined")
    fake_stripe.pay_session(session_id)
    charge = [c for c in fake_stripe.objects("charge") if c["status"] == "succeeded"][-1]
    fake_stripe.refund_from_dashboard(charge["id"], REFUND)
    session = fake_stripe.get(session_id)
    events = {
        "declined": [e for e in fake_stripe.events_of_type("payment_intent.payment_failed")
                     if e["data"]["object"]["id"] == session["payment_intent"]][-1],
        "completed": [e for e in fake_stripe.events_of_type("checkout.session.completed")
                      if e["data"]["object"]["id"] == session_id][-1],
        "refunded": [e for e in fake_stripe.events_of_type("charge.refunded")
                     if e["data"]["object"]["id"] == charge["id"]][-1],
    }
    for step in list(order_of_steps) + list(repeated):
        if step == "return":  # back from Stripe's page: the status page asks Stripe itself
            status_path = url_for_status(order)
            assert shopper.get(f"{status_path}?session_id={session_id}").status_code == 200
        else:
            payload, headers = fake_stripe.signed_event_request(events[step])
            response = client.post("/webhooks/stripe", data=payload, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)

    order = fresh(order)
    assert order.status == "paid" and order.refunded_total == REFUND
    assert _count(PurchaseOrder, PurchaseOrder.order_id == order.id) == 1
    assert _count(OutboundEmail, OutboundEmail.dedupe_key == f"order-confirmation:{order.id}") == 1
    with unscoped():
        entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order.id)).all()
    assert sum(e.amount for e in entries) == order.total - REFUND
    assert len([e for e in entries if e.kind == "sale"]) == 4  # written once


def url_for_status(order) -> str:
    return f"/orders/{order.number}/{order.access_token}"
