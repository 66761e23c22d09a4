"""Webhooks reach public addresses only (no SSRF): private URLs are refused when saved and
when connecting (a name that resolves to 127.0.0.1), redirects are not followed, and the
stored errors say no more than "refused: private address" or "connection failed"."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app import netguard
from app.catalog.models import Supplier
from app.catalog.portal_models import WebhookDelivery
from app.errors import DomainError
from app.extensions import db
from app.orders.jobs import route_order_to_suppliers
from app.orders.supplier_webhooks import clean_webhook_url
from app.tenancy import unscoped
from tests.factories import make_supplier, run_job
from tests.supplier.helpers import SECRET, Receiver, member_of, split_order


def _supplier(supplier_id):
    return db.session.scalar(select(Supplier).where(Supplier.id == supplier_id)
                             .execution_options(populate_existing=True))


def _delivery(supplier_id) -> WebhookDelivery:
    with unscoped():  # deliveries are under row-level security: read platform-wide
        return db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.supplier_id == supplier_id)
                                 .execution_options(populate_existing=True))


@pytest.mark.parametrize("url", [
    "https://127.0.0.1:8080/hook", "https://localhost/hook", "https://[::1]/hook", "https://10.1.2.3/hook",
    "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/hook", "https://0.0.0.0/hook",
    "https://[::ffff:127.0.0.1]/hook", "https://224.0.0.1/hook", "https://[fe80::1]/hook",
    "http://127.0.0.1:8080/hook",
])
def test_private_urls_are_refused_in_the_settings_form(client, login, url):
    supplier = make_supplier()
    login(member_of(supplier))
    response = client.post("/supplier/settings", data={"url": url})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "private network address" in page or "must start with https://" in page
    assert not _supplier(supplier.id).webhook_url


def test_a_name_that_resolves_to_a_private_address_is_refused_when_saved(app, monkeypatch):
    monkeypatch.setattr(netguard, "resolve", lambda host, port: ["93.184.215.14", "10.0.0.7"])
    with pytest.raises(DomainError, match="private network address"):
        clean_webhook_url("https://hooks.example.com/po")
    monkeypatch.setattr(netguard, "resolve", lambda host, port: ["93.184.215.14"])
    assert clean_webhook_url("https://hooks.example.com/po") == "https://hooks.example.com/po"


def test_plain_http_only_to_an_allowed_local_receiver(app, monkeypatch):
    with pytest.raises(DomainError):
        clean_webhook_url("http://127.0.0.1:8080/hook")
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW", "127.0.0.1:8080")
    assert clean_webhook_url("http://127.0.0.1:8080/hook") == "http://127.0.0.1:8080/hook"
    with pytest.raises(DomainError):
        clean_webhook_url("http://127.0.0.1:8081/hook")  # the pair, not the host


def test_a_name_resolving_to_loopback_is_refused_when_connecting(shop_a, catalog):
    """Saved while it looked public, `localhost` (127.0.0.1) is checked again at connect time:
    nothing is sent, and the error does not say what listens there."""
    split = split_order(shop_a, catalog)
    with Receiver([200], allow=False) as receiver:
        split.supplier_b.webhook_url = f"http://localhost:{receiver.port}/hook"
        supplier_id = split.supplier_b.id
        db.session.flush()
        run_job(route_order_to_suppliers, split.order_id)
        assert receiver.requests == []
    delivery = _delivery(supplier_id)
    assert delivery.status == "pending" and delivery.attempts[0].status_code is None
    assert delivery.attempts[0].error == "refused: private address"


def test_dns_rebinding_after_the_save_is_refused_when_connecting(shop_a, catalog, monkeypatch):
    split = split_order(shop_a, catalog)
    with Receiver([200], allow=False) as receiver:
        monkeypatch.setattr(netguard, "resolve", lambda host, port: ["93.184.215.14"])
        split.supplier_b.webhook_url = clean_webhook_url(f"https://hooks.example.com:{receiver.port}/hook")
        monkeypatch.setattr(netguard, "resolve", lambda host, port: ["127.0.0.1"])  # the name now points inside
        supplier_id = split.supplier_b.id
        db.session.flush()
        run_job(route_order_to_suppliers, split.order_id)
        assert receiver.requests == []
    assert _delivery(supplier_id).attempts[0].error == "refused: private address"


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(shop_a, catalog):
    split = split_order(shop_a, catalog)
    with Receiver([200]) as inside, Receiver([(302, {"Location": f"http://127.0.0.1:{inside.port}/admin"})]) as hook:
        split.supplier_b.webhook_url, split.supplier_b.webhook_secret = hook.url, SECRET
        supplier_id = split.supplier_b.id
        db.session.flush()
        run_job(route_order_to_suppliers, split.order_id)
        assert len(hook.requests) == 1 and inside.requests == []
    delivery = _delivery(supplier_id)
    assert delivery.status == "pending" and delivery.delivered_at is None
    assert delivery.attempts[0].status_code == 302
    assert "redirects are not followed" in delivery.attempts[0].error


def test_a_closed_port_says_connection_failed_and_nothing_more(shop_a, catalog, app, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOUND_ALLOW", "127.0.0.1:9")
    split = split_order(shop_a, catalog)
    split.supplier_b.webhook_url = "http://127.0.0.1:9/nothing-listens"
    supplier_id = split.supplier_b.id
    db.session.flush()
    run_job(route_order_to_suppliers, split.order_id)
    assert _delivery(supplier_id).attempts[0].error == "connection failed"
