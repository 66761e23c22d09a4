"""The supplier portal's scope fails closed like a shop's: a supplier sees only its own
purchase orders and their lines, in every shop; any other shop data raises."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask
from sqlalchemy import func, select, update

from app.extensions import db
from app.orders.fulfilment import route_order
from app.orders.fulfilment_models import PurchaseOrder, PurchaseOrderLine
from app.orders.models import Order
from app.shops.models import Listing
from app.tenancy import (
    TenancyError,
    current_shop_id,
    current_supplier_id,
    for_shop,
    scope_requests,
    unscoped,
    use_shop,
    use_supplier,
)
from tests.factories import make_order
from tests.supplier.helpers import routed, split_order


@pytest.fixture
def two_suppliers(shop_a, shop_b, catalog):
    """Supplier A has purchase orders in two shops; supplier B in one."""
    split_a = split_order(shop_a, catalog)
    pos = routed(split_a)
    with use_shop(shop_b.shop.id):
        route_order(make_order(shop_b))
    return split_a, pos, None, None


def test_a_supplier_sees_its_own_purchase_orders_in_every_shop(two_suppliers):
    split_a, pos, split_b, pos_b = two_suppliers
    supplier = split_a.supplier_a
    with unscoped():
        everyone = db.session.scalar(select(func.count(PurchaseOrder.id)))
        own = set(db.session.scalars(select(PurchaseOrder.id).where(PurchaseOrder.supplier_id == supplier.id)))
        own_lines = set(db.session.scalars(
            select(PurchaseOrderLine.id).where(PurchaseOrderLine.purchase_order_id.in_(own))))
    assert everyone == 3 and len(own) == 2  # both shops' orders carry supplier A's goods
    with use_supplier(supplier.id):
        assert set(db.session.scalars(select(PurchaseOrder.id))) == own
        assert set(db.session.scalars(select(PurchaseOrderLine.id))) == own_lines
        joined = db.session.execute(select(PurchaseOrder.id, PurchaseOrderLine.id).join(
            PurchaseOrderLine, PurchaseOrderLine.purchase_order_id == PurchaseOrder.id)).all()
        assert {po for po, _ in joined} == own
        # Another supplier's purchase order, by id: not there.
        assert db.session.scalar(select(PurchaseOrder).where(
            PurchaseOrder.id == pos[split_a.supplier_b.id])) is None


def test_a_bulk_update_in_the_supplier_scope_touches_only_its_rows(two_suppliers):
    split_a, pos, split_b, pos_b = two_suppliers
    with use_supplier(split_a.supplier_a.id):
        changed = db.session.execute(update(PurchaseOrder).values(ship_phone="555")
                                     .execution_options(synchronize_session=False)).rowcount
    assert changed == 2
    with unscoped():
        assert db.session.scalar(select(func.count(PurchaseOrder.id)).where(PurchaseOrder.ship_phone == "555")) == 2


@pytest.mark.parametrize("model", [Order, Listing])
def test_other_shop_data_raises_in_the_supplier_scope(two_suppliers, model):
    split_a = two_suppliers[0]
    with use_supplier(split_a.supplier_a.id), pytest.raises(TenancyError, match="supplier portal"):
        db.session.scalars(select(model)).all()


def test_a_subquery_over_orders_raises_too(two_suppliers):
    split_a = two_suppliers[0]
    with use_supplier(split_a.supplier_a.id), pytest.raises(TenancyError):
        db.session.scalars(select(PurchaseOrder).where(
            PurchaseOrder.order_id.in_(select(Order.id)))).all()


def test_writing_a_shops_row_in_the_supplier_scope_raises(two_suppliers, shop_a):
    split_a = two_suppliers[0]
    with unscoped():
        order = db.session.scalar(select(Order).where(Order.id == split_a.order_id))
    order.customer_name = "Changed by a supplier"
    with use_supplier(split_a.supplier_a.id), pytest.raises(TenancyError, match="supplier portal"):
        db.session.flush()
    db.session.rollback()


def test_a_blueprint_is_scoped_by_its_resolver_until_teardown():
    app = Flask(__name__)
    bp = Blueprint("probe", __name__)
    seen = {}
    scope_requests(bp, lambda: for_shop(7))

    @bp.get("/probe")
    def probe():
        seen["shop"], seen["supplier"] = current_shop_id(), current_supplier_id()
        return "ok"

    other = Blueprint("refuse", __name__)
    scope_requests(other, lambda: ("go away", 403))

    @other.get("/refuse")
    def refused():
        seen["ran"] = True
        return "ran"

    app.register_blueprint(bp)
    app.register_blueprint(other)
    client = app.test_client()
    assert client.get("/probe").get_data(as_text=True) == "ok"
    assert seen == {"shop": 7, "supplier": None}
    assert current_shop_id() is None  # left at teardown
    response = client.get("/refuse")
    assert response.status_code == 403 and "ran" not in seen
