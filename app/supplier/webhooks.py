"""Supplier webhooks: each purchase order POSTed as signed JSON, retried until a 2xx.

Signature: `X-Flagship-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the
supplier's secret>`. Also sent: `X-Flagship-Event` and `X-Flagship-Delivery` (the delivery
id, stable across retries, so a receiver can drop duplicates).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.catalog.models import Supplier
from app.catalog.portal_models import WebhookAttempt, WebhookDelivery
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db

EVENT_PO_CREATED = "purchase_order.created"
TIMEOUT_SECONDS = 10
# RQ retries after these delays; the delivery is marked failed after the last attempt.
RETRY_INTERVALS = [30, 120, 600, 1800, 3600]
MAX_ATTEMPTS = len(RETRY_INTERVALS) + 1
_LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class WebhookFailed(RuntimeError):
    """Raised so RQ retries the job with backoff."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(sign(secret, body), header or "")


def local_http_allowed() -> bool:
    """Plain http to 127.0.0.1/localhost only in tests (TESTING) or FLAGSHIP_ENV=development."""
    config = current_app.config
    return bool(config.get("TESTING")) or config.get("FLAGSHIP_ENV") == "development"


def clean_webhook_url(url: str) -> str:
    """An https URL (or '' to switch webhooks off), or DomainError."""
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > 500:
        raise DomainError("That URL is too long (at most 500 characters).", field="url")
    parts = urlsplit(url)
    if not parts.hostname:
        raise DomainError("Enter a full URL like https://example.com/flagship.", field="url")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS and local_http_allowed():
        return url
    raise DomainError("The webhook URL must start with https://.", field="url")


def set_webhook_url(supplier: Supplier, url: str) -> None:
    supplier.webhook_url = clean_webhook_url(url)
    db.session.flush()


def generate_secret(supplier: Supplier) -> str:
    """A new signing secret (replaces the old one). Returned once; show it once."""
    secret = "whsec_" + secrets.token_hex(24)
    supplier.webhook_secret = secret
    db.session.flush()
    return secret


def purchase_order_payload(po) -> str:
    """The JSON body for a purchase order: what to ship and where, nothing else."""
    return json.dumps({
        "event": EVENT_PO_CREATED,
        "purchase_order": {
            "number": po.number,
            "created_at": po.created_at.isoformat() if po.created_at else utcnow().isoformat(),
            "lines": [{"sku": line.sku, "title": line.title, "variant": line.variant_label,
                       "quantity": line.quantity, "unit_cost": line.unit_cost,
                       "currency": line.currency} for line in po.lines],
            "ship_to": {"name": po.ship_name, "phone": po.ship_phone, "line1": po.ship_line1,
                        "line2": po.ship_line2, "city": po.ship_city, "region": po.ship_region,
                        "postcode": po.ship_postcode, "country": po.ship_country},
        },
    }, sort_keys=True, separators=(",", ":"))


def record_delivery(supplier: Supplier, po) -> WebhookDelivery | None:
    """The delivery row for a new purchase order, if the supplier has a webhook; one per PO."""
    if not supplier.webhook_url:
        return None
    existing = db.session.scalar(select(WebhookDelivery).where(
        WebhookDelivery.purchase_order_id == po.id, WebhookDelivery.event == EVENT_PO_CREATED))
    if existing is not None:
        return None
    delivery = WebhookDelivery(supplier_id=supplier.id, purchase_order_id=po.id, shop_id=po.shop_id,
                               event=EVENT_PO_CREATED, url=supplier.webhook_url,
                               payload=purchase_order_payload(po), status="pending")
    try:
        with db.session.begin_nested():
            db.session.add(delivery)
    except IntegrityError:
        return None
    return delivery


def attempt_delivery(delivery: WebhookDelivery) -> WebhookAttempt | None:
    """POST once and log the attempt. None when already delivered/failed (never re-sent)."""
    if delivery.status != "pending":
        return None
    supplier = db.session.get(Supplier, delivery.supplier_id)
    body = delivery.payload.encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Flagship-Webhooks/1",
               "X-Flagship-Event": delivery.event, "X-Flagship-Delivery": str(delivery.id)}
    if supplier.webhook_secret:
        headers["X-Flagship-Signature"] = sign(supplier.webhook_secret, body)
    request = urllib.request.Request(delivery.url, data=body, headers=headers, method="POST")
    started = time.monotonic()
    status_code, error = None, ""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - URL checked on save
            status_code = response.status
    except urllib.error.HTTPError as exc:
        status_code, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        error = str(getattr(exc, "reason", exc))[:500] or exc.__class__.__name__
    attempt = WebhookAttempt(delivery_id=delivery.id, status_code=status_code, error=error,
                             duration_ms=int((time.monotonic() - started) * 1000))
    db.session.add(attempt)
    delivery.attempt_count += 1
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at = "delivered", utcnow()
    elif delivery.attempt_count >= MAX_ATTEMPTS:
        delivery.status = "failed"
    db.session.flush()
    return attempt


def recent_deliveries(supplier_id: int, limit: int = 20) -> list[WebhookDelivery]:
    return list(db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.supplier_id == supplier_id)
        .order_by(WebhookDelivery.id.desc()).limit(limit)))
