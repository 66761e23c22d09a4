"""Builders for fulfilment tests: an order whose lines come from two suppliers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog.portal_models import SupplierMember
from app.extensions import db
from app.orders.fulfilment import route_order
from app.orders.fulfilment_models import PurchaseOrder
from app.shops.pricing import PriceRule
from app.shops.services import add_listing
from app.tenancy import unscoped, use_shop
from tests.factories import make_order, make_product, make_supplier, make_user


@dataclass
class SplitOrder:
    order_id: int
    number: str
    shop_id: int
    supplier_a: object
    supplier_b: object


def add_second_supplier(fixture):
    """A second supplier with one product, listed in the fixture's shop."""
    supplier_b = make_supplier("Second Supplier")
    mug = make_product(supplier_b, title="Stoneware Mug",
                       variants=[{"sku": f"MUG-{supplier_b.id}", "wholesale": 800, "min_retail": 1000, "stock": 50}])
    with use_shop(fixture.shop.id):
        listing = add_listing(fixture.shop, mug.id, rule=PriceRule("markup", 5000), title="Mug")
    db.session.flush()
    return supplier_b, listing


def split_order(fixture, catalog) -> SplitOrder:
    """An order with two lines from supplier A (tee, crisps) and one from supplier B (mug)."""
    supplier_b, mug_listing = add_second_supplier(fixture)
    tee, snack = fixture.listings
    with use_shop(fixture.shop.id):
        order = make_order(fixture, {
            tee: (tee.supply_product.variants[0], 2),
            snack: (snack.supply_product.variants[0], 3),
            mug_listing: (mug_listing.supply_product.variants[0], 1),
        })
        return SplitOrder(order.id, order.number, fixture.shop.id, catalog.supplier, supplier_b)


def routed(split: SplitOrder) -> dict[int, int]:
    """Route the order in its shop; {supplier_id: purchase order id}."""
    from app.orders.models import Order

    with use_shop(split.shop_id):
        order = db.session.scalar(select(Order).where(Order.id == split.order_id))
        route_order(order)
        return {po.supplier_id: po.id for po in db.session.scalars(
            select(PurchaseOrder).where(PurchaseOrder.order_id == split.order_id))}


def member_of(supplier, email=None):
    user = make_user(email)
    db.session.add(SupplierMember(supplier_id=supplier.id, user_id=user.id))
    db.session.flush()
    return user


def purchase_order(po_id: int) -> PurchaseOrder:
    with unscoped():
        return db.session.scalar(select(PurchaseOrder).where(PurchaseOrder.id == po_id)
                                 .options(selectinload(PurchaseOrder.lines))
                                 .execution_options(populate_existing=True))
