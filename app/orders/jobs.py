"""Order jobs. Each takes ids, loads fresh rows and is safe to run twice."""

from __future__ import annotations

from flask import render_template, url_for
from sqlalchemy import select

from app.extensions import db
from app.notifications.services import deliver, record_email
from app.shops.models import Shop
from app.tenancy import use_shop
from app.tenancy.hosts import storefront_host

from .models import Order


def send_order_confirmation(order_id: int) -> str:
    """E-mail the shopper their order confirmation (once, however often this runs)."""
    shop_id = _shop_of_order(order_id)
    if shop_id is None:
        return "missing"
    with use_shop(shop_id):
        order = db.session.scalar(select(Order).where(Order.id == order_id))
        shop = db.session.get(Shop, shop_id)
        status_url = url_for(
            "storefront.order_status", shop_host=storefront_host(shop), number=order.number,
            token=order.access_token, _external=True,
        )
        context = {"order": order, "shop": shop, "status_url": status_url}
        email, created = record_email(
            f"order-confirmation:{order.id}",
            to=order.customer_email,
            subject=f"Your order {order.number} from {shop.name}",
            body_text=render_template("emails/order_confirmation.txt", **context),
            body_html=render_template("emails/order_confirmation.html", **context),
            shop_id=shop.id,
        )
        db.session.commit()
        if email.status != "sent":
            try:
                deliver(email)
            finally:
                db.session.commit()
        return "sent" if created else "already recorded"


def _shop_of_order(order_id: int) -> int | None:
    """Which shop an order belongs to: the one platform-wide read this job needs."""
    from app.tenancy import unscoped

    with unscoped():
        return db.session.scalar(select(Order.shop_id).where(Order.id == order_id))
