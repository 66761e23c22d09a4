"""Card checkout through Stripe Checkout (the real library against the local fake)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.catalog.models import SupplyVariant
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.notifications.models import OutboundEmail
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.models import Order
from app.tenancy import unscoped
from tests.factories import run_job
from tests.fakes.stripe import stripe_fee

from .helpers import CHECKOUT, card_checkout, fresh, payment_of, session_id_of


def _entries(order):
    with unscoped():
        return {(e.payee_type, e.kind): e.amount for e in db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.order_id == order.id))}


def test_without_a_stripe_key_checkout_offers_pay_on_delivery_only(shop_a, storefront):
    client = storefront(shop_a.shop)
    client.post("/cart/add", data={"listing_id": shop_a.listings[0].id,
                                   "variant_id": shop_a.listings[0].supply_product.variants[0].id})
    page = client.get("/checkout").get_data(as_text=True)
    assert 'value="card"' not in page and "Pay on delivery" in page
    refused = client.post("/checkout", data=dict(CHECKOUT, payment_method="card"))
    assert refused.status_code == 422  # not a valid choice here
    with unscoped():
        assert db.session.scalar(select(func.count(Order.id))) == 0


def test_card_checkout_creates_a_session_with_the_orders_lines(fake_stripe, shop_a, storefront):
    client = storefront(shop_a.shop)
    tee, snack = shop_a.listings
    stock_before = tee.supply_product.variants[0].stock
    order, url = card_checkout(client, (tee, 2), (snack, 1))

    assert url.startswith(fake_stripe.url + "/pay/cs_")
    assert order.status == "pending" and order.payment_method == "card" and order.total == 2 * 1800 + 375
    [request] = fake_stripe.find_requests("POST", "/v1/checkout/sessions")
    params = request.params
    assert request.idempotency_key == f"checkout-{order.number}"
    assert params["client_reference_id"] == order.number
    assert params["metadata"] == {"order_number": order.number, "shop_id": str(shop_a.shop.id)}
    assert params["payment_intent_data"]["transfer_group"] == order.number
    items = params["line_items"]
    assert [(i["price_data"]["unit_amount"], i["quantity"], i["price_data"]["currency"]) for i in items] \
        == [("1800", "2", "usd"), ("375", "1", "usd")]
    assert "{CHECKOUT_SESSION_ID}" in params["success_url"] and order.access_token in params["success_url"]
    session = fake_stripe.get(session_id_of(url))
    assert session["amount_total"] == order.total
    with unscoped():
        db.session.refresh(tee.supply_product.variants[0])
    assert tee.supply_product.variants[0].stock == stock_before - 2  # held while the shopper pays
    # Nothing is confirmed or sent to suppliers before the money is in.
    with unscoped():
        assert db.session.scalar(select(func.count(OutboundEmail.id))) == 0
        assert db.session.scalar(select(func.count(PurchaseOrder.id))) == 0
    assert _entries(order) == {}


def test_paying_marks_the_order_paid_records_the_ledger_emails_and_routes(fake_stripe, shop_a, storefront):
    client = storefront(shop_a.shop)
    order, url = card_checkout(client, (shop_a.listings[0], 1))
    fake_stripe.pay_session(session_id_of(url))  # the webhook reaches /webhooks/stripe

    order = fresh(order)
    assert order.status == "paid" and order.paid_at is not None
    payment = payment_of(order)
    fee = stripe_fee(1800)
    assert payment.status == "paid" and payment.processor_fee == fee and payment.payment_intent_id
    assert _entries(order) == {("supplier", "sale"): 1200, ("platform", "sale"): 90,
                               ("processor", "sale"): fee, ("shop", "sale"): 1800 - 1200 - 90 - fee}
    with unscoped():
        assert db.session.scalar(select(func.count(OutboundEmail.id)).where(
            OutboundEmail.dedupe_key == f"order-confirmation:{order.id}")) == 1
        assert db.session.scalar(select(func.count(PurchaseOrder.id)).where(
            PurchaseOrder.order_id == order.id)) == 1


def test_the_return_from_stripe_confirms_before_the_webhook(fake_stripe, shop_a, storefront):
    client = storefront(shop_a.shop)
    fake_stripe.auto_deliver = False  # the webhook is late
    order, url = card_checkout(client, (shop_a.listings[0], 1))
    fake_stripe.pay_session(session_id_of(url))
    back = client.get(f"/orders/{order.number}/{order.access_token}?session_id={session_id_of(url)}")
    text = back.get_data(as_text=True)
    assert back.status_code == 200 and "Your payment went through" in text
    assert fresh(order).status == "paid"
    # The webhook arrives afterwards and changes nothing.
    fake_stripe.flush_webhooks()
    with unscoped():
        assert db.session.scalar(select(func.count(LedgerEntry.id)).where(
            LedgerEntry.order_id == order.id)) == 4


def test_the_return_from_stripe_after_the_webhook_still_thanks_the_shopper(fake_stripe, shop_a, storefront):
    # The webhook often wins the race with the shopper's browser: the order is paid already.
    client = storefront(shop_a.shop)
    order, url = card_checkout(client, (shop_a.listings[0], 1))
    fake_stripe.pay_session(session_id_of(url))
    assert fresh(order).status == "paid"
    back = client.get(f"/orders/{order.number}/{order.access_token}?session_id={session_id_of(url)}")
    text = back.get_data(as_text=True)
    assert back.status_code == 200 and "Thank you" in text and "Your payment went through" in text
    assert "Thank you" not in client.get(f"/orders/{order.number}/{order.access_token}").get_data(as_text=True)


def test_going_back_from_stripe_cancels_the_order_and_restores_the_cart(fake_stripe, shop_a, storefront):
    client = storefront(shop_a.shop)
    listing = shop_a.listings[0]
    variant = listing.supply_product.variants[0]
    stock_before = variant.stock
    order, url = card_checkout(client, (listing, 2))
    cancel_path = fake_stripe.get(session_id_of(url))["cancel_url"].split(shop_a.shop.subdomain + ".flagship.test", 1)[1]
    # Stripe sends the shopper back with a GET: it only asks (a link or an image could send it).
    asking = client.get(cancel_path)
    assert asking.status_code == 200 and "Cancel your card payment?" in asking.get_data(as_text=True)
    assert asking.headers["Cache-Control"] == "no-store"
    assert fresh(order).status == "pending" and payment_of(order).status != "expired"
    response = client.post(cancel_path)
    assert response.status_code == 302 and response.location.endswith("/checkout")
    order = fresh(order)
    assert order.status == "cancelled" and payment_of(order).status == "expired"
    assert fake_stripe.get(session_id_of(url))["status"] == "expired"
    with unscoped():
        assert db.session.get(SupplyVariant, variant.id).stock == stock_before
    assert "qty-" in client.get("/cart").get_data(as_text=True)  # the items are back in the cart


def test_a_get_of_the_cancel_link_never_cancels_and_the_post_needs_a_csrf_token(
        app, fake_stripe, shop_a, storefront, monkeypatch):
    """A link or an image pointing at the cancel URL must not cancel a shopper's order."""
    import re

    client = storefront(shop_a.shop)
    order, url = card_checkout(client, (shop_a.listings[0], 1))
    cancel_path = f"/orders/{order.number}/{order.access_token}/cancel-payment"
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for _ in range(2):
        page = client.get(cancel_path)
        assert page.status_code == 200 and fresh(order).status == "pending"
    html = page.get_data(as_text=True)
    assert f'action="{cancel_path}"' in html and 'name="csrf_token"' in html
    assert url in html  # "No, go back and pay": Stripe's page again
    forged = client.post(cancel_path)  # no token: another site's form
    assert forged.status_code == 400 and fresh(order).status == "pending"
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post(cancel_path, data={"csrf_token": token}).status_code == 302
    assert fresh(order).status == "cancelled"
    # Done: the link now just shows the order.
    again = client.get(cancel_path)
    assert again.status_code == 302 and again.location == f"/orders/{order.number}/{order.access_token}"


def test_the_cancel_link_needs_the_orders_token(fake_stripe, shop_a, storefront):
    client = storefront(shop_a.shop)
    order, _ = card_checkout(client, (shop_a.listings[0], 1))
    assert client.get(f"/orders/{order.number}/wrong/cancel-payment").status_code == 404
    assert client.post(f"/orders/{order.number}/wrong/cancel-payment").status_code == 404
    assert fresh(order).status == "pending"


def test_an_expired_session_cancels_the_order_and_releases_stock(fake_stripe, shop_a, storefront):
    client = storefront(shop_a.shop)
    variant = shop_a.listings[0].supply_product.variants[0]
    stock_before = variant.stock
    order, url = card_checkout(client, (shop_a.listings[0], 1))
    fake_stripe.expire_session(session_id_of(url))
    order = fresh(order)
    assert order.status == "cancelled" and "not completed" in order.cancel_reason
    with unscoped():
        assert db.session.get(SupplyVariant, variant.id).stock == stock_before
    assert _entries(order) == {}


def test_a_declined_card_keeps_the_order_pending_with_the_reason(fake_stripe, shop_a, storefront):
    client = storefront(shop_a.shop)
    order, url = card_checkout(client, (shop_a.listings[0], 1))
    fake_stripe.pay_session(session_id_of(url), card="declined")
    order = fresh(order)
    assert order.status == "pending"
    assert "declined" in payment_of(order).failure_message.lower()
    page = client.get(f"/orders/{order.number}/{order.access_token}").get_data(as_text=True)
    assert "Complete payment" in page and "declined" in page.lower()
    fake_stripe.pay_session(session_id_of(url))  # a second card works
    assert fresh(order).status == "paid"


def test_stripe_down_at_checkout_writes_nothing_and_says_so(fake_stripe, shop_a, storefront):
    client = storefront(shop_a.shop)
    variant = shop_a.listings[0].supply_product.variants[0]
    stock_before = variant.stock
    client.post("/cart/add", data={"listing_id": shop_a.listings[0].id, "variant_id": variant.id})
    fake_stripe.fail_next("/v1/checkout/sessions", status=500, times=5)
    response = client.post("/checkout", data=dict(CHECKOUT, payment_method="card"))
    assert response.status_code == 200
    assert "Card payment could not start" in response.get_data(as_text=True)
    with unscoped():
        assert db.session.scalar(select(func.count(Order.id))) == 0
        assert db.session.get(SupplyVariant, variant.id).stock == stock_before


def test_pay_on_delivery_still_works_when_cards_are_on(fake_stripe, shop_a, storefront):
    client = storefront(shop_a.shop)
    client.post("/cart/add", data={"listing_id": shop_a.listings[0].id,
                                   "variant_id": shop_a.listings[0].supply_product.variants[0].id})
    page = client.get("/checkout").get_data(as_text=True)
    assert 'value="card" checked' in page
    response = client.post("/checkout", data=dict(CHECKOUT, payment_method="cod"))
    assert response.status_code == 302 and "placed=1" in response.location
    with unscoped():
        order = db.session.scalar(select(Order))
    assert order.payment_method == "cod" and order.status == "pending"
    assert fake_stripe.find_requests("POST", "/v1/checkout/sessions") == []


def test_the_session_expiry_is_always_inside_stripes_window(fake_stripe, shop_a, storefront, app, monkeypatch):
    """Stripe refuses an expires_at under 30 minutes or over 24 hours from creation: the
    request's own time and whole seconds must never push it over either edge."""
    import time

    for minutes, low, high in ((30, 30 * 60, 32 * 60), (1440, 23 * 3600, 24 * 3600), (5, 30 * 60, 32 * 60)):
        monkeypatch.setitem(app.config, "CHECKOUT_SESSION_MINUTES", minutes)
        client = storefront(shop_a.shop)
        _order, url = card_checkout(client, (shop_a.listings[1], 1))
        left = fake_stripe.get(session_id_of(url))["expires_at"] - time.time()
        assert low < left < high, (minutes, left)


def test_the_periodic_job_settles_checkouts_whose_webhook_never_came(fake_stripe, shop_a, storefront):
    """Webhooks lost: once a session's lifetime is over, the job asks Stripe and settles it
    either way (paid: the order is paid and confirmed; expired: cancelled, stock back)."""
    from datetime import timedelta

    from app.db_types import utcnow
    from app.payments.jobs import settle_stale_checkouts
    from app.payments.models import Payment
    from app.payments.services import checkout_lifetime

    fake_stripe.auto_deliver = False
    client = storefront(shop_a.shop)
    paid, paid_url = card_checkout(client, (shop_a.listings[0], 1))
    lapsed, lapsed_url = card_checkout(client, (shop_a.listings[1], 1))
    fresh_order, _url = card_checkout(client, (shop_a.listings[1], 1))
    fake_stripe.pay_session(session_id_of(paid_url))
    fake_stripe.expire_session(session_id_of(lapsed_url))
    with unscoped():
        for order in (paid, lapsed):
            payment = db.session.scalar(select(Payment).where(Payment.order_id == order.id))
            payment.created_at = utcnow() - checkout_lifetime() - timedelta(minutes=16)
        db.session.commit()
    assert run_job(settle_stale_checkouts) == 2
    assert fresh(paid).status == "paid" and fresh(lapsed).status == "cancelled"
    assert fresh(fresh_order).status == "pending"  # still inside its lifetime: not asked
    with unscoped():
        assert db.session.scalar(select(func.count(OutboundEmail.id)).where(
            OutboundEmail.dedupe_key == f"order-confirmation:{paid.id}")) == 1
    assert run_job(settle_stale_checkouts) == 0  # twice: nothing more
