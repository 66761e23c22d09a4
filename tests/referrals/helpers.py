"""Referral test helpers: a shop with an open programme, promoters, and shoppers through links."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from app.db_types import utcnow
from app.extensions import db
from app.ledger.models import LedgerEntry
from app.notifications.models import OutboundEmail
from app.orders.fulfilment import Shipment, route_order, ship_lines
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.services import mark_paid
from app.referrals import services as referrals
from app.referrals.models import Commission, Promoter
from app.tenancy import unscoped, use_shop
from tests.payments.helpers import CHECKOUT, latest_order


def open_programme(shop, level1_bp=1000, level2_bp=500, days=30, invite_only=False):
    with use_shop(shop.id):
        referrals.save_programme(shop, is_open=True, invite_only=invite_only, level1_bp=level1_bp,
                                 level2_bp=level2_bp, binding_days=days)
    db.session.flush()


def promoter(shop, name, email, recruited_by=None) -> tuple[int, str, str]:
    """(id, code, page token) of a new promoter of `shop`."""
    with use_shop(shop.id):
        made, token = referrals.join(shop, name=name, email=email, recruited_by=recruited_by, by_owner=True)
        found = (made.id, made.code, token)
    db.session.flush()
    return found


def get_promoter(promoter_id) -> Promoter:
    with unscoped():
        return db.session.scalar(select(Promoter).where(Promoter.id == promoter_id)
                                 .execution_options(populate_existing=True))


def commissions(order_id) -> list[Commission]:
    with unscoped():
        return list(db.session.scalars(select(Commission).where(Commission.order_id == order_id)
                                       .order_by(Commission.level).execution_options(populate_existing=True)))


def entries(order_id, kind="commission") -> list[LedgerEntry]:
    with unscoped():
        return list(db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_id == order_id,
                                                                 LedgerEntry.kind == kind)
                                       .order_by(LedgerEntry.id)))


def item(listing) -> SimpleNamespace:
    """A listing's id and first variant's, read while they can be (before a commit)."""
    if isinstance(listing, SimpleNamespace):
        return listing
    return SimpleNamespace(id=listing.id, variant_id=listing.supply_product.variants[0].id)


def buy(client, listing, quantity=1, email="ada@example.com"):
    """A pay-on-delivery checkout in `client`'s browser -> the order's id and subtotal (read
    now: after a job commits, the order is not reloadable outside its shop's scope)."""
    snapshot = item(listing)
    added = client.post("/cart/add", data={"listing_id": snapshot.id, "variant_id": snapshot.variant_id,
                                           "quantity": quantity})
    assert added.status_code == 302
    response = client.post("/checkout", data=dict(CHECKOUT, email=email))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    order = latest_order()
    return SimpleNamespace(id=order.id, subtotal=order.subtotal)


def deliver_and_pay(shop, order_id):
    """The supplier ships, the owner collects the cash: the sale is in the ledger."""
    with use_shop(shop.id):
        from app.orders.models import Order

        order = db.session.get(Order, order_id)
        route_order(order)  # done already when the order's jobs ran inline
        pos = db.session.scalars(select(PurchaseOrder).where(PurchaseOrder.order_id == order_id)).all()
        for po in pos:
            ship_lines(po.supplier_id, [Shipment(line, "UPS", f"1Z{po.id}") for line in po.lines])
        db.session.refresh(order)
        mark_paid(order)
    db.session.flush()


def after_window(app, days=1):
    return utcnow() + timedelta(days=app.config["COMMISSION_HOLD_DAYS"] + days)


def page_link(email) -> str:
    with unscoped():
        mail = db.session.scalar(select(OutboundEmail).where(OutboundEmail.to_address == email)
                                 .order_by(OutboundEmail.id.desc()))
    return re.search(r"http://[\w.]+/promote/\d+/[\w-]+", mail.body_text).group(0)
