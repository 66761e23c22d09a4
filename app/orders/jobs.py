"""Order jobs. Each takes ids, loads fresh rows and is safe to run twice."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from app.catalog.models import Supplier
from app.catalog.portal_models import WebhookDelivery
from app.extensions import db
from app.i18n import _, speaking
from app.i18n import lazy_gettext as _l
from app.jobs import defer
from app.money import format_money
from app.notifications.services import deliver
from app.shops.models import Shop
from app.shops.owner_emails import record_owner_emails
from app.tenancy import unscoped, use_shop

from .emails import record_shopper_email
from .fulfilment import route_order, shipment_of, tracking_of
from .models import Order
from .supplier_webhooks import RETRY_INTERVALS, WebhookFailed, attempt_delivery, record_delivery


def send_order_confirmation(order_id: int) -> str:
    """E-mail the shopper their order confirmation (once, however often this runs)."""
    return _email_shopper(order_id, "order_confirmation", _l("Your order {number} from {shop}"))


def send_new_order_to_owners(order_id: int) -> str:
    """E-mail every owner of the shop that an order went ahead: what was bought, the total,
    how it is paid, where it goes, and the link to it in the dashboard (once per owner and
    order, however often this runs). An order cancelled before this ran needs nobody."""
    shop_id = _shop_of_order(order_id)
    if shop_id is None:
        return "missing"
    with use_shop(shop_id):
        order = db.session.scalar(select(Order).where(Order.id == order_id))
        if order.status == "cancelled":
            return "cancelled"
        shop = db.session.get(Shop, shop_id)
        order_url = url_for("dashboard.order_detail", shop=shop.subdomain, order_id=order.id, _external=True)
        emails = record_owner_emails(shop, "new_order", _l("New order {number} at {shop}: {total}"),
                                     f"new-order:{order.id}", order=order, number=order.number,
                                     total=format_money(order.total, order.currency), order_url=order_url)
        db.session.commit()
        for email, _ in emails:
            if email.status != "sent":
                try:
                    deliver(email)
                finally:
                    db.session.commit()
    return f"{sum(created for _, created in emails)} sent"


def _email_shopper(order_id: int, template: str, subject, ready=None, key: str = "", **context) -> str:
    """Record (once, keyed by template and order, and `key` where an order has several of
    these) and send an e-mail to the order's shopper, with the private status link.
    `subject` may be a callable (order, shop) -> the subject; `ready(order)` may refuse ("not shipped");
    `context` may add callables of the order to the template's context."""
    shop_id = _shop_of_order(order_id)
    if shop_id is None:
        return "missing"
    with use_shop(shop_id):
        order = db.session.scalar(select(Order).where(Order.id == order_id))
        if ready is not None and (refusal := ready(order)):
            return refusal
        shop = db.session.get(Shop, shop_id)
        with speaking(order.language or shop.language):  # the context's words too
            built = {name: build(order) for name, build in context.items()}
        email, created = record_shopper_email(order, shop, template, subject, key=key, **built)
        db.session.commit()
        if email.status != "sent":
            try:
                deliver(email)
            finally:
                db.session.commit()
        return "sent" if created else "already recorded"


def _shop_of_order(order_id: int) -> int | None:
    """Which shop an order belongs to: the one platform-wide read this job needs."""
    with unscoped():
        return db.session.scalar(select(Order.shop_id).where(Order.id == order_id))


def route_order_to_suppliers(order_id: int) -> int:
    """Split an order into one purchase order per supplier and queue their webhooks.

    Safe to run twice: already-routed suppliers/lines are skipped (unique constraints back
    this up), and a webhook delivery is recorded once per purchase order. Returns how many
    purchase orders were created.
    """
    shop_id = _shop_of_order(order_id)
    if shop_id is None:
        return 0
    with use_shop(shop_id):
        order = db.session.scalar(select(Order).where(Order.id == order_id))
        created = route_order(order)
        for po in created:
            delivery = record_delivery(db.session.get(Supplier, po.supplier_id), po)
            if delivery is not None:
                db.session.flush()
                defer(deliver_webhook, delivery.id, job_id=f"webhook-delivery-{delivery.id}",
                      timeout=60, retry=RETRY_INTERVALS)
        count = len(created)
        db.session.commit()
    return count


@unscoped()  # a supplier's delivery, platform machinery (RLS hides it from no scope)
def deliver_webhook(delivery_id: int) -> str:
    """One POST of a webhook delivery. Logs the attempt; raises on a non-2xx so RQ retries
    with backoff; a delivered (or finally failed) delivery is never sent again."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return "missing"
    if delivery.status != "pending":
        return delivery.status
    attempt = attempt_delivery(delivery)
    status = delivery.status
    db.session.commit()
    if status == "delivered":
        return status
    raise WebhookFailed(
        f"webhook delivery {delivery_id} attempt failed: {attempt.status_code or attempt.error}"
        + (" (giving up)" if status == "failed" else ""))


def send_shipping_confirmation(order_id: int) -> str:
    """E-mail the shopper the tracking numbers once the whole order has shipped (once)."""
    return _email_shopper(
        order_id, "shipping_confirmation", _shipped_subject,
        ready=lambda order: None if order.fulfilment_status == "shipped" else "not shipped",
        tracking=tracking_of)


def _shipped_subject(order: Order, shop: Shop) -> str:
    if order.pickup_code:  # collected at a pickup point: say where
        return _("Your order %(number)s from %(shop)s is on its way to %(place)s", number=order.number,
                 shop=shop.name, place=order.pickup_place)
    return _("Your order %(number)s from %(shop)s has shipped", number=order.number, shop=shop.name)


def send_part_shipped(order_id: int, line_ids: list[int]) -> str:
    """E-mail the shopper that part of their order has shipped: what this shipment carries,
    its tracking and what is still to come (once per shipment: its first line is the key)."""
    return _email_shopper(
        order_id, "part_shipped", _l("Part of your order {number} from {shop} has shipped"),
        key=str(min(line_ids)), shipment=lambda order: shipment_of(order, line_ids))
