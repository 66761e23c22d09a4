"""Fulfilment services: routing per supplier, shipping lines, fulfilment status, cancel."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import DomainError
from app.extensions import db
from app.orders import services as orders_service
from app.orders.fulfilment import Shipment, ship_lines, tracking_of
from app.orders.fulfilment_models import PurchaseOrder, PurchaseOrderLine
from app.orders.models import Order
from app.tenancy import use_shop
from tests.supplier.helpers import purchase_order, routed, split_order


def _order(split):
    return db.session.scalar(select(Order).where(Order.id == split.order_id)
                             .execution_options(populate_existing=True))


def test_routing_splits_the_order_per_supplier(shop_a, catalog):
    split = split_order(shop_a, catalog)
    pos = routed(split)
    assert set(pos) == {split.supplier_a.id, split.supplier_b.id}
    with use_shop(split.shop_id):
        po_a = db.session.get(PurchaseOrder, pos[split.supplier_a.id])
        po_b = db.session.get(PurchaseOrder, pos[split.supplier_b.id])
        assert {po_a.number, po_b.number} == {f"{split.number}-1", f"{split.number}-2"}
        assert sorted((line.quantity, line.unit_cost) for line in po_a.lines) == [(2, 1200), (3, 250)]
        assert [(line.sku, line.quantity, line.unit_cost) for line in po_b.lines] == [
            (f"MUG-{split.supplier_b.id}", 1, 800)]
        assert po_a.ship_name == "Ada Shopper" and po_a.ship_city == "Springfield"
        assert po_a.ship_phone and po_a.status == "open"
        # Nothing else about the shopper: no e-mail column exists on a purchase order.
        assert not hasattr(po_a, "customer_email")


def test_routing_twice_creates_nothing_new(shop_a, catalog):
    split = split_order(shop_a, catalog)
    first = routed(split)
    second = routed(split)
    assert first == second
    with use_shop(split.shop_id):
        assert db.session.scalar(select(func.count(PurchaseOrder.id))) == 2
        assert db.session.scalar(select(func.count(PurchaseOrderLine.id))) == 3


def test_shipping_lines_moves_the_order_to_partly_then_fully_shipped(shop_a, catalog):
    split = split_order(shop_a, catalog)
    pos = routed(split)
    with use_shop(split.shop_id):
        po_a = db.session.get(PurchaseOrder, pos[split.supplier_a.id])
        assert ship_lines(split.supplier_a.id, [Shipment(line, "UPS", "1Z999") for line in po_a.lines]) == []
        assert po_a.status == "shipped"
        assert _order(split).fulfilment_status == "partly_shipped"
        po_b = db.session.get(PurchaseOrder, pos[split.supplier_b.id])
        assert ship_lines(split.supplier_b.id, [Shipment(po_b.lines[0], "DHL", "JD01")]) == [split.order_id]
        order = _order(split)
        assert order.fulfilment_status == "shipped" and order.shipped_at is not None
        assert tracking_of(order) == [{"carrier": "UPS", "tracking_number": "1Z999"},
                                      {"carrier": "DHL", "tracking_number": "JD01"}]


def test_shipping_refuses_bad_input_and_other_suppliers_lines(shop_a, catalog):
    split = split_order(shop_a, catalog)
    pos = routed(split)
    with use_shop(split.shop_id):
        po_a = db.session.get(PurchaseOrder, pos[split.supplier_a.id])
        line = po_a.lines[0]
        with pytest.raises(DomainError, match="tracking number"):
            ship_lines(split.supplier_a.id, [Shipment(line, "UPS", "  ")])
        with pytest.raises(Exception, match="No such purchase order"):
            ship_lines(split.supplier_b.id, [Shipment(line, "UPS", "1Z")])
        db.session.refresh(line)
        assert line.shipped_at is None and line.tracking_number == ""
        ship_lines(split.supplier_a.id, [Shipment(line, "UPS", "1Z")])
        with pytest.raises(DomainError, match="already shipped"):
            ship_lines(split.supplier_a.id, [Shipment(line, "UPS", "1Z")])


def test_cancel_cancels_open_purchase_orders(shop_a, catalog):
    split = split_order(shop_a, catalog)
    pos = routed(split)
    with use_shop(split.shop_id):
        orders_service.cancel_order(_order(split))
    assert {purchase_order(i).status for i in pos.values()} == {"cancelled"}


def test_cancel_is_refused_once_something_shipped(shop_a, catalog):
    split = split_order(shop_a, catalog)
    pos = routed(split)
    with use_shop(split.shop_id):
        po_b = db.session.get(PurchaseOrder, pos[split.supplier_b.id])
        ship_lines(split.supplier_b.id, [Shipment(po_b.lines[0], "DHL", "JD01")])
        with pytest.raises(DomainError, match="already shipped"):
            orders_service.cancel_order(_order(split))


def test_a_cancelled_order_is_not_routed(shop_a, catalog):
    split = split_order(shop_a, catalog)
    with use_shop(split.shop_id):
        orders_service.cancel_order(_order(split))
    assert routed(split) == {}


def test_owner_dashboard_shows_purchase_orders_and_tracking(shop_a, catalog, login, client):
    split = split_order(shop_a, catalog)
    pos = routed(split)
    with use_shop(split.shop_id):
        po_b = db.session.get(PurchaseOrder, pos[split.supplier_b.id])
        ship_lines(split.supplier_b.id, [Shipment(po_b.lines[0], "DHL", "JD0042")])
    login(shop_a.owner)
    page = client.get(f"/dashboard/{shop_a.shop.subdomain}/orders/{split.order_id}").get_data(as_text=True)
    assert f"{split.number}-1" in page and f"{split.number}-2" in page
    assert "JD0042" in page and "Partly shipped" in page


def test_owner_cannot_cancel_a_shipped_order(shop_a, catalog, login, client):
    split = split_order(shop_a, catalog)
    pos = routed(split)
    with use_shop(split.shop_id):
        po_b = db.session.get(PurchaseOrder, pos[split.supplier_b.id])
        ship_lines(split.supplier_b.id, [Shipment(po_b.lines[0], "DHL", "JD0042")])
    login(shop_a.owner)
    url = f"/dashboard/{shop_a.shop.subdomain}/orders/{split.order_id}"
    response = client.post(f"{url}/cancel")
    assert response.status_code in (302, 422)
    assert "already shipped" in client.get(url).get_data(as_text=True)
    with use_shop(split.shop_id):
        assert _order(split).status == "pending"
        assert purchase_order(pos[split.supplier_a.id]).status == "open"
