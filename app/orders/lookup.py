"""'Find my order': a shopper who lost their order e-mail types their address and gets one
e-mail with the private links to all their orders at this shop. The page never says whether
the address has orders (no one learns who shops where); the e-mail goes only to the address
itself, at most once an hour per shop and address (its dedupe key)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask import render_template
from sqlalchemy import func, select

from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.notifications.jobs import send_after_commit
from app.notifications.services import record_email

from .emails import status_url
from .models import Order

MAX_ORDERS = 50


def send_order_links(shop, email: str) -> None:
    """Queue the e-mail of `email`'s orders at `shop` (current shop scope), if it has any.
    Raises DomainError for an address that is not one."""
    try:
        email = validate_email((email or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise DomainError(_('Enter an email address like name@example.com.'), field="email") from None
    orders = list(db.session.scalars(select(Order).where(func.lower(Order.customer_email) == email.lower())
                                     .order_by(Order.placed_at.desc()).limit(MAX_ORDERS)))
    if not orders:
        return
    links = [(order, status_url(order, shop)) for order in orders]
    values = {"shop": shop, "links": links}
    message, _created = record_email(
        f"order-links:{shop.id}:{email.lower()}:{utcnow():%Y%m%d%H}", to=orders[0].customer_email,
        subject=_("Your orders at %(shop)s", shop=shop.name),
        body_text=render_template("emails/order_links.txt", **values),
        body_html=render_template("emails/order_links.html", **values), shop_id=shop.id)
    send_after_commit(message)
