"""Supplier webhooks: each purchase order POSTed as signed JSON, retried until a 2xx.

Signature: `X-Flagship-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the
supplier's secret>`. Also sent: `X-Flagship-Event` and `X-Flagship-Delivery` (the delivery
id, stable across retries, so a receiver can drop duplicates).

Only public addresses are reached, checked when the URL is saved and again when connecting,
and redirects are not followed (`app.netguard`): a supplier's URL must not become a way
into the platform's own network.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import netguard
from app.catalog.models import Supplier
from app.catalog.portal_models import WebhookAttempt, WebhookDelivery
from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _

EVENT_PO_CREATED = "purchase_order.created"
TIMEOUT_SECONDS = 10
# RQ retries after these delays; the delivery is marked failed after the last attempt.
RETRY_INTERVALS = [30, 120, 600, 1800, 3600]
MAX_ATTEMPTS = len(RETRY_INTERVALS) + 1


class WebhookFailed(RuntimeError):
    """Raised so RQ retries the job with backoff."""


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    return hmac.compare_digest(sign(secret, body), header or "")


def clean_webhook_url(url: str) -> str:
    """An https URL to a public address (or '' to switch webhooks off), or DomainError.
    Plain http only to a local receiver listed in OUTBOUND_ALLOW (tests, development)."""
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > 500:
        raise DomainError(_('That URL is too long (at most 500 characters).'), field="url")
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise DomainError(_('The webhook URL must start with https://.'), field="url")
    try:
        netguard.target(url)
    except netguard.OutboundError:
        raise DomainError(_('Enter a full URL like https://example.com/flagship.'), field="url") from None
    if scheme == "http" and not netguard.is_allowed(url):
        raise DomainError(_('The webhook URL must start with https://.'), field="url")
    try:
        netguard.check_url(url)
    except netguard.OutboundError:
        raise DomainError(_("That URL points at a private network address (refused: private address). Use your server’s public https:// address."), field="url") from None
    return url


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
    started = time.monotonic()
    status_code, error = None, ""
    try:
        with netguard.open_url("POST", delivery.url, body=body, headers=headers,
                               timeout=TIMEOUT_SECONDS) as response:
            status_code = response.status
    except netguard.OutboundError as exc:
        error = str(exc)
    if status_code is not None and netguard.is_redirect(status_code):
        error = _('HTTP %(status_code)s: redirects are not followed; give the final URL', status_code=status_code)
    elif status_code is not None and not 200 <= status_code < 300:
        error = f"HTTP {status_code}"
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
