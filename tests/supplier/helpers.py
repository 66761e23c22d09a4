"""Builders for fulfilment tests: an order whose lines come from two suppliers; a local
webhook receiver."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.catalog.portal_models import SupplierMember
from app.extensions import db
from app.orders.fulfilment import route_order
from app.orders.fulfilment_models import PurchaseOrder
from app.orders.supplier_webhooks import verify
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


SECRET = "whsec_test_secret"


class Receiver:
    """A local webhook receiver on 127.0.0.1 that checks the HMAC of every request. Each
    answer is a status, or (status, headers). While open, its host:port is in OUTBOUND_ALLOW
    (a private address is refused otherwise) unless `allow` is False."""

    def __init__(self, statuses, *, allow: bool = True):
        self.statuses = list(statuses)
        self.requests = []
        self.allow = allow
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({
                    "body": body, "valid": verify(SECRET, body, self.headers["X-Flagship-Signature"]),
                    "event": self.headers["X-Flagship-Event"], "host": self.headers["Host"],
                    "delivery": self.headers["X-Flagship-Delivery"], "path": self.path})
                answer = receiver.statuses.pop(0) if receiver.statuses else 200
                status, headers = answer if isinstance(answer, tuple) else (answer, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST  # noqa: N815 - a followed redirect would arrive as a GET

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.allowed_before = current_app.config.get("OUTBOUND_ALLOW", "")
        if self.allow:
            current_app.config["OUTBOUND_ALLOW"] = f"{self.allowed_before},127.0.0.1:{self.port}".strip(",")
        self.thread.start()
        return self

    def __exit__(self, *exc):
        current_app.config["OUTBOUND_ALLOW"] = self.allowed_before
        self.server.shutdown()
        self.server.server_close()
