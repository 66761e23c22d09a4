"""Pay-on-delivery orders held until someone confirms them.

A COD order costs an anonymous shopper nothing, so a shop can choose (Shop.cod_confirmation)
that such an order goes to the supplier only once the shopper confirms it from a link sent
to the e-mail address they typed ("shopper"), or once the owner approves it ("owner").
Until then the order holds its stock and has no purchase order and no confirmation e-mail;
a held order nobody confirms is cancelled after COD_CONFIRM_HOURS (`expire_held_orders`,
a periodic job), its stock returned. Only a sha256 of the e-mailed token is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.db_types import utcnow
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.i18n import lazy_gettext as _l
from app.shops.models import Shop
from app.tenancy import unscoped, use_shop

from .emails import email_shopper
from .models import Order
from .services import cancel_order, queue_fulfilment

COD_CONFIRMATION_CHOICES = {
    "off": _l("Send them to the supplier at once"),
    "shopper": _l("After the shopper confirms by e-mail"),
    "owner": _l("After I approve each order"),
}
HOLD_FOR = {"off": "", "shopper": "shopper", "owner": "owner"}
CONFIRMATION_HOLDS = ("shopper", "owner")  # other holds (a group buy's) are not anyone's to approve


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def hold_for(shop: Shop) -> str:
    """What a new pay-on-delivery order of this shop waits for ("" for nothing)."""
    return HOLD_FOR.get(shop.cod_confirmation or "off", "")


def set_cod_confirmation(shop: Shop, choice: str) -> Shop:
    if choice not in COD_CONFIRMATION_CHOICES:
        raise DomainError(_('Choose when pay-on-delivery orders go to the supplier.'),
                          field="cod_confirmation")
    shop.cod_confirmation = choice
    db.session.flush()
    return shop


def hold(order: Order, shop: Shop, waits_for: str, *,
         confirm_url: Callable[[str, str], str] | None = None) -> Order:
    """Hold a just-placed COD order (instead of sending it on). For the shopper, e-mail the
    link `confirm_url(number, token)`; it is sent once this transaction commits."""
    if waits_for not in ("shopper", "owner"):
        raise ValueError(f"unknown hold {waits_for!r}")
    order.hold = waits_for
    order.hold_expires_at = utcnow() + timedelta(hours=current_app.config["COD_CONFIRM_HOURS"])
    if waits_for == "shopper":
        token = secrets.token_urlsafe(32)
        order.confirm_token_hash = _hash(token)
        db.session.flush()
        email_shopper(order, shop, "cod_confirm_request", _l("Please confirm your order {number} from {shop}"),
               confirm_url=confirm_url(order.number, token),
               hours=current_app.config["COD_CONFIRM_HOURS"])
    db.session.flush()
    return order


def order_to_confirm(number: str, token: str) -> Order | None:
    """The held order this e-mailed link confirms (current shop), or None: a wrong, used or
    expired link, another shop's order, or an order that no longer waits."""
    order = db.session.scalar(select(Order).where(Order.number == number))
    if order is None or order.hold != "shopper" or not order.confirm_token_hash:
        return None
    if not hmac.compare_digest(order.confirm_token_hash, _hash(token or "")):
        return None
    return order


def confirm_by_shopper(number: str, token: str) -> Order:
    order = order_to_confirm(number, token)
    if order is None:
        raise DomainError(_('This confirmation link is not valid any more: the order was already confirmed, or cancelled because it was not confirmed in time.'))
    return _release(order)


def approve(order: Order) -> Order:
    """The owner approves a held order (also one still waiting for the shopper's click: the
    owner may know the shopper): it goes to the supplier now."""
    if order.hold not in CONFIRMATION_HOLDS or order.status != "pending":
        raise DomainError(_('This order is not waiting for your approval.'))
    return _release(order)


def decline(order: Order, reason: str = "") -> Order:
    """The owner declines a held order: cancelled, stock back, the shopper told."""
    if order.hold not in CONFIRMATION_HOLDS or order.status != "pending":
        raise DomainError(_('This order is not waiting for your approval.'))
    shop = db.session.get(Shop, order.shop_id)
    order.hold, order.hold_expires_at = "", None
    cancel_order(order, reason or "Not accepted by the shop", source="dashboard")
    email_shopper(order, shop, "cod_declined", _l("Your order {number} from {shop} was not accepted"))
    return order


def _release(order: Order) -> Order:
    order.hold, order.hold_expires_at, order.confirm_token_hash = "", None, ""
    order.confirmed_at = utcnow()
    db.session.flush()
    queue_fulfilment(order)  # the confirmation e-mail and the purchase orders, after the commit
    return order


def held_orders_due(now=None, limit: int = 200) -> list[tuple[int, int]]:
    """(shop id, order id) of held orders past their time, oldest first."""
    with unscoped():
        return [tuple(row) for row in db.session.execute(
            select(Order.shop_id, Order.id)
            .where(Order.hold.in_(CONFIRMATION_HOLDS), Order.hold_expires_at <= (now or utcnow()),
                   Order.status == "pending")
            .order_by(Order.hold_expires_at).limit(limit))]


def expire_held_orders() -> int:
    """A periodic job: cancel held orders nobody confirmed in time (stock back, shopper
    told). Each in its own transaction; safe to run twice (a done one no longer matches)."""
    expired = 0
    for shop_id, order_id in held_orders_due():
        with use_shop(shop_id):
            order = db.session.scalar(select(Order).where(
                Order.id == order_id, Order.hold.in_(CONFIRMATION_HOLDS), Order.status == "pending")
                .with_for_update())
            if order is None:
                db.session.rollback()
                continue
            shop = db.session.get(Shop, shop_id)
            waited_for = order.hold
            order.hold, order.hold_expires_at, order.confirm_token_hash = "", None, ""
            cancel_order(order, "Not confirmed in time" if waited_for == "shopper"
                         else "Not approved in time", source="system")
            email_shopper(order, shop, "cod_expired", _l("Your order {number} from {shop} was cancelled"),
                   waited_for=waited_for)
            db.session.commit()
            expired += 1
    return expired
