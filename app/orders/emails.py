"""E-mails to a shopper about one of their orders: the private status link, and the outbox
row (one per purpose and order, its dedupe key) sent once the transaction commits."""

from __future__ import annotations

from flask import render_template, url_for

from app.i18n import speaking
from app.notifications.jobs import send_after_commit
from app.notifications.services import record_email
from app.shops.hosts import storefront_host


def status_url(order, shop) -> str:
    """The order's private status page, on its shop's host."""
    return url_for("storefront.order_status", shop_host=storefront_host(shop), number=order.number,
                   token=order.access_token, _external=True)


def record_shopper_email(order, shop, template: str, subject, *, key: str = "", **context):
    """Record `emails/<template>.txt|html` to the order's shopper in the language they bought
    in, once per template and order (and `key`, where an order has several: a refund's id).
    `subject` may name {number}, {shop} and any of `context`, or be a callable (order, shop)
    -> the subject. Returns (the outbox row, whether it is new)."""
    values = {"order": order, "shop": shop, "status_url": status_url(order, shop), **context}
    with speaking(order.language or shop.language):
        return record_email(
            f"{template.replace('_', '-')}:{order.id}" + (f":{key}" if key else ""), to=order.customer_email,
            subject=subject(order, shop) if callable(subject)
            else str(subject).format(number=order.number, shop=shop.name, **context),
            body_text=render_template(f"emails/{template}.txt", **values),
            body_html=render_template(f"emails/{template}.html", **values), shop_id=shop.id)


def email_shopper(order, shop, template: str, subject, *, key: str = "", **context) -> None:
    """Record the e-mail (`record_shopper_email`) and send it once the transaction commits."""
    email, _created = record_shopper_email(order, shop, template, subject, key=key, **context)
    send_after_commit(email)
