"""Fulfilment jobs: routing, webhook deliveries (signed, retried, logged) and the shipping
e-mail. Each job runs twice and nothing doubles."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.catalog.portal_models import WebhookAttempt, WebhookDelivery
from app.extensions import db
from app.notifications.models import OutboundEmail
from app.orders.fulfilment import Shipment, ship_lines
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.jobs import deliver_webhook, route_order_to_suppliers, send_shipping_confirmation
from app.orders.supplier_webhooks import MAX_ATTEMPTS, WebhookFailed
from app.tenancy import unscoped, use_shop
from tests.factories import run_job
from tests.supplier.helpers import SECRET, Receiver, routed, split_order


def _count(model, *where):
    with unscoped():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _deliveries(supplier_id):
    with unscoped():
        return list(db.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.supplier_id == supplier_id)
            .execution_options(populate_existing=True)))


def test_route_job_twice_creates_one_purchase_order_per_supplier(shop_a, catalog):
    split = split_order(shop_a, catalog)
    assert route_order_to_suppliers(split.order_id) == 2
    assert route_order_to_suppliers(split.order_id) == 0
    assert _count(PurchaseOrder, PurchaseOrder.order_id == split.order_id) == 2


def test_checkout_routes_the_order(shop_a, storefront):
    shop_id = shop_a.shop.id
    listing = shop_a.listings[0]
    variant = listing.supply_product.variants[0]
    shopper = storefront(shop_a.shop)
    shopper.post("/cart/add", data={"listing_id": listing.id, "variant_id": variant.id, "quantity": 1})
    response = shopper.post("/checkout", data={
        "name": "Ada Shopper", "email": "ada@example.com", "phone": "+1 555 0100 200",
        "line1": "1 Main Street", "city": "Springfield", "postcode": "12345", "country": "US"})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with use_shop(shop_id):
        assert db.session.scalar(select(func.count(PurchaseOrder.id))) == 1


def test_webhook_is_signed_and_sent_once(shop_a, catalog):
    split = split_order(shop_a, catalog)
    with Receiver([200]) as receiver:
        split.supplier_a.webhook_url, split.supplier_a.webhook_secret = receiver.url, SECRET
        supplier_id = split.supplier_a.id
        db.session.flush()
        run_job(route_order_to_suppliers, split.order_id)  # inline: delivered right away
        run_job(route_order_to_suppliers, split.order_id)
        [delivery] = _deliveries(supplier_id)
        assert deliver_webhook(delivery.id) == "delivered"  # run again: no second POST
        assert len(receiver.requests) == 1
        request = receiver.requests[0]
        assert request["valid"] and request["event"] == "purchase_order.created"
        assert request["delivery"] == str(delivery.id)
        payload = json.loads(request["body"])["purchase_order"]
        assert payload["number"] == f"{split.number}-1"
        assert payload["ship_to"]["name"] == "Ada Shopper"
        assert "email" not in json.dumps(payload)
        assert {line["quantity"] for line in payload["lines"]} == {2, 3}
        assert delivery.status == "delivered" and delivery.attempt_count == 1
    assert _count(WebhookAttempt, WebhookAttempt.delivery_id == delivery.id) == 1


def test_webhook_retries_on_500_then_succeeds_and_logs_every_attempt(shop_a, catalog):
    split = split_order(shop_a, catalog)
    with Receiver([500, 500, 200]) as receiver:
        split.supplier_b.webhook_url, split.supplier_b.webhook_secret = receiver.url, SECRET
        supplier_id = split.supplier_b.id
        db.session.flush()
        run_job(route_order_to_suppliers, split.order_id)  # inline first attempt: 500, logged
        [delivery] = _deliveries(supplier_id)
        delivery_id = delivery.id
        with pytest.raises(WebhookFailed):
            deliver_webhook(delivery_id)  # the retry RQ would run: 500 again
        assert deliver_webhook(delivery_id) == "delivered"
        assert deliver_webhook(delivery_id) == "delivered"
        assert len(receiver.requests) == 3 and all(r["valid"] for r in receiver.requests)
    attempts = list(db.session.scalars(select(WebhookAttempt).where(
        WebhookAttempt.delivery_id == delivery_id).order_by(WebhookAttempt.id)))
    assert [a.status_code for a in attempts] == [500, 500, 200]
    assert attempts[0].error == "HTTP 500"


def test_webhook_is_failed_after_the_last_attempt(shop_a, catalog):
    split = split_order(shop_a, catalog)
    with Receiver([500] * (MAX_ATTEMPTS + 2)) as receiver:
        split.supplier_b.webhook_url = receiver.url
        supplier_id = split.supplier_b.id
        db.session.flush()
        run_job(route_order_to_suppliers, split.order_id)
        [delivery] = _deliveries(supplier_id)
        delivery_id = delivery.id  # the job commits: the object expires
        for _ in range(MAX_ATTEMPTS - 1):
            with pytest.raises(WebhookFailed):
                deliver_webhook(delivery_id)
        assert deliver_webhook(delivery_id) == "failed"
        assert len(receiver.requests) == MAX_ATTEMPTS
    [delivery] = _deliveries(supplier_id)
    assert delivery.status == "failed" and delivery.attempt_count == MAX_ATTEMPTS


def test_unreachable_webhook_logs_the_error(shop_a, catalog):
    split = split_order(shop_a, catalog)
    split.supplier_b.webhook_url = "http://127.0.0.1:9/nothing-listens"
    supplier_id = split.supplier_b.id
    db.session.flush()
    run_job(route_order_to_suppliers, split.order_id)
    [delivery] = _deliveries(supplier_id)
    assert delivery.status == "pending" and delivery.attempts[0].status_code is None
    assert delivery.attempts[0].error


def test_shipping_confirmation_is_sent_once(shop_a, catalog):
    split = split_order(shop_a, catalog)
    pos = routed(split)
    assert send_shipping_confirmation(split.order_id) == "not shipped"
    with use_shop(split.shop_id):
        for supplier_id, po_id in pos.items():
            po = db.session.get(PurchaseOrder, po_id)
            ship_lines(supplier_id, [Shipment(line, "UPS", f"1Z-{po_id}") for line in po.lines])
    assert send_shipping_confirmation(split.order_id) == "sent"
    assert send_shipping_confirmation(split.order_id) == "already recorded"
    with unscoped():
        [email] = db.session.scalars(select(OutboundEmail).where(
            OutboundEmail.dedupe_key == f"shipping-confirmation:{split.order_id}"))
    assert email.to_address == "ada@example.com"
    for po_id in pos.values():
        assert f"1Z-{po_id}" in email.body_text


def _run_worker(database_url, redis_url, outbound_allow=""):
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url,
               SERVER_NAME="flagship.test", SECRET_KEY="worker-test", OUTBOUND_ALLOW=outbound_allow)
    return subprocess.run([sys.executable, "worker.py", "--burst", "--queues", "default"],
                          cwd=Path(__file__).resolve().parents[2], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.redis
@pytest.mark.committed
def test_real_worker_routes_once_and_retries_the_webhook(app, database_url):
    import os

    from app.jobs import get_queue, redis_connection
    from tests.factories import make_catalog, make_shop_with_listings

    catalog = make_catalog()
    split = split_order(make_shop_with_listings("fulfil", catalog), catalog)
    redis_url = os.environ["REDIS_URL"]
    queue = get_queue("default", connection=redis_connection(redis_url))
    queue.empty()
    with Receiver([500, 200]) as receiver:
        supplier_b = split.supplier_b
        supplier_b.webhook_url, supplier_b.webhook_secret = receiver.url, SECRET
        supplier_id = supplier_b.id
        db.session.commit()
        first = queue.enqueue(route_order_to_suppliers, split.order_id)
        second = queue.enqueue(route_order_to_suppliers, split.order_id)
        result = _run_worker(database_url, redis_url, outbound_allow=f"127.0.0.1:{receiver.port}")
        assert result.returncode == 0, result.stderr
        first.refresh()
        second.refresh()
        assert first.return_value() == 2 and second.return_value() == 0, result.stderr
        assert _count(PurchaseOrder, PurchaseOrder.order_id == split.order_id) == 2
        [delivery] = _deliveries(supplier_id)
        # The first POST got a 500: the job is scheduled for a retry (RQ backoff), attempt logged.
        assert delivery.status == "pending" and delivery.attempt_count == 1
        job = queue.fetch_job(f"webhook-delivery-{delivery.id}")
        assert job.get_status() == "scheduled"
        job.delete()  # leave nothing scheduled in Redis for later runs
        assert len(receiver.requests) == 1 and receiver.requests[0]["valid"]
        # Run the retry now rather than waiting for its backoff interval.
        delivery_id = delivery.id  # the job commits: the object expires
        assert deliver_webhook(delivery_id) == "delivered"
        assert deliver_webhook(delivery_id) == "delivered"
        assert len(receiver.requests) == 2
