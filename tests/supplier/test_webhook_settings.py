"""Webhook settings in the portal: https only, a secret shown once, the attempts log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.catalog.models import Supplier
from app.extensions import db
from app.orders.supplier_webhooks import sign, verify
from app.tenancy import unscoped
from tests.factories import make_supplier
from tests.supplier.helpers import member_of


def text(response):
    return response.get_data(as_text=True)


def _supplier(supplier_id):
    return db.session.scalar(select(Supplier).where(Supplier.id == supplier_id)
                             .execution_options(populate_existing=True))


@pytest.fixture
def portal(client, login):
    supplier = make_supplier()
    login(member_of(supplier))
    return client, supplier.id


def test_https_url_is_saved(portal):
    client, supplier_id = portal
    response = client.post("/supplier/settings", data={"url": "https://hooks.example.com/po"})
    assert response.status_code == 302
    assert _supplier(supplier_id).webhook_url == "https://hooks.example.com/po"


@pytest.mark.parametrize("url", ["http://hooks.example.com/po", "ftp://x.example/po", "hooks.example.com"])
def test_non_https_url_is_refused(portal, url):
    client, supplier_id = portal
    response = client.post("/supplier/settings", data={"url": url})
    assert response.status_code == 422
    assert not _supplier(supplier_id).webhook_url


def test_secret_is_shown_once_and_regenerated(portal):
    client, supplier_id = portal
    first = text(client.post("/supplier/settings/secret"))
    secret = _supplier(supplier_id).webhook_secret
    assert secret and secret in first
    assert secret not in text(client.get("/supplier/settings"))
    second = text(client.post("/supplier/settings/secret"))
    new_secret = _supplier(supplier_id).webhook_secret
    assert new_secret != secret and new_secret in second and secret not in second


def test_signature_helpers():
    body = b'{"a":1}'
    assert verify("s3cret", body, sign("s3cret", body))
    assert not verify("s3cret", body, sign("other", body))
    assert not verify("s3cret", body, "")


def test_empty_url_switches_webhooks_off(portal):
    client, supplier_id = portal
    client.post("/supplier/settings", data={"url": "https://hooks.example.com/po"})
    assert client.post("/supplier/settings", data={"url": ""}).status_code == 302
    assert _supplier(supplier_id).webhook_url == ""


def test_admin_staff_page_shows_the_delivery_log(admin):
    from app.catalog.portal_models import WebhookAttempt, WebhookDelivery

    supplier = make_supplier()
    supplier.webhook_url = "https://hooks.example.com/po"
    delivery = WebhookDelivery(supplier_id=supplier.id, purchase_order_id=1, url=supplier.webhook_url,
                               payload="{}", status="pending", attempt_count=1)
    with unscoped():  # a delivery of no shop: platform-wide only
        db.session.add(delivery)
        db.session.flush()
    db.session.add(WebhookAttempt(delivery_id=delivery.id, status_code=503, error="HTTP 503", duration_ms=12))
    db.session.flush()
    page = text(admin.get(f"/admin/suppliers/{supplier.id}/staff"))
    assert "https://hooks.example.com/po" in page and "HTTP 503" in page
